"""`LibraryIndexer`: one index run from start to end. Which files (the folders or the paths asked
for, less the excluded folders), what changed against the database, the pipeline over the photos
to read, then the follow-ups each capability registered (follow_ups.py).

`Library.index` checks that the library may be written and that no other process is indexing,
then hands over to `index` here.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Iterable, Mapping

from album.media.thumbnails import ThumbnailCache
from album.progress import CancelToken, Progress, ProgressCallback
from album.scan.changes import one_path_per_file, plan_changes
from album.scan.walker import LibraryCoverage, walk_photos
from album.services.indexing.follow_ups import IndexFollowUps, IndexRun
from album.services.indexing.models import LibraryModels
from album.services.indexing.pipeline import EmbeddingTarget, IndexingPipeline, IndexSummary, PipelineSettings
from album.services.indexing.reading import PhotoReader
from album.store.database import Database
from album.store.photos import Folder, FolderRepository, PhotoRepository
from album.store.settings import SettingsRepository

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = 320


class LibraryIndexer:
    def __init__(
        self,
        library_dir: Path,
        database: Database,
        folders: FolderRepository,
        photos: PhotoRepository,
        settings: SettingsRepository,
        models: LibraryModels,
        thumbnails: ThumbnailCache,
        pipeline_settings: PipelineSettings = PipelineSettings(),
    ):
        self._library_dir = library_dir
        self._db = database
        self._folders = folders
        self._photos = photos
        self._settings = settings
        self._models = models
        self._thumbnails = thumbnails
        self._pipeline_settings = pipeline_settings
        self.follow_ups = IndexFollowUps()

    def excluded_folders(self) -> list[Path]:
        """Folders inside library folders that album leaves alone (e.g. a backups folder)."""
        return [Path(p) for p in json.loads(self._settings.get("excluded_folders") or "[]")]

    def set_excluded_folders(self, paths: Iterable[str | Path]) -> None:
        """Photos already indexed there leave the library at the next index run."""
        folders = sorted({str(Path(p).expanduser().resolve()) for p in paths})
        self._settings.set("excluded_folders", json.dumps(folders))

    def index(
        self,
        paths: Iterable[str | Path] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        defer_younger_than: float | None = None,
        choices: Mapping[str, bool | None] | None = None,
        started: float | None = None,
    ) -> IndexSummary:
        """One run (see `Library.index`); `choices` turns follow-ups on or off by name (IndexRun)."""
        started = time.monotonic() if started is None else started
        summary = IndexSummary()
        scopes = self._scopes(paths)
        if progress:
            progress(Progress("scanning", 0, 0))
        found, known = [], {}
        excluded = (self._library_dir, *self.excluded_folders())
        coverage = LibraryCoverage([f.path for f in self._folders.list()], excluded)
        for scope, folder in scopes:
            found.extend((f, folder.id) for f in walk_photos(scope, exclude=excluded, coverage=coverage))
            known.update(self._photos.known_files(scope))
        found = one_path_per_file(found, known, self._photos.paths_of_size)
        if defer_younger_than:
            cutoff = time.time_ns() - int(defer_younger_than * 1e9)
            summary.deferred = [str(f.path) for f, _ in found if f.mtime_ns > cutoff]
            for path in summary.deferred:
                known.pop(path, None)  # neither read now nor mistaken for a deleted photo
            found = [(f, folder_id) for f, folder_id in found if f.mtime_ns <= cutoff]
        plan = plan_changes(found, known, [s.model_id for s in self._models.sources_to_index()])
        pipeline = self._pipeline()
        pipeline.apply_moves_and_removals(plan)
        summary.moved, summary.removed, summary.unchanged = len(plan.moved), len(plan.removed), plan.unchanged
        pipeline.run(plan.to_read, summary, progress, cancel)
        self.follow_ups.run(IndexRun(summary, plan, progress, cancel, dict(choices or {})), started)
        summary.seconds = round(time.monotonic() - started, 3)
        if progress:
            progress(Progress("done", len(plan.to_read), len(plan.to_read), len(summary.failed)))
        return summary

    def _scopes(self, paths: Iterable[str | Path] | None) -> list[tuple[Path, Folder]]:
        folders = self._folders.list()
        if paths is None:
            return [(f.path, f) for f in folders]
        # A folder and files inside it (a folder copied in, and its files' own events) are one
        # scope: each photo is read, and counted, once.
        wanted = sorted({Path(p).expanduser().absolute() for p in paths}, key=lambda p: len(p.parts))
        scopes: list[tuple[Path, Folder]] = []
        for path in wanted:
            if any(path == scope or scope in path.parents for scope, _ in scopes):
                continue
            folder = self._folders.covering(path)
            if folder is None:
                log.warning("%s is not inside a library folder; add its folder first", path)
                continue
            scopes.append((path, folder))
        return scopes

    def _pipeline(self) -> IndexingPipeline:
        models = list(self._models.models_to_index())
        targets = [EmbeddingTarget(model, self._models.index(model.model_id)) for model in models]
        reader = PhotoReader(self._thumbnails, {m.model_id: m.preprocess for m in models}, min_side=THUMBNAIL_SIZE)
        return IndexingPipeline(self._db, targets, reader, self._pipeline_settings)
