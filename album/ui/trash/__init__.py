"""Delete: photos to the system trash from the grid or the viewer, and back.

- `controller.py`: `TrashController` (Delete, run on the file pool)
- `adapter.py`: `PhotoTrash`, over `Library.trash` (Edit ▸ Undo is `window/undo.py`'s)
"""
