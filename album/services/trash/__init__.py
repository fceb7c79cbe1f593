"""The trash: photos moved to the operating system's trash, journalled so that an action can be undone.

- `service.py`: `TrashService` (resolve duplicates, delete, undo, give back what only the user
  gave a photo: manual tags, album places)
- `os_trash.py`: finding a file in the system trash to put it back
"""

from album.services.trash.service import NothingToUndo, RestoreConflict, RestoreFailed, TrashFailed, TrashService

__all__ = ["NothingToUndo", "RestoreConflict", "RestoreFailed", "TrashFailed", "TrashService"]
