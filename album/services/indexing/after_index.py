"""Indexing's own follow-ups of an index run: saving the vector indexes, finishing a model switch."""

from __future__ import annotations

import logging
from typing import Callable

from album.services.indexing.follow_ups import IndexRun
from album.services.indexing.models import LibraryModels

log = logging.getLogger(__name__)


class SaveIndexes:
    """The HNSW files, saved as soon as the run's vectors are in (a cache: the database has them)."""

    name = "save indexes"
    after_search_ready = False

    def __init__(self, models: LibraryModels):
        self._models = models

    def after_index(self, run: IndexRun) -> None:
        self._models.save_indexes()


class FinishModelSwitch:
    """A model being switched to becomes the search model once every photo has its vector."""

    name = "model switch"
    after_search_ready = False

    def __init__(self, models: LibraryModels, on_switched: Callable[[], object]):
        """`on_switched()`: what must follow a switch (tags are scored again with the new model)."""
        self._models = models
        self._on_switched = on_switched

    def finish_if_complete(self) -> bool:
        switched = self._models.finish_switch_if_complete()
        if switched:
            self._on_switched()
        return switched

    def after_index(self, run: IndexRun) -> None:
        if not run.summary.cancelled:
            self.finish_if_complete()
