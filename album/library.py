"""`Library`: the composition root of the headless core, and the API the CLI and GUI call.

It owns the database, the model (loaded lazily), the vector index (opened and synced lazily)
and the thumbnail cache, and hands them to the services through their constructors. What each
capability does lives in its package under album/services/, and so do the steps that follow an
index run: each package provides its own, and the constructor registers them, in order.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator

import filelock
import send2trash

from album.config import default_library_dir
from album.errors import LibraryBusy, LibraryError, LibraryReadOnly
from album.index import VectorIndex
from album.media.thumbnails import ThumbnailCache
from album.models import EmbeddingModel, ModelSource, load_model, resolve_model
from album.progress import CancelToken, ProgressCallback
from album.resources import resources_dir
from album.services.albums import AlbumService, SmartQuery
from album.services.duplicates import DEFAULT as DEFAULT_DUPLICATE_THRESHOLDS
from album.services.duplicates import DuplicateFinder, DuplicateGroup, DuplicateThresholds
from album.services.events import EventService, OrganiseEvents
from album.services.indexing import (FinishModelSwitch, IndexSummary, LibraryIndexer, LibraryModels, PipelineSettings,
                                     SaveIndexes)
from album.services.people import FaceScanSummary, FindFaces, PeopleService
from album.services.places import Gazetteer, PhotoPlaces, ReverseGeocode
from album.services.search import FillRelevanceBaselines, RelevanceCutoff, SearchResults, SearchService
from album.services.tagging import (Label, LabelRepository, Tag, TaggingService, TagNewPhotos, seed_starter_labels,
                                    starter_labels)
from album.services.trash import RestoreUserState, TrashService
from album.store import Database, EmbeddingRepository, FolderRepository, PhotoRepository
from album.store.photos import Folder
from album.store.settings import SettingsRepository

log = logging.getLogger(__name__)

DATABASE_FILE = "library.db"


class Library:
    def __init__(
        self,
        path: Path,
        *,
        model: EmbeddingModel | None = None,
        device: str | None = None,
        pipeline: PipelineSettings = PipelineSettings(),
        model_loader: Callable[[ModelSource, str | None], EmbeddingModel] = load_model,
        gazetteer: Gazetteer | None = None,
        send_to_trash: Callable[[str], None] = send2trash.send2trash,
        today: Callable[[], date] = date.today,
    ):
        """`gazetteer`: offline place names (default: the shipped ones, loaded on first use; one
        can serve several libraries). `send_to_trash(path)`: how a file goes to the trash (default:
        the operating system's, through send2trash). `today()`: the local date that search's
        relative time words ('yesterday', 'last summer') and 'On this day' are read against."""
        self.path = Path(path)
        self.read_only = _read_only_reason(self.path)
        self.database = Database(self.path / DATABASE_FILE, read_only=self.read_only)
        self.folders = FolderRepository(self.database)
        self.photos = PhotoRepository(self.database)
        self.embeddings = EmbeddingRepository(self.database)
        self.thumbnails = ThumbnailCache(self.path / "thumbnails")
        self.pipeline_settings = pipeline
        self.settings = SettingsRepository(self.database)
        self.models = LibraryModels(
            self.database, self.settings, self.embeddings, self.path / "index", model_loader, device
        )
        self._closed = False
        self._index_lock = filelock.FileLock(str(self.path / "indexing.lock"))
        self.labels = LabelRepository(self.database)
        # One relevance cut for search, smart albums and tagging: they agree on what a photo shows.
        self.relevance = RelevanceCutoff(self.database)
        self.tagging = TaggingService(self.database, self.embeddings, self.labels, lambda: self.model,
                                      relevance=self.relevance)
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer()
        self.places = PhotoPlaces(self.database, self.gazetteer)
        self.people = PeopleService(
            self.database, self.settings, self.path / "faces", on_names_changed=self._sync_person_albums
        )
        self.searching = SearchService(
            self.database, self.photos, self.embeddings, self.places,
            lambda: self.model, self.vector_index, lambda: self.model_id, people=self.people.names,
            person_label=self.people.label,
            relevance=self.relevance, today=today,
        )
        self.events = EventService(
            self.database, self.places, self.gazetteer, self.settings, self.thumbnails.path_for,
            lambda: self.model_id, today=today,
        )
        self.albums = AlbumService(self.database, self._run_smart_query, self.events)
        self.trash = TrashService(self.database, send_to_trash, forget_photos=self.models.forget_photos)
        self.indexer = LibraryIndexer(self.path, self.database, self.folders, self.photos, self.settings, self.models,
                                      self.thumbnails, pipeline)
        self._model_switch = FinishModelSwitch(self.models, on_switched=self.tagging.retag)  # new model: new scores
        self._organise_events = OrganiseEvents(self.events)
        # What follows every index run, in this order: each capability's own step.
        self.indexer.follow_ups.register(
            SaveIndexes(self.models),
            FillRelevanceBaselines(self.relevance, self.models.models_to_index),
            TagNewPhotos(self.tagging, self.labels),
            RestoreUserState(self.trash),  # after tagging, so a tag the user had hidden is hidden again
            ReverseGeocode(self.places),
            self._model_switch,
            self._organise_events,
            FindFaces(self.people),  # once the run's photos are searchable
        )
        seed_starter_labels(self.labels, self.settings, resources_dir())
        if model is not None:
            self.models.adopt(model)

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
        self.models.save_indexes()
        self.database.close()

    # --- models -------------------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        """The model whose vectors search uses."""
        return self.models.source().model_id

    @property
    def pending_model_id(self) -> str | None:
        """A model being switched to: its vectors are filled in by index runs until complete."""
        pending = self.models.pending_source()
        return pending.model_id if pending else None

    @property
    def model(self) -> EmbeddingModel:
        return self.models.load(self.models.source())

    @property
    def index_health(self):
        return self.models.index_health

    def vector_index(self, model_id: str | None = None) -> VectorIndex:
        """A model's HNSW index (default: the search model's), loaded and synced with the database."""
        return self.models.index(model_id or self.model_id)

    def set_model(
        self,
        name: str | ModelSource,
        *,
        model_file: str | Path | None = None,
        arch: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        download_progress: Callable[[str, int, int | None], None] | None = None,
    ) -> IndexSummary:
        """Switch to another model: every photo is embedded with it while the current model keeps
        serving search; the switch completes when the last photo has its new vector.

        `download_progress(file, bytes_done, bytes_total)` reports a hub model's first download.
        Cancelled or interrupted, the switch stays pending and later index runs finish it.
        """
        source = name if isinstance(name, ModelSource) else resolve_model(name, model_file=model_file, arch=arch)
        self.models.begin_switch(source, download_progress)
        if self._model_switch.finish_if_complete() or self.pending_model_id is None:
            return IndexSummary()  # nothing to re-embed (e.g. an empty library)
        return self.index(progress=progress, cancel=cancel)

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
        self.models.forget_photos(removed)
        self._organise_events.organise([])
        return len(removed)

    def list_folders(self) -> list[Folder]:
        return self.folders.list()

    def excluded_folders(self) -> list[Path]:
        """Folders inside library folders that album leaves alone (e.g. a backups folder)."""
        return self.indexer.excluded_folders()

    def set_excluded_folders(self, paths: Iterable[str | Path]) -> None:
        """Photos already indexed there leave the library at the next index run."""
        self.indexer.set_excluded_folders(paths)

    # --- indexing -----------------------------------------------------------------------------

    def index(
        self,
        paths: Iterable[str | Path] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        defer_younger_than: float | None = None,
        faces: bool | None = None,
    ) -> IndexSummary:
        """Bring the library up to date with the disk: all folders, or only `paths` inside them.

        New and changed photos are read and embedded, moved ones keep their vectors, deleted
        ones leave the library and search. Files that cannot be read are recorded with a reason
        and the run goes on. Cancelling keeps everything finished so far.

        `defer_younger_than` (seconds) leaves files modified that recently alone, since they may
        still be being copied; they are listed in `summary.deferred` for the caller to retry.

        Once the photos are searchable, the face pass finds faces in photos not scanned yet
        (progress phase 'faces'), unless `faces` is False or the library's faces setting is off.
        """
        started = time.monotonic()
        if self.read_only is not None:
            raise self.read_only
        with self._indexing():
            return self.indexer.index(paths, progress, cancel, defer_younger_than=defer_younger_than,
                                      choices={FindFaces.name: faces}, started=started)

    def find_faces(self, progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> FaceScanSummary:
        """Run the face pass alone (photos already indexed get faces without being re-embedded)."""
        with self._indexing():
            return self.people.scan(progress, cancel)

    @contextmanager
    def _indexing(self) -> Iterator[None]:
        """One album process indexes a library at a time."""
        try:
            self._index_lock.acquire(timeout=0)
        except filelock.Timeout:
            raise LibraryBusy(f"another album process is indexing {self.path}; wait for it or stop it") from None
        try:
            yield
        finally:
            self._index_lock.release()

    def _sync_person_albums(self) -> None:
        self.albums.sync_person_albums(self.people.named())

    # --- labels and tags ----------------------------------------------------------------------

    def set_labels(self, labels: Iterable[str | Label]) -> None:
        """Replace all labels (names, or Labels with prompts/threshold) and re-tag the library."""
        self.labels.replace_all([label if isinstance(label, Label) else Label(label) for label in labels])
        self.tagging.retag()

    def add_label(self, name: str, prompts: Iterable[str] = (), threshold: float | None = None) -> None:
        self.labels.add(Label(name, tuple(prompts), threshold))
        self.tagging.retag()

    def remove_label(self, name: str) -> None:
        self.labels.remove(name)

    def reset_labels(self) -> None:
        """Back to the starter labels shipped with album."""
        self.set_labels(starter_labels(resources_dir()))

    def tags(self, paths: Iterable[str | Path] | None = None) -> dict[str, list[Tag]]:
        """Visible tags by photo path (manual first, then by score)."""
        ids = None if paths is None else [self._photo_id(p) for p in paths]
        by_id = self.tagging.tags(ids)
        names = self.photos.paths(by_id)
        return {names[photo_id]: tags for photo_id, tags in by_id.items()}

    def tag(self, path: str | Path, tag: str) -> None:
        self.tagging.add_tag(self._photo_id(path), tag)

    def untag(self, path: str | Path, tag: str) -> None:
        self.tagging.remove_tag(self._photo_id(path), tag)

    def photo_ids(self, paths: Iterable[str | Path]) -> list[int]:
        return [self._photo_id(path) for path in paths]

    def _photo_id(self, path: str | Path) -> int:
        photo = self.photos.by_path(Path(path).expanduser().absolute())
        if photo is None:
            raise LibraryError(f"not a photo in this library: {path}")
        return photo.id

    # --- duplicates and the trash ----------------------------------------------------------------

    def duplicate_finder(self) -> DuplicateFinder:
        return DuplicateFinder(self.database, self.embeddings, self.vector_index(), self.model_id, self.thumbnails.path_for)

    def duplicates(
        self,
        tier: str | None = None,
        thresholds: DuplicateThresholds = DEFAULT_DUPLICATE_THRESHOLDS,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> list[DuplicateGroup]:
        """Groups of exact copies, the same photo edited, and similar shots, each with a keeper."""
        return self.duplicate_finder().find(tier, thresholds, progress=progress, cancel=cancel)

    def mark_not_duplicates(self, paths: Iterable[str | Path]) -> int:
        """Remember that these photos are not duplicates of each other (survives rescans, renames)."""
        return self.duplicate_finder().mark_not_duplicates(self.photo_ids(paths))

    def resolve_duplicates(self, group: DuplicateGroup, keep_id: int | None = None) -> str:
        """Move all but the keeper to the system trash; returns the action id for `undo_trash`."""
        return self.trash.resolve(group, keep_id)

    def undo_trash(self, action_id: str | None = None) -> list[Path]:
        """Put back the files of a trash action (default: the last) and index them again."""
        restored = self.trash.undo(action_id)
        if restored:
            try:
                self.index(restored)
            except LibraryBusy:
                # The files are back; the process indexing now (a watcher) picks them up, and
                # gives them back their tags and albums from the journal.
                log.info("undo: %d files restored; another album process indexes them", len(restored))
        return restored

    # --- albums -------------------------------------------------------------------------------

    def _run_smart_query(self, query: SmartQuery) -> list[int]:
        """A smart album's photos now."""
        return self.searching.matching_ids(
            query.text, tags=query.tags, place=query.place, date_from=query.date_from, date_to=query.date_to,
            person_ids=query.people,
        )

    # --- search ---------------------------------------------------------------------------------

    def search(self, text: str, *, limit: int | None = 50, show_all: bool = False, **filters) -> SearchResults:
        """Photos for a query such as "sunset in Paris" or "beach 2019", best first, each with a why.

        Filters: folder, date_from, date_to, tag, album, camera, place, person (a name or names),
        person_id (an id or ids).
        """
        return self.searching.search(text, limit=limit, show_all=show_all, **filters)

    def similar(self, photo: int | str | Path, *, limit: int | None = 50) -> SearchResults:
        """Photos that look like a library photo (id or path) or like any image file."""
        return self.searching.similar(photo, limit=limit)

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
            "pending_model": self.pending_model_id,
            "vectors": self.embeddings.count(self.model_id),
            "index": {
                "count": len(index),
                "state": health.state if health else "ok",
                "detail": health.reason if health else "",
                "in_sync": len(index) == self.embeddings.count(self.model_id),
            },
            "vectors_by_model": self.embeddings.models(),
        }

    # --- people ---------------------------------------------------------------------------------

    def remove_face(self, path: str | Path, person_id: int | None = None) -> None:
        """'Not this person' for the face of `person_id` (or the one named face) in a photo."""
        self.people.remove_face(self._photo_id(path), person_id)

    def errors(self) -> list[dict]:
        return [{"path": r.path, "error": r.error} for r in self.photos.errors()]


def _read_only_reason(path: Path) -> LibraryReadOnly | None:
    """None when album may write the library at `path` (created here if missing), else the error
    that says why it cannot: the library is then opened for reading only (show and search)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"cannot create the library folder {path}: {exc.strerror or exc}") from exc
    database = path / DATABASE_FILE
    if os.access(path, os.W_OK) and (not database.exists() or os.access(database, os.W_OK)):
        return None
    if not database.exists():
        raise LibraryError(f"cannot create a library in {path}: the folder is {_why_not_writable(path)}")
    return LibraryReadOnly(
        f"the library {path} is {_why_not_writable(path)}: album can show and search it but not change it."
    )


def _why_not_writable(path: Path) -> str:
    try:
        on_read_only_disk = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on Windows
        on_read_only_disk = False
    return "on a read-only disk" if on_read_only_disk else "read-only (not writable by this user)"
