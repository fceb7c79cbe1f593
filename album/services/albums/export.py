"""Exporting an album: its files copied (or linked) into a folder the user chose.

The folder may already hold anything, links included, and others may write into it too: export
never writes through a name that is there, and never replaces one. A copy is written into a
temporary file that `mkstemp` creates exclusively under an unpredictable name (O_EXCL: a link
planted at that name fails the creation instead of being followed), through the descriptor it
returns, and then takes its final name through a hard link, which fails rather than replace
whatever took that name meanwhile; a symlink (`--link`) is made the same way. The photos in the
user's own folders are only ever read.

A name longer than the folder's filesystem allows (often 255 bytes; a `(2)` added to a long
name can pass it) is cut short in its stem, keeping the suffix, and the summary says so. A
file that cannot be exported is named in the summary with why, and the export goes on.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from album.errors import AlbumError


class ExportError(AlbumError):
    """The folder to export into cannot be used (nothing was exported)."""


@dataclass
class ExportSummary:
    copied: int = 0
    linked: int = 0
    skipped: int = 0  # already in the folder with the same content
    missing: list[str] = field(default_factory=list)  # library photos whose file is gone
    failed: dict[str, str] = field(default_factory=dict)  # path -> why it was not exported
    shortened: dict[str, str] = field(default_factory=dict)  # path -> the shorter name it got in the folder


def export_files(sources: Iterable[Path], destination: Path, *, link: bool = False) -> ExportSummary:
    """Copy (or symlink) `sources` into `destination`; re-running adds only what is new.

    A photo whose name is taken in the folder by something else gets `name (2).jpg`; one that
    was exported before (under either name) is skipped.
    """
    destination = Path(destination).expanduser()
    try:
        destination.mkdir(parents=True, exist_ok=True)
        taken: set[str] = {p.name for p in destination.iterdir()}
    except OSError as exc:
        raise ExportError(f"cannot export into {destination}: {exc.strerror or exc}") from exc
    names = _Names(_name_max(destination))
    summary = ExportSummary()
    for source in sources:
        if not source.is_file():
            summary.missing.append(str(source))
            continue
        # A photo that shares its name with another was exported as `name (2).jpg`: look at
        # every name it may have been given, or each re-export would copy it once more.
        if any(_same_file(source, destination / name) for name in names.given(source.name, taken)):
            summary.skipped += 1
            continue
        try:
            if link:
                given = _publish(lambda target: os.symlink(source, target), source.name, destination, taken, names)
                summary.linked += 1
            else:
                given = _copy(source, destination, taken, names)
                summary.copied += 1
        except OSError as exc:
            summary.failed[str(source)] = _reason(exc)
            continue
        if names.shortened(source.name, given):
            summary.shortened[str(source)] = given
    return summary


def _copy(source: Path, destination: Path, taken: set[str], names: "_Names") -> str:
    """Copy `source` into the folder under a free name, with its file times and mode (as
    `shutil.copy2` would, but only ever through a file this call created)."""
    fd, temporary = tempfile.mkstemp(dir=destination, prefix=".album-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as data:
            shutil.copyfileobj(data, out, 1 << 20)
            out.flush()
            _copy_mode_and_times(out.fileno(), temporary, os.fstat(data.fileno()))
        return _publish(lambda target: _link_or_rename(temporary, target), source.name, destination, taken, names)
    finally:
        try:
            os.unlink(temporary)  # its own name; the file lives on under the final one
        except FileNotFoundError:
            pass


def _copy_mode_and_times(fd: int, path: str, source: os.stat_result) -> None:
    """The source's permission bits and access/modification times, set on the open descriptor."""
    if hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(source.st_mode))
    else:  # Windows before Python 3.13: the file is ours and still open
        os.chmod(path, stat.S_IMODE(source.st_mode))
    times = (source.st_atime_ns, source.st_mtime_ns)
    os.utime(fd if os.utime in os.supports_fd else path, ns=times)


def _publish(make: Callable[[Path], None], name: str, destination: Path, taken: set[str], names: "_Names") -> str:
    """Give the new file the first free name for `name`; `make(target)` must fail with
    FileExistsError rather than replace anything at `target` (a name taken since the folder
    was listed is passed over, not overwritten)."""
    while True:
        free = names.free(name, taken)
        taken.add(free)
        try:
            make(destination / free)
            return free
        except FileExistsError:
            continue


def _link_or_rename(temporary: str, target: Path) -> None:
    """Give the temporary file its final name; never replace what is at `target`."""
    try:
        os.link(temporary, target, follow_symlinks=False)
        return
    except NotImplementedError:  # a platform without linkat's flag
        pass
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
    # No hard links on this filesystem (FAT, some network shares): check, then rename. Only a
    # name taken in the instant between the two could be replaced.
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "exists", str(target))
    os.rename(temporary, target)


def _same_file(a: Path, b: Path) -> bool:
    """Whether `b` in the export folder already is `a`: a link to it, or a regular file with its bytes."""
    try:
        info = b.lstat()
        if stat.S_ISLNK(info.st_mode):
            return b.resolve() == a.resolve()
        if not stat.S_ISREG(info.st_mode) or a.stat().st_size != info.st_size:
            return False  # a folder, a pipe (reading it could block) or another size
        with open(a, "rb") as first, open(b, "rb") as second:
            while True:
                chunk = first.read(1 << 20)
                if chunk != second.read(1 << 20):
                    return False
                if not chunk:
                    return True
    except OSError:
        return False


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "its name is too long for that folder"
    return exc.strerror or str(exc)


def _name_max(folder: Path) -> int:
    """The longest file name, in bytes, that the folder's filesystem takes (255 when it does not say)."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # AttributeError: Windows has no pathconf
        return 255


class _Names:
    """The names a photo may get in the folder: `IMG_1.jpg`, then `IMG_1 (2).jpg`..., each cut
    short in its stem (never the suffix) to the folder's longest name, in bytes as stored."""

    MAX_SUFFIX = 16  # a longer "suffix" is part of the name (`holiday.the whole day at the beach`)

    def __init__(self, name_max: int):
        self.name_max = name_max

    def nth(self, name: str, n: int) -> str:
        """The n-th choice: n = 1 the name itself, then `stem (n)suffix`."""
        stem, suffix = self._split(name)
        tail = suffix if n == 1 else f" ({n}){suffix}"
        room = self.name_max - len(os.fsencode(tail))
        if len(os.fsencode(stem)) <= room:
            return stem + tail
        while stem and len(os.fsencode(stem)) > room:
            stem = stem[: -max(1, (len(os.fsencode(stem)) - room) // 4)]  # whole characters, never half a one
        return (stem.rstrip() or "photo") + tail

    def free(self, name: str, taken: set[str]) -> str:
        n = 1
        while self.nth(name, n) in taken:
            n += 1
        return self.nth(name, n)

    def given(self, name: str, taken: set[str]) -> list[str]:
        """The names in `taken` that `free` may have chosen for `name`."""
        _, suffix = self._split(name)
        numbered = re.compile(r".* \((\d+)\)" + re.escape(suffix))
        first = self.nth(name, 1)
        found = [first] * (first in taken)
        for other in sorted(taken):
            match = numbered.fullmatch(other)
            if match and int(match[1]) > 1 and self.nth(name, int(match[1])) == other:
                found.append(other)
        return found

    def shortened(self, name: str, given: str) -> bool:
        """Whether `given` is `name` (or a numbered form of it) cut short."""
        if given == name:
            return False
        stem, suffix = self._split(name)
        return not re.fullmatch(re.escape(stem) + r" \(\d+\)" + re.escape(suffix), given)

    def _split(self, name: str) -> tuple[str, str]:
        stem, suffix = os.path.splitext(name)
        if len(os.fsencode(suffix)) > self.MAX_SUFFIX:
            return name, ""
        return stem, suffix
