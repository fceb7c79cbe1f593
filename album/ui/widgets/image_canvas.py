"""Shows one image as large as the widget allows, aspect kept; scaled once per size, not per paint.
Faces found in it can be boxed, with their person's name."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget


class ImageCanvas(QWidget):
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
            box = QSize(round(self.width() * ratio), round(self.height() * ratio))
            size = self._image.size()
            if size.width() > box.width() or size.height() > box.height():
                size = size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio)
            self._scaled = QPixmap.fromImage(self._image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                                                Qt.TransformationMode.SmoothTransformation))
            self._scaled.setDevicePixelRatio(ratio)
        logical = self._scaled.deviceIndependentSize().toSize()
        target = QRect(0, 0, logical.width(), logical.height())
        target.moveCenter(self.rect().center())
        painter.drawPixmap(target, self._scaled)
        self._paint_faces(painter, target)

    def _paint_faces(self, painter: QPainter, target: QRect) -> None:
        painter.setPen(QPen(QColor(255, 214, 0), 2))
        for (left, top, right, bottom), name in self.faces:
            box = QRectF(target.x() + left * target.width(), target.y() + top * target.height(),
                         (right - left) * target.width(), (bottom - top) * target.height())
            painter.drawRect(box)
            if name:
                label = QRectF(box.left(), box.bottom() + 2, max(box.width(), 120), 20)
                painter.fillRect(label, QColor(0, 0, 0, 160))
                painter.drawText(label, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f" {name}")
