"""Moving photos to the system trash from the grid or the viewer, and putting them back (Undo).

Over the library's `TrashService`, as the UI calls it, on the file pool. A file that cannot be
trashed does not stop the others: the outcome says which went and which did not, so the grid
takes out exactly the photos that left the library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class TrashUndone:
    """What Undo put back, and what it could not."""

    restored: list[Path]
    skipped: list = field(default_factory=list)  # later TrashActions passed over: none of their files is in the trash
    gone: tuple[str, ...] = ()  # files of the move put back that are no longer in the trash


@dataclass(frozen=True)
class TrashOutcome:
    action_id: str | None  # what Undo puts back; None when nothing moved
    trashed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # path → why it stayed


class PhotoTrash:
    def __init__(self, library):
        self._library = library

    def trash(self, paths: list[str]) -> TrashOutcome:
        """Move these files to the trash as one undoable action (file pool)."""
        from album.services.trash import TrashFailed

        try:
            action_id = self._library.trash.trash(paths)
        except TrashFailed as error:
            return TrashOutcome(error.action_id, [p for p in map(str, paths) if p not in error.failed], dict(error.failed))
        return TrashOutcome(action_id, [str(p) for p in paths])

    def undo(self, action_id: str | None = None) -> list[Path]:
        """Put the action's files back (None: the latest); returns them for indexing (file pool)."""
        return [Path(p) for p in self._library.trash.undo(action_id)]

    def undo_next(self) -> TrashUndone:
        """Put back the newest move to the trash that has something to put back, passing over the
        later ones whose files are all gone from the trash (file pool). NothingToUndo when none."""
        action, skipped = self._library.trash.next_undoable()
        restored = self._library.trash.undo(action.action_id if action else None)
        return TrashUndone([Path(p) for p in restored], skipped, action.gone if action else ())

    def last_undoable(self) -> datetime | None:
        """When the move `undo_next()` puts back was made, or None: nothing can come back (file pool)."""
        action, _ = self._library.trash.next_undoable()
        return action.trashed_at if action else None
