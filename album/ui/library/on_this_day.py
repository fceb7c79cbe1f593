"""'On this day': a line above the library with photos taken on today's date in earlier years."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel

from album.ui.common import formatting
from album.ui.common.tasks import SEARCH


class OnThisDay(QLabel):
    photosOpened = Signal(str, object)  # a title, PhotoRows

    def __init__(self, context, parent=None, today: date | None = None):
        super().__init__(parent)
        self._context = context
        self._today = today
        self.years: list = []  # album.services.events.OnThisDay
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setContentsMargins(8, 4, 8, 4)
        self.linkActivated.connect(self.open_year)
        self.hide()

    def refresh(self) -> None:
        events, today = self._context.library.events, self._today
        self._context.tasks.run_task(SEARCH, lambda: events.on_this_day(today), self._loaded, name="on this day")

    def _loaded(self, years) -> None:
        self.years = list(years)
        if not self.years:
            self.hide()
            return
        links = ", ".join(f"<a href='{y.year}'>{y.year}</a> ({formatting.count(len(y.photo_ids), 'photo')})"
                          for y in self.years)
        self.setText(f"<b>On this day</b>: {links}")
        self.show()

    def open_year(self, year: str) -> None:
        found = next((y for y in self.years if str(y.year) == year), None)
        if found is None:
            return
        from album.ui.common.photo_rows import load_rows_for

        database, ids = self._context.library.database, found.photo_ids
        self._context.tasks.run_task(SEARCH, lambda: load_rows_for(database, ids),
                                     lambda rows: self.photosOpened.emit(f"On this day, {year}", rows))
