"""A face's menu in the photo viewer: "Not Anna" (the face leaves its person for good) and
"Move To" another person or a new one.

The decisions are the people service's, the same calls as `album people remove-face`: stored by
the photo's content and the face's box, so a rescan, a re-index or a regroup keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from album.ui.search.filter_choices import person_choices
from album.ui.common.tasks import FILES

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class FaceInPhoto:
    face_id: int
    box: Box  # fractions of the image
    person_id: int | None
    name: str | None  # the person's name; None when unnamed or in no person


@dataclass(frozen=True)
class PhotoFaces:
    """A photo's faces and the persons a face can be moved to (built off the GUI thread)."""

    photo_id: int
    faces: list[FaceInPhoto]
    persons: list[tuple[int, str]]  # (person id, label), as the search filter offers them


def load_photo_faces(library, photo_id: int) -> PhotoFaces:
    people = library.people
    faces = [FaceInPhoto(f.id, f.box, f.person_id, name) for f, name in people.faces_in(photo_id)]
    return PhotoFaces(photo_id, faces, person_choices(people.people()) if faces else [])


def build_face_menu(parent: QWidget, face: FaceInPhoto, persons: list[tuple[int, str]], *,
                    on_not, on_move, on_new) -> QMenu:
    """`on_not(face_id)`, `on_move(face_id, person_id)`, `on_new(face_id)`."""
    menu = QMenu(parent)
    if face.person_id is not None:
        menu.addAction(f"Not {face.name}" if face.name else "Not This Person", lambda: on_not(face.face_id))
    move = menu.addMenu("Move To" if face.person_id is not None else "This Is")
    for person_id, label in persons:
        if person_id != face.person_id:
            move.addAction(label, lambda person_id=person_id: on_move(face.face_id, person_id))
    if not move.isEmpty():
        move.addSeparator()
    move.addAction("New Person…", lambda: on_new(face.face_id))
    return menu


class FaceDecisions(QObject):
    """Runs a face decision on the files pool (the one writer) and says when it is stored."""

    done = Signal()
    failed = Signal(object)  # the exception

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context

    def not_this_person(self, face_id: int) -> None:
        people = self._context.library.people
        self._write(lambda: people.not_this_person(face_id))

    def move(self, face_id: int, person_id: int) -> None:
        people = self._context.library.people
        self._write(lambda: people.move_face(face_id, person_id))

    def move_to_new_person(self, face_id: int, parent: QWidget) -> None:
        name, ok = QInputDialog.getText(parent, "New Person", "Who is this?")
        if ok and name.strip():
            people = self._context.library.people
            self._write(lambda: people.move_face_to_new_person(face_id, name))

    def _write(self, func) -> None:
        self._context.tasks.run_task(FILES, func, lambda _: self._stored(), self.failed.emit, name="face decision")

    def _stored(self) -> None:
        if self._context.changes is not None:
            self._context.changes.people()  # People, the search filter and results on screen follow
        self.done.emit()
