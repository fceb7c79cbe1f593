"""Telling "the library's disk is full" apart from every other failure, and saying it once.

A full disk shows up as sqlite3's "database or disk is full", as ENOSPC from a thumbnail or
index file, or as EDQUOT where quotas apply. None of them is the photo's fault: a photo must
never be recorded as unreadable because album could not write its thumbnail, and a run that
cannot write stops with one readable line instead of a chain of tracebacks. What was committed
before stays; the next run goes on from there once there is room.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from album.errors import LibraryDiskFull

_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, LibraryDiskFull):
        return True
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    return isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS


def disk_full(where: Path) -> LibraryDiskFull:
    """The error to raise: which disk, how much room is left, what happens next."""
    try:
        free = f"{shutil.disk_usage(where).free / 1e6:.1f} MB free"
    except OSError:
        free = "free space unknown"
    return LibraryDiskFull(
        f"the disk holding the library is full ({free}): {where}. What was done so far is kept; "
        "free some space and run it again to go on"
    )
