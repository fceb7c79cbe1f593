"""An hnswlib index of L2-normalised vectors (inner product), saved atomically beside a label list."""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
import uuid
from pathlib import Path
from typing import Callable

import filelock
import hnswlib
import numpy as np

from album.disk_space import is_disk_full
from album.errors import LibraryError

log = logging.getLogger(__name__)

_CANNOT_WRITE = {errno.EROFS, errno.EACCES, errno.EPERM}

# Build parameters: M=16 / ef_construction=200 is hnswlib's recommended recall/size balance for
# CLIP-sized vectors; ef (search breadth) is raised at query time when k is large.
M = 16
EF_CONSTRUCTION = 200
DEFAULT_EF = 64
_INITIAL_CAPACITY = 1024


class IndexFileError(LibraryError):
    """The saved index is missing, unreadable, or does not match its label list."""


class VectorIndex:
    """Vectors keyed by photo id. Thread-safe: a lock serialises hnswlib calls.

    hnswlib keeps deleted points (it only marks them), so the live labels are tracked here and
    saved next to the index; they are what the database is compared with.
    """

    def __init__(self, dim: int, *, capacity: int = _INITIAL_CAPACITY):
        self.dim = dim
        self._index = hnswlib.Index(space="ip", dim=dim)
        self._index.init_index(max_elements=max(capacity, 16), M=M, ef_construction=EF_CONSTRUCTION, allow_replace_deleted=False)
        self._index.set_ef(DEFAULT_EF)
        self._live: set[int] = set()
        self._deleted: set[int] = set()  # marked deleted inside hnswlib, may come back
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()
        self.base: Path | None = None  # where save() writes when no path is given

    # --- persistence ---------------------------------------------------------------------------

    @staticmethod
    def files(base: Path) -> tuple[Path, Path, Path]:
        return base.with_suffix(".hnsw"), base.with_suffix(".labels.npy"), base.with_suffix(".json")

    def save(self, base: Path | None = None) -> None:
        """Write index, labels, then a manifest naming both sizes; each by temp file + rename.

        The manifest goes last, so a crash between the renames leaves a manifest that does not
        match, and `load` rejects the pair instead of trusting a torn save. Saves are
        serialised, within the process by a lock and between processes (the watcher and a CLI
        command on one library) by a lock file, and each writes temp files of its own: two
        saves can never interleave their files.
        """
        base = base or self.base
        if base is None:
            raise IndexFileError("this index has no file to save to")
        index_path, labels_path, manifest_path = self.files(base)
        base.parent.mkdir(parents=True, exist_ok=True)
        with self._save_lock, filelock.FileLock(str(base.with_suffix(".lock"))):
            tmp_index, tmp_labels = (_temp_name(p) for p in (index_path, labels_path))
            try:
                with self._lock:  # one consistent snapshot of the points and their labels
                    self._index.save_index(str(tmp_index))
                    live = np.array(sorted(self._live), dtype=np.int64)
                    deleted = np.array(sorted(self._deleted), dtype=np.int64)
                with open(tmp_labels, "wb") as f:
                    np.save(f, live)
                    np.save(f, deleted)
                manifest = {
                    "dim": self.dim,
                    "count": int(live.size),
                    "index_bytes": tmp_index.stat().st_size,
                    "labels_bytes": tmp_labels.stat().st_size,
                }
                for tmp in (tmp_index, tmp_labels):
                    _fsync(tmp)
                os.replace(tmp_index, index_path)
                os.replace(tmp_labels, labels_path)
                _atomic_write_text(manifest_path, json.dumps(manifest))
            finally:
                for tmp in (tmp_index, tmp_labels):
                    tmp.unlink(missing_ok=True)

    def save_if_possible(self, base: Path | None = None) -> bool:
        """`save`, unless the disk is full or read-only: the file is a cache of the database, and
        the next open rebuilds or repairs it, so such a disk must not fail the command that saves."""
        try:
            self.save(base)
        except OSError as exc:
            if not (is_disk_full(exc) or exc.errno in _CANNOT_WRITE):
                raise
            log.info("the vector index was not saved (%s): it is rebuilt at the next start", exc.strerror)
            return False
        return True

    @classmethod
    def load(cls, base: Path, dim: int) -> "VectorIndex":
        index_path, labels_path, manifest_path = cls.files(base)
        try:
            manifest = json.loads(manifest_path.read_text())
            if manifest["dim"] != dim:
                raise IndexFileError(f"index has dim {manifest['dim']}, expected {dim}")
            if (
                index_path.stat().st_size != manifest["index_bytes"]
                or labels_path.stat().st_size != manifest["labels_bytes"]
            ):
                raise IndexFileError("index files do not match their manifest (torn save)")
            with open(labels_path, "rb") as f:
                live, deleted = np.load(f), np.load(f)
            self = cls.__new__(cls)
            self.dim = dim
            self._index = hnswlib.Index(space="ip", dim=dim)
            self._index.load_index(str(index_path), allow_replace_deleted=False)
            self._index.set_ef(DEFAULT_EF)
            self._live = set(live.tolist())
            self._deleted = set(deleted.tolist())
            self._lock = threading.Lock()
            self._save_lock = threading.Lock()
            self.base = base
        except IndexFileError:
            raise
        except (OSError, ValueError, KeyError, RuntimeError, EOFError) as exc:
            raise IndexFileError(f"cannot read the index at {index_path}: {exc}") from exc
        if len(self._live) + len(self._deleted) != self._index.element_count:
            raise IndexFileError("index labels do not match the index contents")
        return self

    # --- contents --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, photo_id: int) -> bool:
        return photo_id in self._live

    def ids(self) -> np.ndarray:
        with self._lock:
            return np.fromiter(self._live, dtype=np.int64, count=len(self._live))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add or replace vectors for these photo ids."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        with self._lock:
            for photo_id in ids.tolist():
                if photo_id in self._deleted:
                    # Replacing a point hnswlib holds as deleted: unmark first, then overwrite.
                    self._index.unmark_deleted(photo_id)
                    self._deleted.discard(photo_id)
            needed = self._index.element_count + len(ids)
            if needed > self._index.get_max_elements():
                self._index.resize_index(max(needed, 2 * self._index.get_max_elements()))
            self._index.add_items(vectors, ids)
            self._live.update(ids.tolist())

    def remove(self, ids) -> None:
        """Take photos out of search at once (hnswlib marks them deleted)."""
        with self._lock:
            for photo_id in map(int, ids):
                if photo_id in self._live:
                    self._index.mark_deleted(photo_id)
                    self._live.discard(photo_id)
                    self._deleted.add(photo_id)

    def search(
        self,
        vector: np.ndarray,
        k: int,
        *,
        ef: int | None = None,
        allowed: Callable[[int], bool] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, inner-product scores), best first. `allowed` filters ids inside the search."""
        ids, scores = self.search_batch(np.asarray(vector).reshape(1, self.dim), k, ef=ef, allowed=allowed)
        return ids[0], scores[0]

    def search_batch(
        self,
        vectors: np.ndarray,
        k: int,
        *,
        ef: int | None = None,
        allowed: Callable[[int], bool] | None = None,
        threads: int = -1,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k for each row of `vectors`: (ids [n, k], scores [n, k]), best first.

        One hnswlib call answers all rows on all cores (~10x a Python loop of `search`). k
        shrinks to the number of live photos when the index holds fewer.
        """
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        with self._lock:
            k = min(k, len(self._live))
            if k <= 0 or len(vectors) == 0:
                return np.empty((len(vectors), 0), np.int64), np.empty((len(vectors), 0), np.float32)
            ef = max(ef or DEFAULT_EF, k)
            try:
                labels, distances = self._knn(vectors, k, ef, allowed, threads)
            except RuntimeError:
                # hnswlib gives up ("contiguous 2D array") when a narrow search meets many
                # deleted or filtered-out points before finding k; a much wider one finds them.
                labels, distances = self._knn(vectors, k, max(4 * ef, 256), allowed, threads)
        # hnswlib's "ip" distance is 1 - dot product.
        return labels.astype(np.int64), (1.0 - distances).astype(np.float32)

    def _knn(self, vectors, k, ef, allowed, threads):
        self._index.set_ef(ef)
        return self._index.knn_query(vectors, k=k, num_threads=threads, filter=allowed)


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _temp_name(path: Path) -> Path:
    """A temp file beside `path` that no other save (thread or process) writes to."""
    return path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = _temp_name(path)
    try:
        with open(tmp, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
