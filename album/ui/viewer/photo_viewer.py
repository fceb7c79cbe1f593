"""The photo viewer: the photo as large as the window allows (upright, whatever its EXIF says),
left/right arrows for the previous/next photo of the grid, details and editable tags; faces
boxed with their names, and a right-click on a face to correct who it is."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication, QDialog, QFormLayout, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget,
)

from album.ui.common import desktop, formatting
from album.ui.common.image_reading import read_photo
from album.ui.viewer.details import PhotoDetails, load_photo_details, name_places
from album.ui.common.tasks import MODEL, SEARCH, THUMBNAILS
from album.ui.viewer.face_menu import FaceDecisions, PhotoFaces, build_face_menu, load_photo_faces
from album.ui.viewer.image_canvas import ImageCanvas
from album.ui.viewer.tag_editor import TagEditor


class PhotoViewer(QDialog):
    similarWanted = Signal(int)
    trashWanted = Signal(int, str)  # photo id, path: Delete or "Move to Trash" on the photo shown
    photoShown = Signal(int)  # the image and details of this photo are on screen

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self.setWindowTitle("Photo")
        self.setModal(False)
        self.resize(1200, 800)
        self._ids: list[int] = []
        self._position = 0
        self._tasks = []
        self._places_named = False
        self.details: PhotoDetails | None = None
        self.canvas = ImageCanvas(self)
        self.photo_faces: PhotoFaces | None = None  # the faces boxed on the canvas, in the same order
        self.canvas.faceMenuWanted.connect(self._face_menu)
        self.face_decisions = FaceDecisions(context, self)
        self.face_decisions.done.connect(lambda: self.photo_id is not None and self._load_faces(self.photo_id))
        self.face_decisions.failed.connect(
            lambda error: QMessageBox.warning(self, "album", f"That face could not be changed: {error}"))
        self.fields = {name: QLabel(self) for name in ("name", "date", "place", "camera", "size", "path")}
        for label in self.fields.values():
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tag_editor = TagEditor(context, self)
        self.tag_editor.tagsEdited.connect(self._tags_edited)
        side = QWidget(self)
        side.setFixedWidth(320)
        form = QFormLayout()
        for title, name in (("Name", "name"), ("Taken", "date"), ("Place", "place"), ("Camera", "camera"),
                            ("Size", "size"), ("Path", "path")):
            form.addRow(title, self.fields[name])
        buttons = QHBoxLayout()
        for text, slot in (("Open in Viewer", self._open_external), ("Show in Folder", self._reveal),
                           ("Find Similar", self._similar), ("Move to Trash", self._trash)):
            button = QPushButton(text, side)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        side_layout = QVBoxLayout(side)
        side_layout.addLayout(form)
        side_layout.addWidget(QLabel("<b>Tags</b>", side))
        side_layout.addWidget(self.tag_editor)
        side_layout.addStretch(1)
        side_layout.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(side)
        for key, step in ((Qt.Key.Key_Left, -1), (Qt.Key.Key_Right, 1), (Qt.Key.Key_Up, -1), (Qt.Key.Key_Down, 1)):
            QShortcut(QKeySequence(key), self, lambda step=step: self.step(step))
        QShortcut(QKeySequence(Qt.Key.Key_Home), self, lambda: self.show_at(0))
        QShortcut(QKeySequence(Qt.Key.Key_End), self, lambda: self.show_at(len(self._ids) - 1))
        # A line edit keeps Delete for its text (it overrides the shortcut); elsewhere it trashes the photo.
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self, self._trash)

    # --- which photo ------------------------------------------------------------------------------

    def show_photos(self, photo_ids: list[int], current: int) -> None:
        """Show `current`, with `photo_ids` (the grid's order) as what the arrows step through."""
        self._ids = photo_ids or [current]
        self.show_at(self._ids.index(current) if current in self._ids else 0)
        self.show()
        self.raise_()
        self.activateWindow()

    @property
    def photo_id(self) -> int | None:
        return self._ids[self._position] if self._ids else None

    def forget_photos(self, photo_ids) -> None:
        """These photos left the library (trash): step past them, or close when none is left."""
        gone = set(photo_ids)
        if not gone.intersection(self._ids):
            return
        current = self.photo_id
        before = sum(1 for pid in self._ids[: self._position] if pid in gone)
        self._ids = [pid for pid in self._ids if pid not in gone]
        if not self._ids:
            self.close()
            return
        if current in gone:
            self.details = None
            self.show_at(self._position - before)  # the next photo takes the trashed one's place
        else:
            self._position = self._ids.index(current)

    def step(self, delta: int) -> None:
        self.show_at(self._position + delta)

    def show_at(self, position: int) -> None:
        if not self._ids:
            return
        self._position = max(0, min(position, len(self._ids) - 1))
        for task in self._tasks:
            task.discard()  # stepping fast: only the photo now on screen matters
        self.canvas.set_image(None)
        self.photo_faces = None
        self._reload_details()

    # --- loading ----------------------------------------------------------------------------------

    def _reload_details(self) -> None:
        library, photo_id = self._context.library, self.photo_id
        self._tasks = [self._context.tasks.run_task(SEARCH, lambda: load_photo_details(library, photo_id),
                                                    self._details_loaded, name="photo details")]

    def _details_loaded(self, details: PhotoDetails | None) -> None:
        if details is None or details.photo_id != self.photo_id:
            return
        new_photo = self.details is None or self.details.photo_id != details.photo_id
        self.details = details
        self._show_details(details)
        if new_photo or self.canvas.image is None:
            screen = (self.screen() or QGuiApplication.primaryScreen()).availableSize()
            ratio = self.devicePixelRatioF()
            box = QSize(round(screen.width() * ratio), round(screen.height() * ratio))
            path, photo_id = details.path, details.photo_id
            self._tasks.append(self._context.tasks.run_task(
                THUMBNAILS, lambda: read_photo(path, box), lambda image: self._image_loaded(photo_id, image),
                lambda error: self._image_failed(photo_id, error), name="photo"))
        if details.gps and not details.place and not self._places_named:
            self._places_named = True  # once per viewer: the gazetteer names every photo at once
            library = self._context.library
            self._context.tasks.run_task(MODEL, lambda: name_places(library), lambda n: n and self._reload_details(),
                                         lambda error: None, name="name places")

    def _image_loaded(self, photo_id: int, image) -> None:
        if photo_id == self.photo_id:
            self.canvas.set_image(image)
            self.photoShown.emit(photo_id)
            self._load_faces(photo_id)

    def _load_faces(self, photo_id: int) -> None:
        library = self._context.library
        self._tasks.append(self._context.tasks.run_task(
            SEARCH, lambda: load_photo_faces(library, photo_id), self._faces_loaded, lambda error: None, name="faces"))

    def _faces_loaded(self, found: PhotoFaces) -> None:
        if found.photo_id == self.photo_id:
            self.photo_faces = found
            self.canvas.set_faces([(face.box, face.name) for face in found.faces])

    def _face_menu(self, index: int, position) -> None:
        found = self.photo_faces
        if found is None or found.photo_id != self.photo_id or index >= len(found.faces):
            return
        decisions = self.face_decisions
        menu = build_face_menu(self, found.faces[index], found.persons, on_not=decisions.not_this_person,
                               on_move=decisions.move, on_new=lambda face_id: decisions.move_to_new_person(face_id, self))
        menu.exec(position)

    def _image_failed(self, photo_id: int, error) -> None:
        if photo_id == self.photo_id:
            self.canvas.set_image(None, f"This photo cannot be shown: {error}")

    def _show_details(self, d: PhotoDetails) -> None:
        self.setWindowTitle(f"{formatting.file_name(d.path)} ({self._position + 1} of {len(self._ids)})")
        date = formatting.date_time(d.taken_at) + formatting.date_source_note(d.taken_at_source)
        place = d.place or (f"{d.gps[0]:.4f}, {d.gps[1]:.4f}" if d.gps else "no location recorded")
        size = f"{d.width} × {d.height}, {formatting.file_size(d.size)}" if d.width else formatting.file_size(d.size)
        values = {"name": formatting.file_name(d.path), "date": date, "place": place, "camera": d.camera or "unknown",
                  "size": f"{size} {d.format or ''}".strip(), "path": formatting.path_text(d.path)}
        for name, value in values.items():
            self.fields[name].setText(value)
        self.tag_editor.show_tags(d.path, d.tags)

    # --- actions ----------------------------------------------------------------------------------

    def _open_external(self) -> None:
        if self.details:
            desktop.open_in_system_viewer(self.details.path)

    def _reveal(self) -> None:
        if self.details:
            desktop.reveal_in_file_manager(self.details.path)

    def _tags_edited(self) -> None:
        self._reload_details()
        self._context.changes.tags()  # a grid filtered by a tag must follow

    def _trash(self) -> None:
        focus = QApplication.focusWidget()
        if focus is not None and self.tag_editor.isAncestorOf(focus):
            return  # Delete in the tag list means the tag, not the photo
        if self.details is not None and self.details.photo_id == self.photo_id:
            self.trashWanted.emit(self.details.photo_id, self.details.path)

    def _similar(self) -> None:
        if self.photo_id is not None:
            self.similarWanted.emit(self.photo_id)
