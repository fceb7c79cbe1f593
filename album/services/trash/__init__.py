"""The trash: photos moved to the operating system's trash, journalled so that an action can be undone.

- `service.py`: `TrashService` (resolve duplicates, delete, undo, give back what only the user
  gave a photo: manual tags, album places)
- `os_trash.py`: finding a file in the system trash to put it back
- `after_index.py`: photos read again after an undo get back their manual tags and albums
"""

from album.services.trash.after_index import RestoreUserState
from album.services.trash.service import NothingToUndo, RestoreConflict, RestoreFailed, TrashFailed, TrashService

__all__ = ["NothingToUndo", "RestoreConflict", "RestoreFailed", "RestoreUserState", "TrashFailed", "TrashService"]
