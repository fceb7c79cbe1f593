"""`TrashController`: Delete and Undo for photos, the system trash run on the file pool.

One Delete is one undoable action (TrashService journals it before anything moves). The window
reacts to what the signals say (the rows to drop, what could not move, what came back); whether
Undo is possible is asked on the file pool too, since it reads the trash journal.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from album.ui.tasks import FILES


class TrashController(QObject):
    trashed = Signal(list, dict)  # photo ids moved to the trash, {path: why} of the files that did not move
    trashFailed = Signal(object)  # the exception: nothing was moved
    restored = Signal(list)  # paths put back by an undo
    undoFailed = Signal(object)  # the exception
    undoAvailable = Signal(bool)  # whether a trash action can be put back now

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context

    def trash(self, photo_ids: list[int], paths: list[str]) -> None:
        """Move these photos' files to the system trash as one undoable action."""
        trash, by_path = self._context.trash, dict(zip(paths, photo_ids))

        def done(outcome) -> None:
            self.trashed.emit([by_path[p] for p in outcome.trashed if p in by_path], dict(outcome.failed))

        self._context.tasks.run_task(FILES, lambda: trash.trash(paths), done, self.trashFailed.emit, name="trash")

    def undo(self) -> None:
        """Put the last trash action back (the caller indexes the restored files)."""
        self._context.tasks.run_task(FILES, self._context.trash.undo, self.restored.emit, self.undoFailed.emit,
                                     name="undo")

    def check_undo(self) -> None:
        self._context.tasks.run_task(FILES, self._context.trash.can_undo, self.undoAvailable.emit,
                                     lambda error: self.undoAvailable.emit(False), name="can undo")
