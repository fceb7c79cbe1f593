"""Places' follow-up of an index run: new GPS positions get their place names, off the query path."""

from __future__ import annotations

from album.services.indexing import IndexRun
from album.services.places.photo_places import PhotoPlaces


class ReverseGeocode:
    name = "places"
    after_search_ready = False

    def __init__(self, places: PhotoPlaces):
        self._places = places

    def after_index(self, run: IndexRun) -> None:
        if run.summary.photo_ids:
            self._places.fill_missing()
