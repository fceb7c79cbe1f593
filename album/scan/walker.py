"""Walking library folders for photo files, skipping hidden and system folders."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

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


def is_skipped_folder(name: str) -> bool:
    return name.startswith(".") or name.lower() in SYSTEM_FOLDERS


def walk_photos(root: Path, *, exclude: tuple[Path, ...] = ()) -> Iterator[FoundFile]:
    """Every supported photo under `root` (or `root` itself if it is a file), with size and mtime.

    Symlinked folders are followed once (their real path is remembered, so a link loop ends).
    Unreadable folders are logged and skipped: one locked folder must not stop a scan.
    """
    root = Path(root)
    if not root.exists():
        return
    if root.is_file():
        found = _found(root)
        if found and is_supported(root):
            yield found
        return
    excluded = {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in seen or real in excluded:
            continue
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
                        subfolders.append(Path(entry.path))
                elif entry.is_file() and not entry.name.startswith(".") and is_supported(entry.name):
                    st = entry.stat()
                    yield FoundFile(Path(entry.path), st.st_size, st.st_mtime_ns)
            except OSError as exc:
                log.warning("cannot read %s: %s", entry.path, exc)
        stack.extend(reversed(subfolders))


def _found(path: Path) -> FoundFile | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return FoundFile(path, st.st_size, st.st_mtime_ns)
