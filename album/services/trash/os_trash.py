"""Finding a file that send2trash moved to the operating system's trash, to put it back.

send2trash only moves files in; taking them out again is up to us, and each platform keeps its
trash differently:
- Linux and other freedesktop systems (the XDG trash spec, which send2trash and GIO both follow):
  `<trash>/files/<name>` plus `<trash>/info/<name>.trashinfo` holding `Path=` (URL-quoted;
  absolute, or relative to the trash's top directory) and `DeletionDate=` (local time).
  The trash is `$XDG_DATA_HOME/Trash` for files on the home device, else `<mount>/.Trash/<uid>`
  or `<mount>/.Trash-<uid>` on the file's own volume. The entry's name may carry a counter
  (`photo 1.jpg`, GIO: `photo.2.jpg`), so entries are matched by their recorded path.
- macOS: `~/.Trash` (other volumes: `<volume>/.Trashes/<uid>`) with no record of where a file
  came from; Finder renames on collisions (`photo 2.jpg`, `photo 10.23.45.jpg`), so entries
  are matched by name stem and suffix, and confirmed by content hash.
- Windows: the Recycle Bin's `$I` records are not handled; undo is refused with what to do.
Every candidate is confirmed by its content hash, so a different file that happens to share a
name or path is never restored in its place.
"""

from __future__ import annotations

import configparser
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote

from album.errors import AlbumError
from album.media.hashing import content_hash


class TrashError(AlbumError):
    """Moving photos to the trash, or back out of it, failed."""


class TrashUnsupported(TrashError):
    """This platform's trash cannot be read back by album (undo is not possible)."""


@dataclass(frozen=True)
class TrashedFile:
    location: Path  # the file inside the trash
    info: Path | None  # its XDG .trashinfo record, removed once the file is restored
    deleted_at: datetime | None  # aware, when the trash recorded it


def find_trashed(
    original: Path, expected_hash: str | None, trashed_at: datetime, *, platform: str = sys.platform
) -> TrashedFile | None:
    """The trash entry holding what was at `original` with these bytes, trashed nearest that time."""
    if platform == "win32":
        raise TrashUnsupported(
            "undo is not supported on Windows yet: restore the files from the Recycle Bin "
            "(select them, then 'Restore the selected items'), then run 'album index'"
        )
    found = _macos_candidates(original) if platform == "darwin" else _xdg_candidates(original)
    matches = [c for c in found if expected_hash is None or _hash_of(c.location) == expected_hash]
    if not matches:
        return None
    return min(matches, key=lambda c: abs((c.deleted_at or trashed_at) - trashed_at))


def _hash_of(path: Path) -> str | None:
    try:
        return content_hash(path.read_bytes())
    except OSError:
        return None


# --- freedesktop (Linux, BSD) -----------------------------------------------------------------


def xdg_trash_dirs(original: Path) -> list[tuple[Path, Path]]:
    """(trash directory, the top directory its relative Path= entries start from), in search order.

    $XDG_DATA_HOME is read now, not at import, so a changed environment (tests) is honoured.
    """
    data_home = Path(os.environ.get("XDG_DATA_HOME") or "~/.local/share").expanduser()
    dirs = [(data_home / "Trash", data_home)]
    top = _mount_point(original)
    uid = os.getuid()
    for trash in (top / ".Trash" / str(uid), top / f".Trash-{uid}"):
        dirs.append((trash, top))
    return dirs


def _mount_point(path: Path) -> Path:
    path = Path(os.path.realpath(path.parent if not path.exists() else path))
    while not path.exists():
        path = path.parent
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


def _xdg_candidates(original: Path) -> Iterator[TrashedFile]:
    wanted = {os.path.abspath(original), os.path.realpath(original)}
    for trash, top in xdg_trash_dirs(original):
        info_dir = trash / "info"
        if not info_dir.is_dir():
            continue
        for info in info_dir.glob("*.trashinfo"):
            recorded, deleted_at = _read_trashinfo(info)
            if recorded is None:
                continue
            path = recorded if os.path.isabs(recorded) else os.path.join(top, recorded)
            if os.path.normpath(path) not in wanted:
                continue
            location = trash / "files" / info.name[: -len(".trashinfo")]
            if location.is_file():
                yield TrashedFile(location, info, deleted_at)


def _read_trashinfo(info: Path) -> tuple[str | None, datetime | None]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(info.read_text(encoding="utf-8", errors="replace"))
        section = parser["Trash Info"]
        recorded = unquote(section["Path"])
    except (OSError, configparser.Error, KeyError):
        return None, None
    try:
        deleted_at = datetime.fromisoformat(section.get("DeletionDate", "")).astimezone()
    except ValueError:
        deleted_at = None
    return recorded, deleted_at


# --- macOS ------------------------------------------------------------------------------------


def _macos_candidates(original: Path) -> Iterator[TrashedFile]:
    trashes = [Path.home() / ".Trash"]
    parts = Path(os.path.realpath(original.parent)).parts
    if len(parts) > 2 and parts[1] == "Volumes":
        trashes.append(Path(*parts[:3]) / ".Trashes" / str(os.getuid()))
    stem, suffix = original.stem, original.suffix
    for trash in trashes:
        try:
            entries = list(trash.iterdir())
        except OSError:  # no access to ~/.Trash without Full Disk Access, or no such folder
            continue
        for entry in entries:
            if entry.name == original.name or (entry.name.startswith(stem + " ") and entry.suffix == suffix):
                if entry.is_file():
                    yield TrashedFile(entry, None, datetime.fromtimestamp(entry.stat().st_ctime).astimezone())
