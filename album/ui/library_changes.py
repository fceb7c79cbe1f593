"""`LibraryChanges`: one place where the GUI says "the library changed", so every view can show it.

Edits happen in many widgets (a tag in the viewer, an album in the sidebar, the trash, a saved
label) while other views show the same photos: a grid filtered by a tag, an open album, the
photo count. Whoever changes the library emits here; the main window refreshes what is on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

PHOTOS, TAGS, ALBUMS = "photos", "tags", "albums"


class LibraryChanges(QObject):
    changed = Signal(str)  # PHOTOS (added, trashed, put back), TAGS or ALBUMS

    def photos(self) -> None:
        self.changed.emit(PHOTOS)

    def tags(self) -> None:
        self.changed.emit(TAGS)

    def albums(self) -> None:
        self.changed.emit(ALBUMS)
