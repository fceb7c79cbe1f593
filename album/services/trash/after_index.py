"""The trash's follow-up of an index run: photos back from the trash get back what the user gave them."""

from __future__ import annotations

from album.services.indexing import IndexRun
from album.services.trash.service import TrashService


class RestoreUserState:
    """Manual tags and album places from the journal, for photos read again after an undo (or put
    back by hand). Registered after tagging, so a tag the user had hidden is hidden again."""

    name = "restore from trash"
    after_search_ready = False

    def __init__(self, trash: TrashService):
        self._trash = trash

    def after_index(self, run: IndexRun) -> None:
        if run.summary.photo_ids:
            self._trash.restore_user_state(run.summary.photo_ids)
