"""`TrashController`: Delete for photos, the system trash run on the file pool.

One Delete is one undoable action (TrashService journals it before anything moves); Edit ▸ Undo
puts it back through `UndoController` (window/undo.py). The window reacts to what the signals
say: the rows to drop, and what could not move.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from album.ui.common.tasks import FILES


class TrashController(QObject):
    trashed = Signal(list, dict)  # photo ids moved to the trash, {path: why} of the files that did not move
    trashFailed = Signal(object)  # the exception: nothing was moved

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context

    def trash(self, photo_ids: list[int], paths: list[str]) -> None:
        """Move these photos' files to the system trash as one undoable action."""
        trash, by_path = self._context.trash, dict(zip(paths, photo_ids))

        def done(outcome) -> None:
            self.trashed.emit([by_path[p] for p in outcome.trashed if p in by_path], dict(outcome.failed))

        self._context.tasks.run_task(FILES, lambda: trash.trash(paths), done, self.trashFailed.emit, name="trash")
