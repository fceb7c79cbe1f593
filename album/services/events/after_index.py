"""Events' follow-up of an index run (and of a folder removed): the event albums kept current."""

from __future__ import annotations

import logging
from typing import Sequence

from album.errors import AlbumError
from album.services.events.service import EventService, EventsSummary
from album.services.indexing import IndexRun

log = logging.getLogger(__name__)


class OrganiseEvents:
    name = "events"
    after_search_ready = False

    def __init__(self, events: EventService):
        self._events = events

    def organise(self, changed: Sequence[int]) -> EventsSummary | None:
        """Keep the event albums current after photos came or went; a failure here never fails the run."""
        try:
            return self._events.organise(changed=changed)
        except AlbumError:
            log.exception("could not organise events")
            return None

    def after_index(self, run: IndexRun) -> None:
        if run.summary.photo_ids or run.plan.removed:
            self.organise(run.summary.photo_ids)
