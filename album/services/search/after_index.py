"""Search's follow-up of an index run: the relevance baselines of the photos just embedded."""

from __future__ import annotations

from typing import Callable, Iterable

from album.models import EmbeddingModel
from album.services.indexing import IndexRun
from album.services.search.relevance import RelevanceCutoff


class FillRelevanceBaselines:
    """Relevance baselines for photos embedded since (and, once, for a library from before them):
    computed from stored vectors, so nothing is decoded or embedded again."""

    name = "relevance baselines"
    after_search_ready = False

    def __init__(self, relevance: RelevanceCutoff, models: Callable[[], Iterable[EmbeddingModel]]):
        """`models()`: the models whose vectors index runs fill in."""
        self._relevance = relevance
        self._models = models

    def after_index(self, run: IndexRun) -> None:
        for model in self._models():
            self._relevance.fill(model)
