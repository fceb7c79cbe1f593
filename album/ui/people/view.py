"""People: a grid of persons (their best face, name, count), names edited in place, merge by
multi-select or by dropping tiles on a tile (asked first; Undo Merge takes the last one back
while the merged person is unchanged), hide, and a person's page (their photos in the library
grid)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QMimeData, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
    QStyledItemDelegate, QVBoxLayout, QWidget,
)

from album.services.people import MergeRecord
from album.ui.common import formatting
from album.ui.common.library_changes import PEOPLE
from album.ui.common.tasks import FILES, SEARCH
from album.ui.common.confirm import confirm_destructive

PERSON_ID = Qt.ItemDataRole.UserRole
PERSON_NAME = Qt.ItemDataRole.UserRole + 1
PERSON_IDS_MIME = "application/x-album-person-ids"  # what a dragged tile carries: the persons' ids
FACE_SIZE = 128


@dataclass(frozen=True)
class PersonCard:
    """What the grid shows of a person (built off the GUI thread)."""

    id: int
    name: str | None
    faces: int
    photos: int
    cover: str | None  # a face thumbnail's path


def load_cards(library) -> tuple[list[PersonCard], int, str | None, MergeRecord | None]:
    """(persons, unsorted face count, why faces are unavailable or None, the merge Undo Merge
    would take back or None)."""
    people = library.people
    cards = []
    for person in people.people():
        faces = people.faces.faces(person_id=person.id)
        cover = next((str(p) for p in (people.face_thumbnail(f) for f in faces[:5]) if p), None)
        cards.append(PersonCard(person.id, person.name, person.faces, len(person.photos), cover))
    reason = None if cards or not people.enabled else people.unavailable_reason()
    return cards, len(people.unsorted()), reason, people.last_merge()


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


class PeopleGrid(QListWidget):
    """The persons' tiles. Tiles dropped on another tile are to be merged into it; the tiles
    themselves never move (the grid stays in its largest-first order)."""

    personsDropped = Signal(int, list)  # the tile dropped on (its person id), the dropped persons' ids

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)  # this also turns dragging off: on again below
        self.setDragEnabled(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)  # never Move: the view would delete the dragged rows

    def mimeTypes(self) -> list[str]:
        return [PERSON_IDS_MIME]

    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        data.setData(PERSON_IDS_MIME, QByteArray(json.dumps([item.data(PERSON_ID) for item in items]).encode()))
        return data

    def drop_target(self, event) -> tuple[int, list[int]] | None:
        """(person dropped on, persons dropped) for a drag of tiles over another tile, else None."""
        if not event.mimeData().hasFormat(PERSON_IDS_MIME):
            return None
        item = self.itemAt(event.position().toPoint())
        if item is None:
            return None
        target = item.data(PERSON_ID)
        dropped = [int(i) for i in json.loads(bytes(event.mimeData().data(PERSON_IDS_MIME)).decode()) if i != target]
        return (target, dropped) if dropped else None

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(PERSON_IDS_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self.drop_target(event) is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dropEvent(self, event) -> None:
        found = self.drop_target(event)
        if found is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        # Asked once the drag has ended: a dialog inside the drop would run inside the drag's loop.
        QTimer.singleShot(0, lambda: self.personsDropped.emit(*found))


class PeopleView(QWidget):
    personOpened = Signal(str, object, bool)  # title, PhotoRows, a refresh of the page on screen (keep its place)
    changed = Signal()

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self.loading = False
        self._notice: str | None = None  # why the last decision was not made, shown once
        self.cards: list[PersonCard] = []
        self.grid = PeopleGrid(self)
        self.grid.personsDropped.connect(self.request_merge)
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
        self.undo_merge_button = QPushButton("Undo Merge", self)
        self.undo_merge_button.clicked.connect(self.undo_merge)
        self.undo_merge_button.setEnabled(False)  # until a merge that can be taken back is loaded
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for button in (self.open_button, self.rename_button, self.merge_button, self.hide_button,
                       self.undo_merge_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>People</b>", self))
        layout.addWidget(self.grid, 1)
        layout.addLayout(buttons)
        self._selection_changed()
        self._page: tuple[int, str] | None = None  # the person whose page was opened last, and its title
        if context.changes is not None:  # names, merges and faces moved elsewhere (the viewer) show here
            context.changes.changed.connect(lambda what: what == PEOPLE and self._people_changed())

    def activate(self) -> None:
        self.refresh()

    def _people_changed(self) -> None:
        self.refresh()
        if self._page is not None:  # a face taken out in the viewer leaves the person's page too
            self._load_page(*self._page, refresh=True)

    def refresh(self) -> None:
        self.loading = True
        library = self._context.library
        self._context.tasks.run_task(SEARCH, lambda: load_cards(library), self._loaded, self._failed, name="people")

    def _loaded(self, result) -> None:
        cards, unsorted, reason, last_merge = result
        self.loading = False
        self.undo_merge_button.setEnabled(last_merge is not None)
        self.undo_merge_button.setToolTip(f"Take back the merge of {last_merge.describe()}" if last_merge else
                                          "No merge to take back (the last one, or its person changed since)")
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
        if self._notice:
            self.summary.setText(self._notice)
            self._notice = None
        self._selection_changed()

    @staticmethod
    def _label(card: PersonCard) -> str:
        return f"{card.name or 'Add a name'}\n{formatting.count(card.photos, 'photo')}"

    def _failed(self, error) -> None:
        self.loading = False
        self.summary.setText(f"People could not be loaded: {error}")

    def _not_done(self, what: str):
        """A decision that was refused or failed says so, and the view shows what is true now
        (e.g. Undo Merge refused because the person was renamed meanwhile)."""
        def failed(error) -> None:
            self._notice = f"{what}: {error}"
            self.refresh()
        return failed

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
        self.request_merge(target, [i for i in ids if i != target])

    def request_merge(self, target: int, others: list[int]) -> None:
        """Merge `others` into `target` once the user says Yes (the default is No). Undo Merge takes
        it back while the person is unchanged; later, a face taken in wrongly goes back out with
        "Not …" in the viewer."""
        cards = {c.id: c for c in self.cards}
        others = [o for o in others if o != target and o in cards]
        if target not in cards or not others:
            return
        into = cards[target].name or next((cards[o].name for o in others if cards[o].name), None)
        who = ", ".join(_called(cards[o]) for o in others)
        text = (f"Merge {who} into {_called(cards[target])}? They become one person"
                + (f", {into}" if into else "") + ", here and in search.\n\nUndo Merge (Ctrl+Z) takes it back; "
                "later, a "
                "face that does not belong can be taken out with “Not …” on it in the photo viewer.")
        if not confirm_destructive(self, "Merge People", text):
            return
        people = self._context.library.people
        self._write(lambda: people.merge(target, others), merged=(target, others))

    def undo_merge(self) -> None:
        """The merged persons come back as they were (refused, with why, if the person changed)."""
        people = self._context.library.people
        self.undo_merge_button.setEnabled(False)
        self._context.tasks.run_task(FILES, people.undo_merge, self._merge_undone,
                                     self._not_done("The merge was not undone"), name="undo merge")

    def _merge_undone(self, record) -> None:
        self._written(restored=[record.target, *record.others])

    def hide_selected(self) -> None:
        people = self._context.library.people
        ids = self.selected_ids()
        self._write(lambda: [people.hide(i) for i in ids])

    def _write(self, func, merged: tuple[int, list[int]] | None = None) -> None:
        self._context.tasks.run_task(FILES, func, lambda _: self._written(merged),
                                     self._not_done("That change was not made"), name="people decision")

    def _written(self, merged: tuple[int, list[int]] | None = None, restored: list[int] | None = None) -> None:
        self.changed.emit()
        if self._context.changes is None:
            self.refresh()
        else:
            # This view refreshes on it, as does the search.
            self._context.changes.people(*(merged or ()), restored=restored)

    def open_person(self, item) -> None:
        person_id = item.data(PERSON_ID)
        self._page = (person_id, item.data(PERSON_NAME) or "Unnamed person")
        self._load_page(*self._page, refresh=False)

    def _load_page(self, person_id: int, title: str, *, refresh: bool) -> None:
        """The person's photos for the library grid; a refresh is shown only if that page still is."""
        from album.ui.common.photo_rows import load_rows_for

        library = self._context.library

        def rows():
            if library.people.faces.person(person_id) is None:
                return None  # merged into another person since
            paths = library.people.person(person_id).photos
            return load_rows_for(library.database, library.photo_ids(paths))

        def show(found) -> None:
            if found is not None:
                self.personOpened.emit(title, found, refresh)

        self._context.tasks.run_task(SEARCH, rows, show, self._failed, name="person's photos")

def _called(card: PersonCard) -> str:
    """“Anna”, or “an unnamed person (3 photos)”, for a question about persons."""
    return f"“{card.name}”" if card.name else f"an unnamed person ({formatting.count(card.photos, 'photo')})"
