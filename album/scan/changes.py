"""Comparing what is on disk with what the library knows: the work an index run has to do."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from album.media.hashing import content_hash
from album.scan.walker import FoundFile, file_identity
from album.store.photos import KnownFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkItem:
    """A file to read: new, changed, or known but lacking a vector from a model being indexed."""

    path: Path
    size: int
    mtime_ns: int
    folder_id: int
    known: KnownFile | None = None


@dataclass(frozen=True)
class Move:
    known: KnownFile
    found: FoundFile
    folder_id: int


@dataclass
class ScanPlan:
    to_read: list[WorkItem] = field(default_factory=list)
    moved: list[Move] = field(default_factory=list)
    removed: list[KnownFile] = field(default_factory=list)
    unchanged: int = 0


def plan_changes(
    found: Iterable[tuple[FoundFile, int]],
    known: dict[str, KnownFile],
    model_ids: Iterable[str],
    *,
    hash_file: Callable[[Path], str | None] | None = None,
) -> ScanPlan:
    """Classify every found file (with its folder id) against the known ones under the same scope.

    A known photo that is gone from its path while a new file of the same size and content
    hash appeared is a move: it keeps its row, and so its embedding, tags and albums.
    """
    hash_file = hash_file or _hash_file
    model_ids = frozenset(model_ids)
    known = dict(known)
    plan = ScanPlan()
    new: list[WorkItem] = []
    for file, folder_id in found:
        previous = known.pop(str(file.path), None)
        if previous is None:
            new.append(WorkItem(file.path, file.size, file.mtime_ns, folder_id))
        elif previous.size != file.size or previous.mtime_ns != file.mtime_ns:
            plan.to_read.append(WorkItem(file.path, file.size, file.mtime_ns, folder_id, previous))
        elif previous.status == "ok" and not model_ids <= previous.vector_models:
            plan.to_read.append(WorkItem(file.path, file.size, file.mtime_ns, folder_id, previous))
        else:
            plan.unchanged += 1

    missing_by_size: dict[int, list[KnownFile]] = defaultdict(list)
    for gone in known.values():
        if gone.content_hash:
            missing_by_size[gone.size].append(gone)
    # A rename or move keeps the file's time; a copy made meanwhile usually gets a new one. Files
    # with the time of a missing photo are matched first, so a photo renamed next to a copy of
    # itself keeps its row (manual tags, albums) instead of the copy taking it.
    digests: dict[int, str | None] = {}
    matched: dict[int, KnownFile] = {}
    for same_time_only in (True, False):
        for i, item in enumerate(new):
            candidates = missing_by_size.get(item.size)
            if i in matched or not candidates:
                continue
            if same_time_only and not any(c.mtime_ns == item.mtime_ns for c in candidates):
                continue
            if i not in digests:
                digests[i] = hash_file(item.path)
            match = next((c for c in candidates if c.content_hash == digests[i]
                          and (c.mtime_ns == item.mtime_ns or not same_time_only)), None)
            if match is not None:
                candidates.remove(match)
                matched[i] = match
    for i, item in enumerate(new):
        match = matched.get(i)
        if match is None:
            plan.to_read.append(item)
            continue
        del known[match.path]
        plan.moved.append(Move(match, FoundFile(item.path, item.size, item.mtime_ns), item.folder_id))
    plan.removed = list(known.values())
    return plan


def one_path_per_file(
    found: Iterable[tuple[FoundFile, int]],
    known_paths: Iterable[str],
    paths_of_size: Callable[[int], Iterable[str]],
) -> list[tuple[FoundFile, int]]:
    """Found files with each physical file once: repeats (overlapping scopes) and extra hard
    links dropped.

    Of the names of one file (same device and inode), the one the library already knows is
    kept, else the first by path. A new name of a file the library holds under another path
    outside this scan (`paths_of_size(size)`: known paths of that size) is dropped too.
    """
    known_paths = set(known_paths)
    by_path: dict[str, tuple[FoundFile, int]] = {}
    for file, folder_id in found:
        by_path.setdefault(str(file.path), (file, folder_id))
    by_identity: dict[tuple[int, int], list[str]] = defaultdict(list)
    for path, (file, _) in by_path.items():
        if file.identity is not None:
            by_identity[file.identity].append(path)
    for identity, paths in by_identity.items():
        keep = min(paths, key=lambda p: (p not in known_paths, p))
        for path in paths:
            if path != keep:
                del by_path[path]
        if keep not in known_paths:
            size = by_path[keep][0].size
            if any(other not in paths and file_identity(other) == identity for other in paths_of_size(size)):
                del by_path[keep]  # a new name for a photo the library has elsewhere
    return list(by_path.values())


def _hash_file(path: Path) -> str | None:
    try:
        return content_hash(path.read_bytes())
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return None
