"""People: a grid of persons (their best face, name, count), names edited in place, merge by
multi-select, hide, and a person's page (their photos in the library grid)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
    QStyledItemDelegate, QVBoxLayout, QWidget,
)

from album.ui import formatting
from album.ui.tasks import FILES, SEARCH

PERSON_ID = Qt.ItemDataRole.UserRole
PERSON_NAME = Qt.ItemDataRole.UserRole + 1
FACE_SIZE = 128


@dataclass(frozen=True)
class PersonCard:
    """What the grid shows of a person (built off the GUI thread)."""

    id: int
    name: str | None
    faces: int
    photos: int
    cover: str | None  # a face thumbnail's path


def load_cards(library) -> tuple[list[PersonCard], int, str | None]:
    """(persons, unsorted face count, why faces are unavailable or None)."""
    people = library.people
    cards = []
    for person in people.people():
        faces = people.faces.faces(person_id=person.id)
        cover = next((str(p) for p in (people.face_thumbnail(f) for f in faces[:5]) if p), None)
        cards.append(PersonCard(person.id, person.name, person.faces, len(person.photos), cover))
    reason = None if cards or not people.enabled else people.unavailable_reason()
    return cards, len(people.unsorted()), reason


class _NameDelegate(QStyledItemDelegate):
    """Edits the name alone (the item shows the name and a count)."""

    def createEditor(self, parent, option, index):
        editor = QLineEdit(parent)
        editor.setPlaceholderText("Add a name")
        return editor

    def setEditorData(self, editor, index):
        editor.setText(index.data(PERSON_NAME) or "")

    def setModelData(self, editor, model, index):
        model.setData(index, editor.text().strip(), PERSON_NAME)


class PeopleView(QWidget):
    personOpened = Signal(str, object)  # title, PhotoRows
    changed = Signal()

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self.loading = False
        self.cards: list[PersonCard] = []
        self.grid = QListWidget(self)
        self.grid.setViewMode(QListWidget.ViewMode.IconMode)
        self.grid.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.grid.setMovement(QListWidget.Movement.Static)
        self.grid.setIconSize(QSize(FACE_SIZE, FACE_SIZE))
        self.grid.setGridSize(QSize(FACE_SIZE + 40, FACE_SIZE + 56))
        self.grid.setWordWrap(True)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.SelectedClicked)
        self.grid.setItemDelegate(_NameDelegate(self.grid))
        self.grid.itemActivated.connect(self.open_person)
        self.grid.model().dataChanged.connect(self._name_edited)
        self.grid.itemSelectionChanged.connect(self._selection_changed)
        self.summary = QLabel(self)
        self.open_button = QPushButton("Show Photos", self)
        self.open_button.clicked.connect(lambda: self.grid.currentItem() and self.open_person(self.grid.currentItem()))
        self.rename_button = QPushButton("Name…", self)
        self.rename_button.clicked.connect(lambda: self.grid.currentItem() and self.grid.editItem(self.grid.currentItem()))
        self.merge_button = QPushButton("Merge", self)
        self.merge_button.setToolTip("The selected persons are one person")
        self.merge_button.clicked.connect(self.merge_selected)
        self.hide_button = QPushButton("Hide", self)
        self.hide_button.clicked.connect(self.hide_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for button in (self.open_button, self.rename_button, self.merge_button, self.hide_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>People</b>", self))
        layout.addWidget(self.grid, 1)
        layout.addLayout(buttons)
        self._selection_changed()

    def activate(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.loading = True
        library = self._context.library
        self._context.tasks.run_task(SEARCH, lambda: load_cards(library), self._loaded, self._failed, name="people")

    def _loaded(self, result) -> None:
        cards, unsorted, reason = result
        self.loading = False
        self.cards = cards
        self.grid.blockSignals(True)
        self.grid.clear()
        for card in cards:
            item = QListWidgetItem(self._label(card))
            item.setData(PERSON_ID, card.id)
            item.setData(PERSON_NAME, card.name or "")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            if card.cover:
                item.setIcon(QIcon(QPixmap(card.cover)))
            item.setToolTip(f"{formatting.count(card.faces, 'face')} in {formatting.count(card.photos, 'photo')}")
            self.grid.addItem(item)
        self.grid.blockSignals(False)
        if reason:
            self.summary.setText(f"Faces are off: {reason}")
        else:
            self.summary.setText(f"{formatting.count(len(cards), 'person', 'persons')}"
                                 + (f" · {formatting.count(unsorted, 'face')} unsorted" if unsorted else ""))
        self._selection_changed()

    @staticmethod
    def _label(card: PersonCard) -> str:
        return f"{card.name or 'Add a name'}\n{formatting.count(card.photos, 'photo')}"

    def _failed(self, error) -> None:
        self.loading = False
        self.summary.setText(f"People could not be loaded: {error}")

    def _selection_changed(self) -> None:
        selected = len(self.grid.selectedItems())
        self.merge_button.setEnabled(selected >= 2)
        self.hide_button.setEnabled(selected >= 1)
        self.open_button.setEnabled(selected == 1)
        self.rename_button.setEnabled(selected == 1)

    def selected_ids(self) -> list[int]:
        return [item.data(PERSON_ID) for item in self.grid.selectedItems()]

    # --- decisions, written on the files pool (one writer) -----------------------------------------

    def _name_edited(self, top_left, _bottom_right, roles) -> None:
        if roles and PERSON_NAME not in roles:
            return
        item = self.grid.item(top_left.row())
        if item is None:
            return
        person_id, name = item.data(PERSON_ID), item.data(PERSON_NAME) or None
        card = next((c for c in self.cards if c.id == person_id), None)
        if card is None or card.name == name:
            return
        self.name_person(person_id, name)

    def name_person(self, person_id: int, name: str | None) -> None:
        people = self._context.library.people
        self._write(lambda: people.name(person_id, name))

    def merge_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) < 2:
            return
        # Into the named one if there is one, else the largest (the grid's first).
        order = {c.id: (c.name is None, i) for i, c in enumerate(self.cards)}
        target = min(ids, key=lambda i: order.get(i, (True, 1 << 30)))
        people = self._context.library.people
        self._write(lambda: people.merge(target, [i for i in ids if i != target]))

    def hide_selected(self) -> None:
        people = self._context.library.people
        ids = self.selected_ids()
        self._write(lambda: [people.hide(i) for i in ids])

    def _write(self, func) -> None:
        self._context.tasks.run_task(FILES, func, lambda _: self._written(), self._failed, name="people decision")

    def _written(self) -> None:
        self.changed.emit()
        self.refresh()

    def open_person(self, item) -> None:
        from album.ui.photo_rows import load_rows_for

        library = self._context.library
        person_id = item.data(PERSON_ID)
        title = item.data(PERSON_NAME) or "Unnamed person"

        def rows():
            paths = library.people.person(person_id).photos
            return load_rows_for(library.database, library.photo_ids(paths))

        self._context.tasks.run_task(SEARCH, rows, lambda r: self.personOpened.emit(title, r), self._failed,
                                     name="person's photos")
