"""`LibraryChanges`: one place where the GUI says "the library changed", so every view can show it.

Edits happen in many widgets (a tag in the viewer, an album in the sidebar, the trash, a saved
label) while other views show the same photos: a grid filtered by a tag, an open album, the
photo count. Whoever changes the library emits here; the main window refreshes what is on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

PHOTOS, TAGS, ALBUMS, PEOPLE = "photos", "tags", "albums", "people"


class LibraryChanges(QObject):
    changed = Signal(str)  # PHOTOS (added, trashed, put back), TAGS, ALBUMS or PEOPLE (names, merges, faces moved)
    personsMerged = Signal(int, list)  # into this person id, these ids (gone now): a person filter follows
    personsRestored = Signal(list)  # these ids are back (a merge undone): a filter on them stays theirs

    def photos(self) -> None:
        self.changed.emit(PHOTOS)

    def tags(self) -> None:
        self.changed.emit(TAGS)

    def albums(self) -> None:
        self.changed.emit(ALBUMS)

    def people(self, merged_into: int | None = None, merged: list[int] | None = None,
               restored: list[int] | None = None) -> None:
        if merged_into is not None and merged:
            self.personsMerged.emit(merged_into, list(merged))
        if restored:
            self.personsRestored.emit(list(restored))
        self.changed.emit(PEOPLE)
