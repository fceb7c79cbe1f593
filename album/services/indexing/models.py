"""A library's models: the one search uses, the one being switched to, and their HNSW indexes.

Switching models is a two-step affair so search never breaks: the new model is recorded as
pending, index runs fill in its vectors beside the current ones, and only when every photo has
one does it become the search model.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, Iterator

from album.index import IndexHealth, VectorIndex, open_synced_index
from album.index.sync import index_base
from album.models import DEFAULT_MODEL_ID, EmbeddingModel, ModelSource
from album.models.registry import builtin_version
from album.store.database import Database
from album.store.embeddings import EmbeddingRepository
from album.store.settings import SettingsRepository

log = logging.getLogger(__name__)

ModelLoader = Callable[[ModelSource, "str | None"], EmbeddingModel]


class LibraryModels:
    def __init__(
        self,
        database: Database,
        settings: SettingsRepository,
        embeddings: EmbeddingRepository,
        index_dir: Path,
        loader: ModelLoader,
        device: str | None = None,
    ):
        self._db = database
        self._settings = settings
        self._embeddings = embeddings
        self._index_dir = index_dir
        self._loader = loader
        self._device = device
        self._loaded: dict[str, EmbeddingModel] = {}
        self._indexes: dict[str, VectorIndex] = {}
        # The GUI loads models and indexes from several worker threads: load each only once.
        self._lock = threading.RLock()
        self.index_health: IndexHealth | None = None  # how the search index was found at open
        self.retired: list[str] = []  # built-in models whose outdated vectors were dropped at open
        self._retire_outdated_builtin_vectors()

    # --- which models ---------------------------------------------------------------------------

    def source(self) -> ModelSource:
        text = self._settings.get("model")
        return ModelSource.from_json(text) if text else ModelSource(DEFAULT_MODEL_ID, "builtin")

    def pending_source(self) -> ModelSource | None:
        text = self._settings.get("pending_model")
        return ModelSource.from_json(text) if text else None

    def sources_to_index(self) -> list[ModelSource]:
        pending = self.pending_source()
        return [self.source()] + ([pending] if pending else [])

    def models_to_index(self) -> Iterator[EmbeddingModel]:
        """The loaded models whose vectors index runs fill in (the search model, and a pending one)."""
        for source in self.sources_to_index():
            yield self.load(source)

    def adopt(self, model: EmbeddingModel) -> None:
        """Use an already loaded model (tests, benchmarks) as the library's model."""
        self._loaded[model.model_id] = model
        if self.source().model_id != model.model_id:
            self._settings.set("model", ModelSource(model.model_id, "builtin").to_json())

    def _retire_outdated_builtin_vectors(self) -> None:
        """Drop vectors an earlier release's album-mini made, so the next index run re-embeds.

        An update can ship retrained heads under the same id; their text vectors cannot be
        compared with the old heads' photo vectors (nor may the dimensions even agree). The
        version that made a model's vectors is kept beside them, and checked at every open.
        """
        for source in self.sources_to_index():
            if source.kind != "builtin" or (current := builtin_version(source.model_id)) is None:
                continue
            key = f"vectors_version:{source.model_id}"
            made_with = self._settings.get(key)
            if made_with == current:
                continue
            if made_with is None:
                # A new library, or one from before versions were recorded (development builds
                # only: every release records it): its vectors count as made by these weights.
                self._settings.set(key, current)
                continue
            with self._db.write() as db:
                db.execute("DELETE FROM embeddings WHERE model_id = ?", (source.model_id,))
                db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, current))
            for path in VectorIndex.files(index_base(self._index_dir, source.model_id)):
                path.unlink(missing_ok=True)  # a stale index would only be repaired away to nothing
            self.retired.append(source.model_id)
            log.warning("%s was updated (%s -> %s): photos will be re-read with it at the next index run",
                        source.model_id, made_with, current)

    # --- loading --------------------------------------------------------------------------------

    def load(self, source: ModelSource, progress=None) -> EmbeddingModel:
        """The loaded model for `source`; `progress(file, done, total)` reports a first download."""
        with self._lock:
            if source.model_id not in self._loaded:
                extra = {"progress": progress} if progress else {}
                self._loaded[source.model_id] = self._loader(source, self._device, **extra)
            return self._loaded[source.model_id]

    def index(self, model_id: str) -> VectorIndex:
        """A model's HNSW index, loaded and brought in step with the database on first use."""
        with self._lock:
            if model_id not in self._indexes:
                source = next(s for s in self.sources_to_index() if s.model_id == model_id)
                dim = self.load(source).dim
                self._indexes[model_id], health = open_synced_index(self._index_dir, model_id, dim, self._embeddings)
                if model_id == self.source().model_id:
                    self.index_health = health
            return self._indexes[model_id]

    def save_indexes(self) -> None:
        for index in self._indexes.values():
            index.save_if_possible()

    def forget_photos(self, photo_ids: list[int]) -> None:
        """Take photos out of every index runs fill (they left the library)."""
        for source in self.sources_to_index():
            self.index(source.model_id).remove(photo_ids)

    # --- switching ------------------------------------------------------------------------------

    def begin_switch(self, source: ModelSource, progress=None) -> None:
        """Record `source` as pending (after loading it: a model that cannot load changes nothing)."""
        if source.model_id == self.source().model_id:
            self._settings.set("pending_model", None)
            return
        self.load(source, progress)
        self._settings.set("pending_model", source.to_json())

    def finish_switch_if_complete(self) -> bool:
        """Make the pending model the search model once every photo has its vector; True if it did."""
        pending = self.pending_source()
        if pending is None:
            return False
        missing = self._db.query(
            """SELECT count(*) FROM photos p WHERE p.status = 'ok' AND NOT EXISTS
               (SELECT 1 FROM embeddings e WHERE e.photo_id = p.id AND e.model_id = ?)""",
            (pending.model_id,),
        )[0][0]
        if missing:
            return False
        with self._db.write() as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('model', ?)", (pending.to_json(),))
            db.execute("DELETE FROM settings WHERE key = 'pending_model'")
        self.index_health = None
        log.info("switched the library to %s", pending.model_id)
        return True
