"""The library view: a notice line (search notes, "no good matches") above the photo grid.

It shows either the whole library (read again, off the GUI thread, whenever indexing adds
photos) or a list of photos it is handed (search results, an album).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from album.ui.common import formatting
from album.ui.common.settings_keys import LIBRARY_SORT as SORT_KEY
from album.ui.library.photo_list_model import PhotoListModel
from album.ui.common.photo_rows import keep_shown_order, load_library_rows
from album.ui.common.tasks import SEARCH
from album.ui.library.photo_grid import PhotoGridView

LIBRARY, RESULTS, ALBUM = "library", "results", "album"


class LibraryPage(QWidget):
    photoActivated = Signal(int)
    contextMenuWanted = Signal(list, QPoint)
    rowsShown = Signal()  # the grid shows new rows (tests and screenshots wait for it)
    showAllWanted = Signal()  # the user clicked "show all" under a cut-off search

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self.mode = LIBRARY
        self.album_name: str | None = None  # the album on screen (mode ALBUM)
        self.sort = str(context.settings.value(SORT_KEY, "newest"))
        self._loading = False
        self._reload_again = False
        self._keep_order = False
        self._sorted_by: str | None = None  # the sort of the rows on screen (library mode)
        self.last_load_seconds = 0.0

        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.RichText)
        self.notice.setContentsMargins(8, 6, 8, 6)
        self.notice.linkActivated.connect(lambda _: self.showAllWanted.emit())
        self.notice.hide()
        self.model = PhotoListModel(context.thumbnails, self)
        self.grid = PhotoGridView(self)
        self.grid.setModel(self.model)
        self.grid.photoActivated.connect(self.photoActivated)
        self.grid.contextMenuWanted.connect(self.contextMenuWanted)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.notice)
        layout.addWidget(self.grid, 1)

    @property
    def loading(self) -> bool:
        return self._loading

    # --- the whole library ------------------------------------------------------------------------

    def show_library(self) -> None:
        self.mode, self.album_name, self._sorted_by = LIBRARY, None, None
        self.notice.hide()
        self.reload()

    def set_sort(self, sort: str) -> None:
        self.sort = sort
        self._context.settings.setValue(SORT_KEY, sort)
        if self.mode == LIBRARY:
            self.reload()

    def reload(self, *, keep_order: bool = False) -> None:
        """Read the library's rows again in the background (coalesced: one read at a time).
        `keep_order`: photos on screen stay where they are, new ones come after (while indexing)."""
        if self.mode != LIBRARY:
            return
        self._keep_order = keep_order
        if self._loading:
            self._reload_again = True
            return
        self._loading = True
        database, sort, started = self._context.library.database, self.sort, time.monotonic()
        # The order on screen, merged on the worker (a copy of the ids: the model is the GUI thread's).
        shown = list(self.model.rows.ids) if keep_order and self._sorted_by == sort else None

        def load():
            rows = load_library_rows(database, sort)
            return keep_shown_order(shown, rows) if shown else rows

        self._context.tasks.run_task(SEARCH, load, lambda rows: self._library_loaded(rows, started),
                                     self._load_failed, name="library rows")

    def _library_loaded(self, rows, started: float) -> None:
        self._loading = False
        self.last_load_seconds = time.monotonic() - started
        if self.mode == LIBRARY:
            self._sorted_by = self.sort
            self.model.set_rows(rows)
            self.rowsShown.emit()
        if self._reload_again:
            self._reload_again = False
            self.reload(keep_order=self._keep_order)

    def _load_failed(self, error) -> None:
        self._loading = False
        raise error

    # --- a given list: search results, an album -----------------------------------------------

    def show_results(self, outcome, rows, *, keep_place: bool = False) -> None:
        """Search results; a new query starts at the top, a refresh of the same one (`keep_place`) does not."""
        self.mode, self.album_name = RESULTS, None
        self._show_rows(rows, keep_place)
        self._show_notice(self._describe(outcome))
        self.rowsShown.emit()

    def show_album(self, name: str, rows, *, keep_place: bool = False) -> None:
        self.mode, self.album_name = ALBUM, name
        self._show_rows(rows, keep_place)
        self._show_notice(f"Album <b>{_escape(name)}</b>: {formatting.count(len(rows), 'photo')}")
        self.rowsShown.emit()

    def _show_rows(self, rows, keep_place: bool) -> None:
        self.model.set_rows(rows)
        if not keep_place:
            self.grid.start_at_top()  # best matches first: not where the previous list was scrolled to

    def _describe(self, outcome) -> str:
        if outcome.similar_to is not None:
            alike = len(outcome.hits) - 1  # the first is the photo itself
            text = (f"{formatting.count(alike, 'photo')} that look like <b>{_escape(outcome.similar_name)}</b> "
                    "(shown first), most similar first" if alike else
                    f"No photos look much like <b>{_escape(outcome.similar_name)}</b> (shown here).")
        elif outcome.no_good_matches:
            text = f"<b>No good matches</b> for “{_escape(outcome.text)}”." if outcome.text else "<b>No photos</b> match the filters."
        else:
            what = f" for “{_escape(outcome.text)}”" if outcome.text else ""
            shown = max(len(outcome.hits), getattr(outcome, "matched", 0))  # the page may hold fewer
            more = getattr(outcome, "matched_more", False)  # a broad query: not every match was counted
            label = f"{shown:,}+ photos" if more else formatting.count(shown, "photo")
            text = f"{label}{what}, best match first"
        if outcome.cut and getattr(outcome, "matched_more", False):
            text += " &nbsp;<a href='all'>Show all</a>"
        elif outcome.cut:
            text += f" &nbsp;<a href='all'>Show all</a> ({formatting.count(outcome.cut, 'weaker match', 'weaker matches')} left out)"
        if outcome.notes:
            text += "<br>" + "<br>".join(_escape(note) for note in outcome.notes)
        return text

    def _show_notice(self, html: str) -> None:
        self.notice.setText(html)
        self.notice.show()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
