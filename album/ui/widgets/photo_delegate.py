"""Paints one grid cell: the thumbnail centred in a square, a placeholder while it loads, the
selection, and a month label on the first photo of each month when the grid is grouped by date."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem


PADDING = 4


class PhotoDelegate(QStyledItemDelegate):
    def __init__(self, cell: QSize, parent=None):
        super().__init__(parent)
        self.cell = cell

    def sizeHint(self, option, index) -> QSize:
        return self.cell

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        palette = option.palette
        rect: QRect = option.rect.adjusted(PADDING, PADDING, -PADDING, -PADDING)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(QRectF(option.rect.adjusted(1, 1, -1, -1)), 6, 6)

        model, row = index.model(), index.row()  # the PhotoListModel: read it directly, not via data()
        pixmap = model.thumbnail(row)
        if pixmap is not None and not pixmap.isNull():
            size = pixmap.deviceIndependentSize().toSize().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(rect.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(target, pixmap)
        else:
            # Loading, or no thumbnail: a quiet square in the palette's colours (light or dark).
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Midlight if model.is_loading(row) else QPalette.ColorRole.Mid))
            painter.drawRoundedRect(QRectF(rect.adjusted(6, 6, -6, -6)), 4, 4)

        group = model.group_label(row)
        if group:
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
            metrics = painter.fontMetrics()
            badge = QRect(rect.left(), rect.top(), metrics.horizontalAdvance(group) + 12, metrics.height() + 4)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 160))
            painter.drawRoundedRect(QRectF(badge), 4, 4)
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, group)

        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight).lighter(130))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(option.rect.adjusted(1, 1, -2, -2)), 6, 6)
        painter.restore()
