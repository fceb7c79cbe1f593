"""Paints one grid cell (the thumbnail centred in a square, a placeholder while it loads, the
selection) and a section's full-width header line ('March 2019  23 photos')."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from album.ui.common import formatting

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
            size = size.expandedTo(QSize(1, 1))  # a 1 x 320 thumbnail stays a line, not nothing
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(rect.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(target, pixmap)
        else:
            # Loading, or no thumbnail: a quiet square in the palette's colours (light or dark).
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Midlight if model.is_loading(row) else QPalette.ColorRole.Mid))
            painter.drawRoundedRect(QRectF(rect.adjusted(6, 6, -6, -6)), 4, 4)

        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight).lighter(130))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(option.rect.adjusted(1, 1, -2, -2)), 6, 6)
        painter.restore()


def header_height(font: QFont) -> int:
    """A header line's height: the title's bold, larger line with room above (a break between months)."""
    return QFontMetrics(_title_font(font)).height() * 2 + 8


def paint_header(painter: QPainter, rect: QRect, title: str, count: int, palette: QPalette) -> None:
    """'March 2019' in bold with its photo count after it, on the line's lower part, left-aligned with the photos."""
    painter.save()
    text_rect = rect.adjusted(PADDING + 4, rect.height() // 3, -PADDING, 0)
    title_font = _title_font(painter.font())
    painter.setFont(title_font)
    painter.setPen(palette.color(QPalette.ColorRole.WindowText))
    painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
    after = QFontMetrics(title_font).horizontalAdvance(title) + 12
    count_font = QFont(painter.font())
    count_font.setBold(False)
    count_font.setPointSizeF(max(1.0, title_font.pointSizeF() * 0.8))
    painter.setFont(count_font)
    painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
    painter.drawText(text_rect.adjusted(after, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                     formatting.count(count, "photo"))
    painter.restore()


def _title_font(font: QFont) -> QFont:
    title = QFont(font)
    title.setBold(True)
    if title.pointSizeF() > 0:
        title.setPointSizeF(title.pointSizeF() * 1.25)
    return title
