"""Shows one image as large as the widget allows, aspect kept; scaled once per size, not per paint.
Faces found in it can be boxed, with their person's name; a right-click on a box asks for that
face's menu."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from album.ui.common.image_reading import fitted_size


class ImageCanvas(QWidget):
    faceMenuWanted = Signal(int, QPoint)  # the face's index in `faces`, where (global) the menu goes

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self._image: QImage | None = None
        self._scaled: QPixmap | None = None
        self.message = ""
        self.faces: list[tuple[tuple[float, float, float, float], str | None]] = []  # (box fractions, name)

    def set_faces(self, faces: list[tuple[tuple[float, float, float, float], str | None]]) -> None:
        self.faces = list(faces)
        self.update()

    def set_image(self, image: QImage | None, message: str = "") -> None:
        if image is None:
            self.faces = []
        self._image = image
        self._scaled = None
        self.message = message
        self.update()

    @property
    def image(self) -> QImage | None:
        return self._image

    def image_rect(self) -> QRect:
        """Where the image is drawn, in this widget's coordinates: shrunk to fit (never enlarged), centred."""
        if self._image is None or self._image.isNull():
            return QRect()
        ratio = self.devicePixelRatioF()
        size = fitted_size(self._image.size(), QSize(round(self.width() * ratio), round(self.height() * ratio)))
        target = QRect(0, 0, max(1, round(size.width() / ratio)), max(1, round(size.height() / ratio)))
        target.moveCenter(self.rect().center())
        return target

    def face_rect(self, index: int, target: QRect | None = None) -> QRectF:
        left, top, right, bottom = self.faces[index][0]
        target = self.image_rect() if target is None else target
        return QRectF(target.x() + left * target.width(), target.y() + top * target.height(),
                      (right - left) * target.width(), (bottom - top) * target.height())

    def face_at(self, point: QPoint) -> int | None:
        """The face whose box holds the point (the smallest, where boxes overlap), or None."""
        target = self.image_rect()
        hits = [(self.face_rect(i, target), i) for i in range(len(self.faces))]
        hits = [(r.width() * r.height(), i) for r, i in hits if r.contains(point.toPointF())]
        return min(hits)[1] if hits else None

    def contextMenuEvent(self, event) -> None:
        index = self.face_at(event.pos())
        if index is None:
            event.ignore()
            return
        event.accept()
        self.faceMenuWanted.emit(index, event.globalPos())

    def sizeHint(self) -> QSize:
        return QSize(960, 720)

    def resizeEvent(self, event) -> None:
        self._scaled = None
        super().resizeEvent(event)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window).darker(115))
        if self._image is None or self._image.isNull():
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message or "Loading…")
            return
        ratio = self.devicePixelRatioF()
        if self._scaled is None:
            size = fitted_size(self._image.size(), QSize(round(self.width() * ratio), round(self.height() * ratio)))
            self._scaled = QPixmap.fromImage(self._image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                                                Qt.TransformationMode.SmoothTransformation))
            self._scaled.setDevicePixelRatio(ratio)
        target = self.image_rect()  # the same rectangle a right-click on a face is measured in
        painter.drawPixmap(target, self._scaled)
        self._paint_faces(painter, target)

    def _paint_faces(self, painter: QPainter, target: QRect) -> None:
        painter.setPen(QPen(QColor(255, 214, 0), 2))
        for index, (_, name) in enumerate(self.faces):
            box = self.face_rect(index, target)
            painter.drawRect(box)
            if name:
                label = QRectF(box.left(), box.bottom() + 2, max(box.width(), 120), 20)
                painter.fillRect(label, QColor(0, 0, 0, 160))
                painter.drawText(label, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f" {name}")
