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

    def last_undoable(self) -> datetime | None:
        """When the action `undo()` would put back was made, or None: nothing left in the trash (file pool)."""
        action = next((a for a in self._library.trash.actions() if a["in_trash"]), None)
        return datetime.fromisoformat(action["trashed_at"]) if action else None
