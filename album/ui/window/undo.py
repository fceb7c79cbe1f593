"""`UndoController`: Edit ▸ Undo takes back the newest of the two actions album can undo, a move to
the trash (TrashService's journal) or a merge of people (PeopleService keeps the last one).

Which one is newer, and whether either can still be undone, is read on the file pool whenever
the menu item needs refreshing (`check`: at start, after an undo, and whenever people change: a
merge, or a rename that makes a merge final). The controller keeps the bound menu item's text and
state. A press takes back what the item names: a merge that changed since is refused with the
reason (PeopleService.undo_merge), never swapped for the trash action behind it. A move to the
trash whose files are all gone from the trash (emptied by hand) can never come back: it is not
offered, and a press passes over it to the move before it, saying so (PhotoTrash.undo_next).
Persons a merge undo brings back are announced as a library change (People view, search, person
filters); the window indexes restored files again and says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from album.ui.common.library_changes import PEOPLE
from album.ui.common.tasks import FILES

TRASH, MERGE = "trash", "merge"


@dataclass(frozen=True)
class UndoStep:
    kind: str  # TRASH or MERGE
    text: str  # the menu item: "Undo Move to Trash", "Undo Merge of Kofi into Anna"


class UndoController(QObject):
    offered = Signal(object)  # the UndoStep Edit ▸ Undo would take now, or None
    trashRestored = Signal(object)  # the TrashUndone: paths put back, moves passed over, files gone
    mergeUndone = Signal(object)  # the MergeRecord taken back
    undoFailed = Signal(object)  # the exception

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self._action = None
        self.step: UndoStep | None = None  # what the menu offers now
        self.offered.connect(self._remember)
        self.undoFailed.connect(lambda _: self.check())
        if context.changes is not None:
            context.changes.changed.connect(lambda what: self.check() if what == PEOPLE else None)

    def bind(self, action) -> None:
        """The menu item (Edit ▸ Undo) this controller triggers on, names and enables."""
        self._action = action
        action.triggered.connect(self.undo)
        self._remember(self.step)

    def check(self) -> None:
        self._context.tasks.run_task(FILES, self._next_step, self.offered.emit, lambda error: self.offered.emit(None),
                                     name="can undo")

    def offer_trash(self) -> None:
        """A move to the trash was just made: it is the newest action, known without asking."""
        self.offered.emit(UndoStep(TRASH, "Undo Move to Trash"))

    def undo(self) -> None:
        step = self.step
        if step is None:
            return
        self._context.tasks.run_task(FILES, lambda: self._take_back(step), self._undone, self.undoFailed.emit,
                                     name="undo")

    def _remember(self, step) -> None:
        self.step = step
        if self._action is not None:
            self._action.setEnabled(step is not None)
            self._action.setText(step.text if step is not None else "Undo")

    # --- on the file pool -------------------------------------------------------------------------

    def _next_step(self) -> UndoStep | None:
        trashed_at = self._context.trash.last_undoable()
        merge = self._context.library.people.last_merge()
        # A merge saved before merges had a time is older than anything trashed since.
        if merge is not None and (trashed_at is None or (merge.merged_at is not None and merge.merged_at > trashed_at)):
            return UndoStep(MERGE, f"Undo Merge of {merge.describe()}")
        return UndoStep(TRASH, "Undo Move to Trash") if trashed_at is not None else None

    def _take_back(self, step: UndoStep):
        if step.kind == MERGE:
            return MERGE, self._context.library.people.undo_merge()  # refused, with why, if it changed
        return TRASH, self._context.trash.undo_next()

    # --- on the GUI thread ------------------------------------------------------------------------

    def _undone(self, result) -> None:
        kind, value = result
        if kind == MERGE:
            self.mergeUndone.emit(value)
            if self._context.changes is not None:  # the People view, search and filters follow; so does `check`
                self._context.changes.people(restored=[value.target, *value.others])
            else:
                self.check()
        else:
            self.trashRestored.emit(value)
            self.check()
