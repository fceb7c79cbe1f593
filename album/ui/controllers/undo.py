"""`UndoController`: Edit ▸ Undo takes back the newest of the two actions album can undo, a move to
the trash (TrashService's journal) or a merge of people (PeopleService keeps the last one).

Which one is newer, and whether either can still be undone, is read on the file pool whenever
the window refreshes the menu (`check`: at start, after a trash action, a merge or an undo). A
press takes back what the menu names: a merge that changed since is refused with the reason
(PeopleService.undo_merge), never swapped for the trash action behind it. The window reacts to
the signals: restored files are indexed again, restored persons come back in the People view,
search and the person albums.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from album.ui.tasks import FILES

TRASH, MERGE = "trash", "merge"


@dataclass(frozen=True)
class UndoStep:
    kind: str  # TRASH or MERGE
    text: str  # the menu item: "Undo Move to Trash", "Undo Merge of Kofi into Anna"


class UndoController(QObject):
    offered = Signal(object)  # the UndoStep Edit ▸ Undo would take now, or None
    trashRestored = Signal(list)  # paths put back from the trash
    mergeUndone = Signal(object)  # the MergeRecord taken back
    undoFailed = Signal(object)  # the exception

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self.step: UndoStep | None = None  # what the menu offers now
        self.offered.connect(self._remember)

    def check(self) -> None:
        self._context.tasks.run_task(FILES, self._next_step, self.offered.emit, lambda error: self.offered.emit(None),
                                     name="can undo")

    def offer(self, step: UndoStep) -> None:
        """An action the window knows is the newest at once (a move to the trash it just made)."""
        self.offered.emit(step)

    def undo(self) -> None:
        step = self.step
        if step is None:
            return
        self._context.tasks.run_task(FILES, lambda: self._take_back(step), self._undone, self.undoFailed.emit,
                                     name="undo")

    def _remember(self, step) -> None:
        self.step = step

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
        return TRASH, self._context.trash.undo()

    # --- on the GUI thread ------------------------------------------------------------------------

    def _undone(self, result) -> None:
        kind, value = result
        if kind == MERGE:
            self.mergeUndone.emit(value)
        else:
            self.trashRestored.emit(value)
