"""The filters popup under the search bar: date range, folder, tag, album, camera, person.

The person picker keeps a person's id: a rename shows the new name and keeps the filter; a
person merged into another is followed to that person; one no longer offered (hidden) leaves
the filter. The search on screen changes with it, so the picker never says one thing while the
results show another."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateEdit, QDialogButtonBox, QFormLayout, QFrame, QHBoxLayout, QWidget,
)

from album.ui.search.adapter import SearchFilters
from album.ui.search.filter_choices import load_filter_choices
from album.ui.common.library_changes import PEOPLE
from album.ui.common.tasks import SEARCH

ANY = "Any"


class SearchFiltersPopup(QFrame):
    applied = Signal(object)  # SearchFilters

    def __init__(self, context, parent=None):
        super().__init__(parent, Qt.WindowType.Popup)
        self._context = context
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.use_dates = QCheckBox("Taken between", self)
        self.date_from = QDateEdit(QDate.currentDate().addYears(-1), self)
        self.date_to = QDateEdit(QDate.currentDate(), self)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        dates = QWidget(self)
        row = QHBoxLayout(dates)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.date_from)
        row.addWidget(self.date_to)
        self.folder, self.tag, self.album, self.camera, self.person = (QComboBox(self) for _ in range(5))
        self.person.setAccessibleName("Person")
        self._applied = SearchFilters()  # what the search on screen was last given
        self._merged: dict[int, int] = {}  # person id → the person it was merged into
        buttons = QDialogButtonBox(self)
        buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Clear", QDialogButtonBox.ButtonRole.ResetRole).clicked.connect(self.clear)
        buttons.accepted.connect(self._apply)
        form = QFormLayout(self)
        form.addRow(self.use_dates, dates)
        form.addRow("Folder", self.folder)
        form.addRow("Tag", self.tag)
        form.addRow("Album", self.album)
        form.addRow("Camera", self.camera)
        form.addRow("Person", self.person)
        form.addRow(buttons)
        self.place = None  # () -> QPoint: where to be for the size it has now (set by the search bar)
        self._fill([], [], [], [], [])
        if context.changes is not None:
            context.changes.changed.connect(lambda what: what == PEOPLE and self.refresh())
            context.changes.personsMerged.connect(self._persons_merged)
            context.changes.personsRestored.connect(self._persons_restored)

    def showEvent(self, event) -> None:
        self.adjustSize()
        self._move_to_place()
        super().showEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._move_to_place()

    def _move_to_place(self) -> None:
        if self.place is not None:
            self.move(self.place())

    def refresh(self) -> None:
        library = self._context.library
        self._context.tasks.run_task(SEARCH, lambda: load_filter_choices(library), self._loaded, name="filter choices")

    def _loaded(self, choices) -> None:
        self._fill(choices.folders, choices.tags, choices.albums, choices.cameras, choices.persons)

    def _fill(self, folders, tags, albums, cameras, persons) -> None:
        for combo, values in ((self.folder, folders), (self.tag, tags), (self.album, albums), (self.camera, cameras)):
            current = combo.currentText()
            combo.clear()
            combo.addItems([ANY, *values])
            if current in values:
                combo.setCurrentText(current)
        self._fill_persons(persons)
        if self.isVisible():
            self.adjustSize()  # longer choices: wider, and placed again inside the window

    def filters(self) -> SearchFilters:
        def chosen(combo):
            text = combo.currentText()
            return None if text == ANY or not text else text

        dates = self.use_dates.isChecked()
        return SearchFilters(
            folder=chosen(self.folder),
            date_from=self.date_from.date().toString("yyyy-MM-dd") if dates else None,
            date_to=self.date_to.date().toString("yyyy-MM-dd") if dates else None,
            tag=chosen(self.tag),
            album=chosen(self.album),
            camera=chosen(self.camera),
            person_id=self.person.currentData(),
        )

    def clear(self) -> None:
        self.reset()
        self._apply()

    def reset(self) -> None:
        """Every filter back to "Any", without applying."""
        self.use_dates.setChecked(False)
        for combo in (self.folder, self.tag, self.album, self.camera, self.person):
            combo.setCurrentIndex(0)
        self._applied = SearchFilters()

    def _apply(self) -> None:
        self.hide()
        self._applied = self.filters()
        self.applied.emit(self._applied)

    # --- persons: chosen by id, and kept true while People changes -----------------------------------

    def _fill_persons(self, persons: list[tuple[int, str]]) -> None:
        chosen = self._follow(self.person.currentData())
        self.person.clear()
        self.person.addItem(ANY, None)
        for person_id, label in persons:
            self.person.addItem(label, person_id)
        self.person.setCurrentIndex(max(self.person.findData(chosen), 0) if chosen is not None else 0)
        applied = self._applied.person_id
        offered = {person_id for person_id, _ in persons}
        if applied is not None and applied not in offered:
            followed = self._follow(applied)
            self._applied = replace(self._applied, person_id=followed if followed in offered else None)
            self.applied.emit(self._applied)  # the results on screen follow the merge (or lose the filter)

    def _follow(self, person_id: int | None) -> int | None:
        seen = set()
        while person_id in self._merged and person_id not in seen:  # merged, then merged again
            seen.add(person_id)
            person_id = self._merged[person_id]
        return person_id

    def _persons_merged(self, target: int, others: list) -> None:
        self._merged.update({int(other): int(target) for other in others})

    def _persons_restored(self, ids: list) -> None:
        for person_id in ids:
            self._merged.pop(int(person_id), None)
