"""`SearchController`: as-you-type search, debounced, newest query wins.

Typing restarts a short timer; when it fires, the query runs on the search pool and the result
rows are read there too, so the GUI thread only swaps the model. A query overtaken by a newer
one is discarded, so results never arrive out of order.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from album.ui.search.adapter import SearchFilters
from album.ui.common.photo_rows import load_rows_for
from album.ui.common.tasks import SEARCH

DEBOUNCE_MS = 250


class SearchController(QObject):
    resultsReady = Signal(object, object)  # SearchOutcome, PhotoRows
    cleared = Signal()  # no query and no filters: back to the whole library
    failed = Signal(object)  # the exception

    def __init__(self, context, debounce_ms: int = DEBOUNCE_MS, parent=None):
        super().__init__(parent)
        self._context = context
        self._text = ""
        self._filters = SearchFilters()
        self._show_all = False
        self._similar_to: int | None = None  # find-similar is on screen: show all re-runs it
        self._task = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.run_now)
        self.last_outcome = None
        self._pending = False  # a search was started and its results are not shown yet

    @property
    def text(self) -> str:
        return self._text

    @property
    def filters(self) -> SearchFilters:
        return self._filters

    @property
    def busy(self) -> bool:
        return self._timer.isActive() or self._pending

    def active(self) -> bool:
        return bool(self._text.strip()) or self._filters.active() or self._similar_to is not None

    def set_text(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self._show_all = False
            self._similar_to = None
            self._timer.start()

    def set_filters(self, filters: SearchFilters) -> None:
        self._filters = filters
        self._similar_to = None
        self.run_now()

    def reset(self) -> None:
        """Forget the query, the filters and find-similar, without a signal: something else is shown now."""
        self._timer.stop()
        if self._task is not None:
            self._task.discard()
        self._task = None
        self._pending = False
        self._text, self._filters, self._show_all, self._similar_to = "", SearchFilters(), False, None
        self.last_outcome = None

    def show_all(self) -> None:
        """Rank everything the filters allow, past the relevance cutoff."""
        self._show_all = True
        self.run_now()

    def run_now(self) -> None:
        self._timer.stop()
        if self._similar_to is not None:
            self.find_similar(self._similar_to, show_all=self._show_all)
            return
        if self._task is not None:
            self._task.discard()
        if not self.active():
            self._task = None
            self._pending = False
            self.last_outcome = None
            self.cleared.emit()
            return
        context, text, filters, show_all = self._context, self._text.strip(), self._filters, self._show_all

        def search():
            outcome = context.search.search(text, filters, show_all=show_all)
            return outcome, _rows(context, outcome)

        self._pending = True
        self._task = context.tasks.run_task(SEARCH, search, self._deliver, self._fail, name="search")

    def find_similar(self, photo_id: int, *, show_all: bool = False) -> None:
        """Photos like this one, the photo itself first; past the relevance cut with `show_all`."""
        self._timer.stop()
        if self._task is not None:
            self._task.discard()
        self._similar_to, self._show_all, self._text = photo_id, show_all, ""
        context = self._context

        def similar():
            outcome = context.search.similar(photo_id, show_all=show_all)
            return outcome, _rows(context, outcome)

        self._pending = True
        self._task = context.tasks.run_task(SEARCH, similar, self._deliver, self._fail, name="similar")

    def _fail(self, error) -> None:
        self._pending = False
        self.failed.emit(error)

    def _deliver(self, result) -> None:
        self._pending = False
        outcome, rows = result
        self.last_outcome = outcome
        self.resultsReady.emit(outcome, rows)


def _rows(context, outcome):
    hits = outcome.hits
    return load_rows_for(context.library.database, [h.photo_id for h in hits], [h.score for h in hits],
                         [h.why for h in hits])
