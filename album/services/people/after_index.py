"""People's follow-up of an index run: the face pass over photos not scanned yet (progress phase
'faces'), once the run's photos are searchable."""

from __future__ import annotations

import logging

from album.faces import FacesUnavailable
from album.services.indexing import IndexRun
from album.services.people.service import FaceScanSummary, PeopleService

log = logging.getLogger(__name__)


class FindFaces:
    """Runs unless the run was cancelled or faces are off: `Library.index(faces=False)`, or else
    the library's faces setting (`run.choices["faces"]` overrides it)."""

    name = "faces"
    after_search_ready = True

    def __init__(self, people: PeopleService):
        self._people = people

    def after_index(self, run: IndexRun) -> None:
        choice = run.choices.get(self.name)
        if not run.summary.cancelled and (self._people.enabled if choice is None else choice):
            run.summary.faces = self._scan(run)

    def _scan(self, run: IndexRun) -> FaceScanSummary | None:
        try:
            return self._people.scan(run.progress, run.cancel)
        except FacesUnavailable as exc:  # a library works without faces: say why, once, in the log
            log.info("no face pass: %s", exc)
            return None
