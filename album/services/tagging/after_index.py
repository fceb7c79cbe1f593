"""Tagging's follow-up of an index run: the photos just read get their automatic tags."""

from __future__ import annotations

from album.services.indexing import IndexRun
from album.services.tagging.labels import LabelRepository
from album.services.tagging.service import TaggingService


class TagNewPhotos:
    name = "tags"
    after_search_ready = False

    def __init__(self, tagging: TaggingService, labels: LabelRepository):
        self._tagging = tagging
        self._labels = labels

    def after_index(self, run: IndexRun) -> None:
        # Tags made another way (an upgrade embeds labels differently) are all redone once;
        # otherwise only the photos read now are tagged.
        if self._tagging.retag_if_stale() is None and run.summary.photo_ids and self._labels.list():
            self._tagging.retag(run.summary.photo_ids)
