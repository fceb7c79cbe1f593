"""`PhotoGridView`: the virtualised thumbnail grid over a PhotoListModel, in month sections.

Why a QAbstractItemView of our own and not QListView: a month must start on a new line under a
full-width header, the way photo apps show a timeline. QListView cannot do that fast: its icon
mode lays out uniform cells only (a header would be a photo-sized cell, or padding rows in the
model that every action and the viewer would have to skip), and with mixed item sizes it asks
the delegate for every row's size on each layout (100,000 Python calls per reset or resize).
Here the layout is arithmetic over sections (album.ui.common.grid_geometry): O(months) per reset or
resize, O(log months) per lookup, and only the visible cells are painted. Headers are not rows,
so selection, the keyboard, actions and the viewer see photos only.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QRegion
from PySide6.QtWidgets import QAbstractItemView, QRubberBand, QStyle, QStyleOptionRubberBand, QStyleOptionViewItem

from album.ui.common.grid_geometry import GridGeometry
from album.ui.library.photo_list_model import PhotoListModel
from album.ui.library.photo_delegate import PhotoDelegate, header_height, paint_header

CELL = QSize(180, 180)  # the target size; cells stretch a little so the columns fill the width
THUMBNAIL_BOX = QSize(224, 224)  # decoded size: sharp up to the widest stretched cell

_Move = QAbstractItemView.CursorAction


class PhotoGridView(QAbstractItemView):
    photoActivated = Signal(int)  # photo id: double-click or Enter
    contextMenuWanted = Signal(list, QPoint)  # selected photo ids, global position

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cells = GridGeometry([], 1, CELL.width(), 0)  # before any setter below calls back into us
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verticalScrollBar().setSingleStep(CELL.height() // 3)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setItemDelegate(PhotoDelegate(CELL, self))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.activated.connect(lambda index: self.photoActivated.emit(self.model().photo_id(index.row())))
        self._band: QRect | None = None  # the rubber band, in content coordinates
        self._band_from: QPoint | None = None
        self._kept_selection: list[int] = []
        self._kept_top: int | None = None
        self._kept_current: int | None = None

    def setModel(self, model: PhotoListModel) -> None:
        old = self.model()
        if old is not None:
            old.modelAboutToBeReset.disconnect(self._remember_place)
            old.modelReset.disconnect(self._restore_place)
            old.rowsRemoved.disconnect(self.scheduleDelayedItemsLayout)
            old.rowsInserted.disconnect(self.scheduleDelayedItemsLayout)
            old.thumbnailsArrived.disconnect(self.viewport().update)
        super().setModel(model)
        model.modelAboutToBeReset.connect(self._remember_place)
        model.modelReset.connect(self._restore_place)
        # Rows leave one by one (the trash): one layout once they are gone, not one per row.
        model.rowsRemoved.connect(self.scheduleDelayedItemsLayout)
        model.rowsInserted.connect(self.scheduleDelayedItemsLayout)
        model.thumbnailsArrived.connect(self.viewport().update)  # repaints only what is visible
        self._relayout()

    # --- layout -----------------------------------------------------------------------------------

    def _relayout(self, *_) -> None:
        """As many ~CELL-wide columns as fit, stretched to fill the width; the model's sections."""
        width = self.viewport().width()
        columns = max(1, round(width / CELL.width()))
        side = max(96, width // columns)
        self.itemDelegate().cell = QSize(side, side)
        sections = self.model().sections() if self.model() is not None else []
        self.cells = GridGeometry(sections, columns, side, header_height(self.font()))
        self.updateGeometries()
        self.viewport().update()

    def doItemsLayout(self) -> None:
        super().doItemsLayout()
        self._relayout()

    def updateGeometries(self) -> None:
        bar = self.verticalScrollBar()
        bar.setPageStep(self.viewport().height())
        bar.setRange(0, max(0, self.cells.height - self.viewport().height()))
        super().updateGeometries()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        top = self.top_photo_id()
        self._relayout()
        if top is not None and self.verticalScrollBar().value() > 0:
            self._scroll_to_row(self.model().row_of(top))

    # --- the QAbstractItemView interface ----------------------------------------------------------

    def visualRect(self, index: QModelIndex) -> QRect:
        if not index.isValid() or index.row() >= self._row_count():
            return QRect()
        x, y = self.cells.cell(index.row())
        return QRect(x, y - self.verticalOffset(), self.cells.side, self.cells.side)

    def indexAt(self, point: QPoint) -> QModelIndex:
        pinned = self.cells.pinned_header(self.verticalOffset())
        if pinned is not None and point.y() < pinned[0] + self.cells.header_height:
            return QModelIndex()  # the month's header kept at the top covers the photos under it
        row = self.cells.row_at(point.x(), point.y() + self.verticalOffset())
        return self.model().index(row, 0) if row is not None and row < self._row_count() else QModelIndex()

    def scrollTo(self, index: QModelIndex, hint=QAbstractItemView.ScrollHint.EnsureVisible) -> None:
        if not index.isValid():
            return
        cells, row = self.cells, index.row()
        _, y = cells.cell(row)
        bottom = y + cells.side
        section = cells.sections[cells.section_of_row(row)]
        if section.title:
            # A section's first line comes with its header; a later line keeps clear of the
            # header pinned at the top (pinned_header), which would cover its top otherwise.
            y -= cells.header_height
        bar, height = self.verticalScrollBar(), self.viewport().height()
        if hint == QAbstractItemView.ScrollHint.PositionAtTop:
            bar.setValue(y)
        elif hint == QAbstractItemView.ScrollHint.PositionAtBottom:
            bar.setValue(bottom - height)
        elif hint == QAbstractItemView.ScrollHint.PositionAtCenter:
            bar.setValue((y + bottom - height) // 2)
        elif y < bar.value():
            bar.setValue(y)
        elif bottom > bar.value() + height:
            bar.setValue(bottom - height)

    def moveCursor(self, action, modifiers) -> QModelIndex:
        count = self._row_count()
        if not count:
            return QModelIndex()
        current = self.currentIndex()
        if not current.isValid():
            return self.model().index(0, 0)
        row, cells = current.row(), self.cells
        if action in (_Move.MoveLeft, _Move.MovePrevious):
            row = max(0, row - 1)
        elif action in (_Move.MoveRight, _Move.MoveNext):
            row = min(count - 1, row + 1)
        elif action == _Move.MoveUp:
            row = cells.row_above(row)
        elif action == _Move.MoveDown:
            row = cells.row_below(row)
        elif action == _Move.MoveHome:
            row = 0
        elif action == _Move.MoveEnd:
            row = count - 1
        elif action in (_Move.MovePageUp, _Move.MovePageDown):
            x, y = cells.cell(row)
            page = self.viewport().height() * (1 if action == _Move.MovePageDown else -1)
            row = cells.row_near(x, y + page)
        return self.model().index(row, 0)

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def isIndexHidden(self, index: QModelIndex) -> bool:
        return False

    def setSelection(self, rect: QRect, command) -> None:
        """A rubber band selects the cells it covers; Shift+click and Shift+arrows (a rectangle from
        where the selection started to the new place) select every photo between, in order."""
        offset, model, cells = self.verticalOffset(), self.model(), self.cells
        selection = QItemSelection()
        if self.state() == QAbstractItemView.State.DragSelectingState:
            area = rect.normalized().translated(0, offset)
            runs = cells.rows_in(area.left(), area.top(), area.right(), area.bottom())
        else:
            ends = [cells.row_near(point.x(), point.y() + offset) for point in (rect.topLeft(), rect.bottomRight())]
            runs = [] if None in ends else [(min(ends), max(ends))]
        for first, last in runs:
            selection.select(model.index(first, 0), model.index(last, 0))
        self.selectionModel().select(selection, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        region = QRegion()
        visible = self._visible_runs()
        if not visible:
            return region
        low, high = visible[0][0], visible[-1][1]
        for selected in selection:  # only the visible part of each range: 'select all' may span 100,000
            for row in range(max(selected.top(), low), min(selected.bottom(), high) + 1):
                region += self.visualRect(self.model().index(row, 0))
        return region

    def selectedIndexes(self) -> list:
        return self.selectionModel().selectedIndexes() if self.selectionModel() else []

    # --- painting ---------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self.viewport())
        area, offset = event.rect(), self.verticalOffset()
        top, bottom = area.top() + offset, area.bottom() + offset
        palette, width = self.palette(), self.viewport().width()
        for y, section in self.cells.headers_in(top, bottom):
            paint_header(painter, QRect(0, y - offset, width, self.cells.header_height), section.title,
                         section.count, palette)
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        model, selection, delegate = self.model(), self.selectionModel(), self.itemDelegate()
        current, focused = self.currentIndex(), self.hasFocus()
        base_state, count = option.state | QStyle.StateFlag.State_Enabled, self._row_count()
        for first, last in self.cells.rows_in(area.left(), top, area.right(), bottom):
            for row in range(first, min(last, count - 1) + 1):  # rows just removed: laid out again soon
                index = model.index(row, 0)
                option.rect = self.visualRect(index)
                state = base_state
                if selection.isSelected(index):
                    state |= QStyle.StateFlag.State_Selected
                if focused and index == current:
                    state |= QStyle.StateFlag.State_HasFocus
                option.state = state
                delegate.paint(painter, option, index)
        pinned = self.cells.pinned_header(offset)
        if pinned is not None:
            y, section = pinned
            rect = QRect(0, y, width, self.cells.header_height)
            painter.fillRect(rect, self.viewport().palette().color(self.viewport().backgroundRole()))
            paint_header(painter, rect, section.title, section.count, palette)
        if self._band is not None:
            band = QStyleOptionRubberBand()
            band.initFrom(self)
            band.shape = QRubberBand.Shape.Rectangle
            band.opaque = False
            band.rect = self._band.translated(0, -offset)
            self.style().drawControl(QStyle.ControlElement.CE_RubberBand, band, painter, self)
        painter.end()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if dy and self.cells.titled:
            self.viewport().update()  # the pinned header stays put: a scroll's blit would move it

    def _visible_runs(self) -> list[tuple[int, int]]:
        offset = self.verticalOffset()
        return self.cells.rows_in(0, offset, self.viewport().width(), offset + self.viewport().height())

    def _row_count(self) -> int:
        return self.model().rowCount() if self.model() is not None else 0

    # --- the rubber band (QAbstractItemView selects by it; it draws none) -------------------------

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        self._band_from = event.position().toPoint() + QPoint(0, self.verticalOffset())

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        if self._band_from is not None and self.state() == QAbstractItemView.State.DragSelectingState:
            self._band = QRect(self._band_from, event.position().toPoint() + QPoint(0, self.verticalOffset())).normalized()
            self.viewport().update()

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self._band is not None:
            self.viewport().update()
        self._band = self._band_from = None

    # --- what is selected -------------------------------------------------------------------------

    def selected_photo_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        model = self.model()
        return [model.photo_id(row) for row in rows]

    def current_photo_id(self) -> int | None:
        index = self.currentIndex()
        return self.model().photo_id(index.row()) if index.isValid() else None

    def select_photo(self, photo_id: int) -> None:
        row = self.model().row_of(photo_id)
        if row is not None:
            index = self.model().index(row, 0)
            self.setCurrentIndex(index)
            self.scrollTo(index)

    def top_photo_id(self) -> int | None:
        """The first photo whose cell shows at the top of the viewport."""
        runs = self._visible_runs()
        return self.model().photo_id(runs[0][0]) if runs else None

    # --- keeping the user's place across model resets ---------------------------------------------

    def _remember_place(self) -> None:
        self._kept_selection = self.selected_photo_ids() if self.selectionModel() else []
        self._kept_current = self.current_photo_id()
        self._kept_top = self.top_photo_id() if self.verticalScrollBar().value() > 0 else None

    def _restore_place(self) -> None:
        self._relayout()
        model = self.model()
        selection = QItemSelection()
        for photo_id in self._kept_selection:
            row = model.row_of(photo_id)
            if row is not None:
                selection.select(model.index(row, 0), model.index(row, 0))
        if not selection.isEmpty():
            self.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if self._kept_current is not None and (row := model.row_of(self._kept_current)) is not None:
            self.selectionModel().setCurrentIndex(model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        if self._kept_top is not None:
            self._scroll_to_row(model.row_of(self._kept_top))

    def _scroll_to_row(self, row: int | None) -> None:
        """The line holding `row` at the top (the layout is arithmetic: no waiting for it)."""
        if row is not None:
            self.verticalScrollBar().setValue(self.cells.cell(row)[1])

    def start_at_top(self) -> None:
        """Show the new rows from the first one, not at the place kept from the previous rows."""
        self.scrollToTop()
        if self.model() is not None and self.model().rowCount():
            self.selectionModel().setCurrentIndex(self.model().index(0, 0),
                                                  QItemSelectionModel.SelectionFlag.NoUpdate)

    def _context_menu(self, position: QPoint) -> None:
        index = self.indexAt(position)
        if not index.isValid():
            return
        if not self.selectionModel().isSelected(index):
            self.setCurrentIndex(index)
        self.contextMenuWanted.emit(self.selected_photo_ids(), self.viewport().mapToGlobal(position))
