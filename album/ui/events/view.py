"""Events and trips: a card for each (cover, title, dates, photo count), and the library's
timeline grouped by event. Opening a card or a stretch of the timeline shows its photos in
the library page; renaming, merging and hiding go to the events service, which remembers them."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QInputDialog, QLabel, QListWidget, QListWidgetItem, QMenu, QMessageBox,
    QPushButton, QTabWidget, QVBoxLayout, QWidget,
)

from album.ui.common import formatting
from album.ui.common.tasks import FILES, SEARCH

CARD = QSize(200, 150)


def describe_dates(event) -> str:
    from album.services.events import date_range

    return date_range(event.starts_at, event.ends_at)


class EventsView(QWidget):
    photosOpened = Signal(str, object)  # a title, PhotoRows

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self.events: list = []  # album.services.events.Event
        self.sections: list = []  # album.services.events.TimelineSection
        self._covers: dict[int, str] = {}
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        reorganise = QPushButton("Find Events Again", self)
        reorganise.setToolTip("Group the whole library again (your renames, merges and hidden events are kept)")
        reorganise.clicked.connect(self.reorganise)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(reorganise)
        self.cards = QListWidget(self)
        self.cards.setViewMode(QListWidget.ViewMode.IconMode)
        self.cards.setIconSize(CARD)
        self.cards.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.cards.setMovement(QListWidget.Movement.Static)
        self.cards.setWordWrap(True)
        self.cards.setSpacing(8)
        self.cards.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.cards.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.cards.customContextMenuRequested.connect(self._card_menu)
        self.cards.itemActivated.connect(lambda item: self.open_event(self.cards.row(item)))
        self.timeline = QListWidget(self)
        self.timeline.setIconSize(QSize(96, 72))
        self.timeline.itemActivated.connect(lambda item: self.open_section(self.timeline.row(item)))
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.cards, "Events && Trips")
        self.tabs.addTab(self.timeline, "Timeline")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        context.thumbnails.loaded.connect(self._thumbnails_loaded)

    def activate(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        events = self._context.library.events

        def load():
            listed = list(reversed(events.list()))  # newest first
            return listed, events.cover_hashes(listed), events.timeline()

        self._context.tasks.run_task(SEARCH, load, self._loaded, self._failed, name="events")

    def _loaded(self, result) -> None:
        self.events, self._covers, self.sections = result
        self.cards.clear()
        for event in self.events:
            kind = "Trip" if event.away else "Event"
            item = QListWidgetItem(f"{event.name}\n{kind} · {describe_dates(event)} · "
                                   f"{formatting.count(event.photo_count, 'photo')}")
            item.setSizeHint(QSize(CARD.width() + 16, CARD.height() + 64))
            self.cards.addItem(item)
        self.timeline.clear()
        for section in self.sections:
            what = describe_dates(section.event) if section.event else "other photos"
            self.timeline.addItem(f"{section.title}  —  {what}, {formatting.count(len(section.photo_ids), 'photo')}")
        self.summary.setText(
            f"{formatting.count(len(self.events), 'event')}, "
            f"{formatting.count(sum(e.away for e in self.events), 'trip')} among them" if self.events else
            "No events yet: album finds trips away from home and busy days among photos with a capture date.")
        self._thumbnails_loaded(list(self._covers.values()))

    def _thumbnails_loaded(self, hashes) -> None:
        wanted = set(hashes)
        for row, event in enumerate(self.events):
            content_hash = self._covers.get(event.album_id)
            if content_hash in wanted:
                pixmap = self._context.thumbnails.pixmap(content_hash)
                if pixmap is not None:
                    self.cards.item(row).setIcon(QIcon(pixmap))

    def _failed(self, error) -> None:
        QMessageBox.warning(self, "Events", str(error))

    # --- opening ----------------------------------------------------------------------------------

    def open_event(self, row: int) -> None:
        if 0 <= row < len(self.events):
            name = self.events[row].name
            library = self._context.library
            self._open(name, lambda: library.events.photo_ids(name))

    def open_section(self, row: int) -> None:
        if 0 <= row < len(self.sections):
            section = self.sections[row]
            self._open(section.title, lambda: section.photo_ids)

    def _open(self, title: str, ids) -> None:
        from album.ui.common.photo_rows import load_rows_for

        database = self._context.library.database
        self._context.tasks.run_task(SEARCH, lambda: load_rows_for(database, ids()),
                                     lambda rows: self.photosOpened.emit(title, rows), self._failed)

    # --- the user's decisions -----------------------------------------------------------------

    def selected_names(self) -> list[str]:
        return [self.events[self.cards.row(item)].name for item in self.cards.selectedItems()]

    def _card_menu(self, position) -> None:
        names = self.selected_names()
        if not names:
            return
        menu = QMenu(self)
        if len(names) == 1:
            menu.addAction("Rename…", lambda: self.rename(names[0]))
        else:
            menu.addAction(f"Merge {len(names)} Events", lambda: self.merge(names))
        menu.addAction("Hide", lambda: self.hide(names))
        menu.exec(self.cards.viewport().mapToGlobal(position))

    def rename(self, name: str) -> None:
        new_name, ok = QInputDialog.getText(self, "Rename event", "Name:", text=name)
        if ok and new_name.strip() and new_name.strip() != name:
            events = self._context.library.events
            self._run(lambda: events.rename(name, new_name.strip()))

    def merge(self, names: list[str]) -> None:
        events = self._context.library.events
        self._run(lambda: events.merge(names))

    def hide(self, names: list[str]) -> None:
        events = self._context.library.events

        def hide_all():
            for name in names:
                events.hide(name)

        self._run(hide_all)

    def reorganise(self) -> None:
        events = self._context.library.events
        self._run(lambda: events.organise(refresh=True))

    def _run(self, func) -> None:
        self._context.tasks.run_task(FILES, func, lambda _: self.refresh(), self._failed, name="events")
