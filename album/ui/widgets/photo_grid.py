"""`PhotoGridView`: the virtualised thumbnail grid (a QListView in icon mode over a PhotoListModel).

Uniform item sizes let Qt lay out 100,000 cells arithmetically and paint only the visible
ones; thumbnails come in lazily through the model. When the model is reset (the library was
re-read while indexing, a new search), the view keeps the selection and the photo at the top.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView

from album.ui.models.photo_list_model import PhotoListModel
from album.ui.widgets.photo_delegate import PhotoDelegate

CELL = QSize(180, 180)  # the target size; cells stretch a little so the columns fill the width
THUMBNAIL_BOX = QSize(224, 224)  # decoded size: sharp up to the widest stretched cell


class PhotoGridView(QListView):
    photoActivated = Signal(int)  # photo id: double-click or Enter
    contextMenuWanted = Signal(list, QPoint)  # selected photo ids, global position

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        # Batched: after a model reset Qt lays the cells out a few thousand at a time between
        # events, instead of 100,000 in one go (a 0.4 s freeze, measured in bench/gui.py).
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(2000)
        self.setGridSize(CELL)
        self.setSpacing(0)
        self.setWrapping(True)
        self.setWordWrap(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(CELL.height() // 3)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setItemDelegate(PhotoDelegate(CELL, self))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.activated.connect(lambda index: self.photoActivated.emit(self.model().photo_id(index.row())))
        self._kept_selection: list[int] = []
        self._kept_top: int | None = None
        self._kept_current: int | None = None
        self._pending_scroll: int | None = None  # where to scroll once the batched layout gets there
        self.verticalScrollBar().rangeChanged.connect(self._apply_pending_scroll)

    def setModel(self, model: PhotoListModel) -> None:
        old = self.model()
        if old is not None:
            old.modelAboutToBeReset.disconnect(self._remember_place)
            old.modelReset.disconnect(self._restore_place)
            old.thumbnailsArrived.disconnect(self.viewport().update)
        super().setModel(model)
        model.modelAboutToBeReset.connect(self._remember_place)
        model.modelReset.connect(self._restore_place)
        model.thumbnailsArrived.connect(self.viewport().update)  # repaints only what is visible

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
            index = self.model().index(row)
            self.setCurrentIndex(index)
            self.scrollTo(index)

    def top_photo_id(self) -> int | None:
        index = self.indexAt(QPoint(CELL.width() // 2, CELL.height() // 2))
        return self.model().photo_id(index.row()) if index.isValid() else None

    # --- keeping the user's place across model resets ---------------------------------------------

    def _remember_place(self) -> None:
        self._kept_selection = self.selected_photo_ids() if self.selectionModel() else []
        self._kept_current = self.current_photo_id()
        self._kept_top = self.top_photo_id() if self.verticalScrollBar().value() > 0 else None

    def _restore_place(self) -> None:
        model = self.model()
        selection = QItemSelection()
        for photo_id in self._kept_selection:
            row = model.row_of(photo_id)
            if row is not None:
                selection.select(model.index(row), model.index(row))
        if not selection.isEmpty():
            self.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if self._kept_current is not None and (row := model.row_of(self._kept_current)) is not None:
            self.selectionModel().setCurrentIndex(model.index(row), QItemSelectionModel.SelectionFlag.NoUpdate)
        self._pending_scroll = None
        if self._kept_top is not None and (row := model.row_of(self._kept_top)) is not None:
            # The layout is still being built in batches: compute where that row's line will be
            # (all cells have one size) and scroll there once the scroll range reaches it.
            columns = max(1, self.viewport().width() // self.gridSize().width())
            self._pending_scroll = (row // columns) * self.gridSize().height()
            self._apply_pending_scroll()

    def start_at_top(self) -> None:
        """Show the new rows from the first one, not at the place kept from the previous rows."""
        self._pending_scroll = None
        self.scrollToTop()
        if self.model() is not None and self.model().rowCount():
            self.selectionModel().setCurrentIndex(self.model().index(0),
                                                  QItemSelectionModel.SelectionFlag.NoUpdate)

    def _apply_pending_scroll(self, *_) -> None:
        bar = self.verticalScrollBar()
        if self._pending_scroll is not None and bar.maximum() >= self._pending_scroll:
            bar.setValue(self._pending_scroll)
            self._pending_scroll = None

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # As many ~CELL-wide columns as fit, stretched to fill the width: no ragged gap at the right.
        width = self.viewport().width()
        columns = max(1, round(width / CELL.width()))
        side = max(96, width // columns)
        if self.gridSize().width() != side:
            self.setGridSize(QSize(side, side))
            self.itemDelegate().cell = QSize(side, side)

    def _context_menu(self, position: QPoint) -> None:
        index = self.indexAt(position)
        if not index.isValid():
            return
        if not self.selectionModel().isSelected(index):
            self.setCurrentIndex(index)
        self.contextMenuWanted.emit(self.selected_photo_ids(), self.viewport().mapToGlobal(position))
