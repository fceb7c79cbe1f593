"""Walking library folders for photo files, skipping hidden and system folders.

One physical file is one photo. A symbolic link (to a file, or a folder on the way to it) whose
target lies inside a library folder is an *alias*: the target is indexed where it really is,
and the link is skipped, so a photo never becomes its own duplicate and no "keep one, trash the
rest" can send the only real file to the trash. A link to something outside every library
folder is the only way in to that photo, so it is followed. Hard links (one file, two names)
are told apart by device and inode: `FoundFile.identity`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from album.media.formats import is_supported

log = logging.getLogger(__name__)

# Folders that hold no user photos: NAS thumbnail stores (Synology @eaDir, QNAP .@__thumb),
# recycle bins, OS metadata. Hidden folders (leading dot) are skipped too.
SYSTEM_FOLDERS = frozenset(
    {
        "@eadir", "#recycle", "#snapshot", "$recycle.bin", "system volume information",
        "lost+found", "__macosx", "node_modules", ".thumbnails",
    }
)


@dataclass(frozen=True)
class FoundFile:
    path: Path
    size: int
    mtime_ns: int
    # (device, inode) when the file has more than one name (hard links), else None: only then
    # can two paths be one file without a symlink being involved.
    identity: tuple[int, int] | None = None


def is_skipped_folder(name: str) -> bool:
    return name.startswith(".") or name.lower() in SYSTEM_FOLDERS


class LibraryCoverage:
    """Which real paths the library walks: inside a library folder, not excluded, not hidden."""

    def __init__(self, roots: Iterable[Path], excluded: Iterable[Path] = ()):
        self._roots = [os.path.realpath(r) for r in roots]
        self._excluded = [os.path.realpath(p) for p in excluded]

    def covers(self, real_path: str, *, folder: bool = False) -> bool:
        """Whether a scan of the library reaches this real file (or, with `folder`, folder)."""
        if any(_inside(real_path, ex) for ex in self._excluded):
            return False
        for root in self._roots:
            if _inside(real_path, root):
                parts = Path(os.path.relpath(real_path, root)).parts
                folders, name = (parts, "") if folder else (parts[:-1], parts[-1] if parts else "")
                return not any(is_skipped_folder(p) for p in folders) and not name.startswith(".")
        return False


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def is_alias(path: Path, coverage: LibraryCoverage | None) -> bool:
    """A link (or a path through a linked folder) to a file the library indexes under its real path."""
    if coverage is None:
        return False
    real = os.path.realpath(path)
    return real != os.path.abspath(path) and coverage.covers(real)


def walk_photos(root: Path, *, exclude: tuple[Path, ...] = (), coverage: LibraryCoverage | None = None) -> Iterator[FoundFile]:
    """Every supported photo under `root` (or `root` itself if it is a file), with size and mtime.

    Symlinked folders are followed once (their real path is remembered, so a link loop ends),
    except those that lead into `coverage` (the library's folders): their photos are walked
    where they really are. Links to files inside `coverage` are skipped the same way.
    Unreadable folders are logged and skipped: one locked folder must not stop a scan.
    """
    root = Path(root)
    if not root.exists():
        return
    if root.is_file():
        found = _found(root)
        if found and is_supported(root) and not is_alias(root, coverage):
            yield found
        return
    excluded = {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    # (folder, reached through a link): only then can a plain file in it be an alias.
    stack = [(root, os.path.realpath(root) != os.path.abspath(root))]
    while stack:
        folder, via_link = stack.pop()
        real = os.path.realpath(folder)
        if real in seen or real in excluded:
            continue
        if via_link and coverage is not None and coverage.covers(real, folder=True):
            continue  # a link into a library folder: those photos are walked under their real paths
        seen.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            log.warning("cannot read folder %s: %s", folder, exc)
            continue
        subfolders = []
        for entry in entries:
            try:
                if entry.is_dir():
                    if not is_skipped_folder(entry.name):
                        subfolders.append((Path(entry.path), via_link or entry.is_symlink()))
                elif entry.is_file() and not entry.name.startswith(".") and is_supported(entry.name):
                    if (via_link or entry.is_symlink()) and is_alias(Path(entry.path), coverage):
                        continue
                    st = entry.stat() if os.name != "nt" else os.stat(entry.path)  # Windows' DirEntry has no inode
                    identity = (st.st_dev, st.st_ino) if st.st_nlink > 1 and st.st_ino else None
                    yield FoundFile(Path(entry.path), st.st_size, st.st_mtime_ns, identity)
            except OSError as exc:
                log.warning("cannot read %s: %s", entry.path, exc)
        stack.extend(reversed(subfolders))


def file_identity(path: str | Path) -> tuple[int, int] | None:
    """(device, inode) of the file a path leads to (links followed); None if it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if st.st_ino else None


def _found(path: Path) -> FoundFile | None:
    try:
        st = path.stat()
    except OSError:
        return None
    identity = (st.st_dev, st.st_ino) if st.st_nlink > 1 and st.st_ino else None
    return FoundFile(path, st.st_size, st.st_mtime_ns, identity)
