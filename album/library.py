"""`Library`: the composition root of the headless core, and the API the CLI and GUI call.

It owns the database, the model (loaded lazily), the vector index (opened and synced lazily)
and the thumbnail cache, and hands them to the services through their constructors.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Iterable

import filelock

from album.config import default_library_dir
from album.errors import LibraryError
from album.index import IndexHealth, VectorIndex, open_synced_index
from album.media.thumbnails import ThumbnailCache
from album.models import DEFAULT_MODEL_ID, EmbeddingModel, load_model
from album.progress import CancelToken, Progress, ProgressCallback
from album.scan.changes import plan_changes
from album.scan.walker import walk_photos
from album.services.indexing import IndexingPipeline, IndexSummary, PipelineSettings
from album.services.reading import PhotoReader
from album.store import Database, EmbeddingRepository, FolderRepository, PhotoRepository
from album.store.photos import Folder

log = logging.getLogger(__name__)

DATABASE_FILE = "library.db"
THUMBNAIL_SIZE = 320


class Library:
    def __init__(
        self,
        path: Path,
        *,
        model: EmbeddingModel | None = None,
        device: str | None = None,
        pipeline: PipelineSettings = PipelineSettings(),
    ):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.database = Database(self.path / DATABASE_FILE)
        self.folders = FolderRepository(self.database)
        self.photos = PhotoRepository(self.database)
        self.embeddings = EmbeddingRepository(self.database)
        self.thumbnails = ThumbnailCache(self.path / "thumbnails")
        self.pipeline_settings = pipeline
        self._device = device
        self._model = model
        self._index: VectorIndex | None = None
        self.index_health: IndexHealth | None = None
        self._closed = False
        self._index_lock = filelock.FileLock(str(self.path / "indexing.lock"))
        if model is not None:
            self._set_setting("model_id", model.model_id)

    @classmethod
    def open(cls, path: str | Path | None = None, **kwargs) -> "Library":
        """Open the library at `path` (default: ALBUM_HOME or the user data dir), creating it."""
        return cls(Path(path).expanduser() if path else default_library_dir(), **kwargs)

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._index is not None:
            self._index.save()
        self.database.close()

    # --- settings, model, index ----------------------------------------------------------------

    def _setting(self, key: str) -> str | None:
        rows = self.database.query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def _set_setting(self, key: str, value: str) -> None:
        with self.database.write() as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))

    @property
    def model_id(self) -> str:
        return self._setting("model_id") or DEFAULT_MODEL_ID

    @property
    def model(self) -> EmbeddingModel:
        if self._model is None:
            self._model = load_model(self.model_id, self._device)
        return self._model

    def vector_index(self) -> VectorIndex:
        """The current model's HNSW index, loaded and brought in step with the database."""
        if self._index is None:
            self._index, self.index_health = open_synced_index(
                self.path / "index", self.model_id, self.model.dim, self.embeddings
            )
        return self._index

    # --- folders ------------------------------------------------------------------------------

    def add_folder(self, path: str | Path) -> Folder:
        folder = Path(path).expanduser().resolve()
        if not folder.is_dir():
            raise LibraryError(f"not a folder: {folder}")
        library = self.path.resolve()
        if folder == library or library in folder.parents:
            raise LibraryError(f"{folder} is inside the library's own folder {library}")
        return self.folders.add(folder)

    def remove_folder(self, path: str | Path) -> int:
        """Forget a folder's photos (files on disk are untouched); returns how many were removed."""
        folder = self.folders.find(Path(path).expanduser().resolve())
        if folder is None:
            raise LibraryError(f"not a library folder: {path}")
        removed = self.folders.remove(folder)
        self.vector_index().remove(removed)
        return len(removed)

    def list_folders(self) -> list[Folder]:
        return self.folders.list()

    # --- indexing -----------------------------------------------------------------------------

    def index(
        self,
        paths: Iterable[str | Path] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        defer_younger_than: float | None = None,
    ) -> IndexSummary:
        """Bring the library up to date with the disk: all folders, or only `paths` inside them.

        New and changed photos are read and embedded, moved ones keep their vectors, deleted
        ones leave the library and search. Files that cannot be read are recorded with a reason
        and the run goes on. Cancelling keeps everything finished so far.

        `defer_younger_than` (seconds) leaves files modified that recently alone, since they may
        still be being copied; they are listed in `summary.deferred` for the caller to retry.
        """
        started = time.monotonic()
        try:
            self._index_lock.acquire(timeout=0)
        except filelock.Timeout:
            raise LibraryError(
                f"another album process is indexing {self.path}; wait for it or stop it"
            ) from None
        try:
            summary = IndexSummary()
            scopes = self._scopes(paths)
            if progress:
                progress(Progress("scanning", 0, 0))
            found, known = [], {}
            for scope, folder in scopes:
                found.extend((f, folder.id) for f in walk_photos(scope, exclude=(self.path,)))
                known.update(self.photos.known_files(scope, self.model_id))
            if defer_younger_than:
                cutoff = time.time_ns() - int(defer_younger_than * 1e9)
                summary.deferred = [str(f.path) for f, _ in found if f.mtime_ns > cutoff]
                for path in summary.deferred:
                    known.pop(path, None)  # neither read now nor mistaken for a deleted photo
                found = [(f, folder_id) for f, folder_id in found if f.mtime_ns <= cutoff]
            plan = plan_changes(found, known)
            pipeline = self._pipeline()
            pipeline.apply_moves_and_removals(plan)
            summary.moved, summary.removed, summary.unchanged = len(plan.moved), len(plan.removed), plan.unchanged
            pipeline.run(plan.to_read, summary, progress, cancel)
            self.vector_index().save()
            summary.seconds = round(time.monotonic() - started, 3)
            if progress:
                progress(Progress("done", len(plan.to_read), len(plan.to_read), len(summary.failed)))
            return summary
        finally:
            self._index_lock.release()

    def _scopes(self, paths: Iterable[str | Path] | None) -> list[tuple[Path, Folder]]:
        folders = self.folders.list()
        if paths is None:
            return [(f.path, f) for f in folders]
        scopes = []
        for path in paths:
            path = Path(path).expanduser().absolute()
            folder = self.folders.covering(path)
            if folder is None:
                log.warning("%s is not inside a library folder; add its folder first", path)
                continue
            scopes.append((path, folder))
        return scopes

    def _pipeline(self) -> IndexingPipeline:
        model = self.model
        reader = PhotoReader(self.thumbnails, model.preprocess, min_side=THUMBNAIL_SIZE)
        return IndexingPipeline(self.database, model, self.vector_index(), reader, self.pipeline_settings)

    # --- reporting ----------------------------------------------------------------------------

    def status(self) -> dict:
        counts = self.photos.counts()
        index = self.vector_index()
        health = self.index_health
        return {
            "library": str(self.path),
            "folders": [str(f.path) for f in self.folders.list()],
            "photos": counts.get("ok", 0),
            "failed": counts.get("error", 0),
            "model": self.model_id,
            "vectors": self.embeddings.count(self.model_id),
            "index": {
                "count": len(index),
                "state": health.state if health else "ok",
                "detail": health.reason if health else "",
                "in_sync": len(index) == self.embeddings.count(self.model_id),
            },
            "vectors_by_model": self.embeddings.models(),
        }

    def errors(self) -> list[dict]:
        return [{"path": r.path, "error": r.error} for r in self.photos.errors()]
