"""`PhotoListModel`: the photos a grid shows (the library, search results, an album), one row each.

It holds plain columns (`PhotoRows`) built off the GUI thread and answers the view's questions
in O(1): the thumbnail comes from the `ThumbnailLoader` (a placeholder until it is decoded),
the tooltip says the score and why a search result matched. Nothing here touches the database.
Month headers are not rows: the model names its sections (`sections()`) and the view draws them,
so every row is a photo for selection, actions and the viewer.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal

from album.ui.common import formatting
from album.ui.common.desktop import file_url
from album.ui.common.grid_geometry import Section
from album.ui.common.photo_rows import PhotoRows

PhotoIdRole = Qt.ItemDataRole.UserRole + 1
PathRole = Qt.ItemDataRole.UserRole + 2
ScoreRole = Qt.ItemDataRole.UserRole + 3
ContentHashRole = Qt.ItemDataRole.UserRole + 5
TakenRole = Qt.ItemDataRole.UserRole + 6
LoadingRole = Qt.ItemDataRole.UserRole + 7  # True while the thumbnail is being decoded

_Index = QModelIndex | QPersistentModelIndex


class PhotoListModel(QAbstractListModel):
    thumbnailsArrived = Signal()  # some rows' thumbnails can now be painted

    def __init__(self, thumbnails=None, parent=None):
        """`thumbnails`: a ThumbnailLoader (or anything with `pixmap(hash)` and a `loaded` signal)."""
        super().__init__(parent)
        self._rows = PhotoRows()
        self._row_of_id: dict[int, int] | None = None
        self._sections: list[Section] | None = None
        self._thumbnails = thumbnails
        if thumbnails is not None:
            thumbnails.loaded.connect(self._thumbnails_loaded)

    # --- contents -------------------------------------------------------------------------------

    def set_rows(self, rows: PhotoRows) -> None:
        self.beginResetModel()
        self._rows = rows
        self._row_of_id = None
        self._sections = None
        self.endResetModel()

    @property
    def rows(self) -> PhotoRows:
        return self._rows

    def photo_id(self, row: int) -> int:
        return self._rows.ids[row]

    def path(self, row: int) -> str:
        return self._rows.paths[row]

    def row_of(self, photo_id: int) -> int | None:
        if self._row_of_id is None:  # built on first use: most models are never asked
            self._row_of_id = {pid: row for row, pid in enumerate(self._rows.ids)}
        return self._row_of_id.get(photo_id)

    def remove_photos(self, photo_ids) -> None:
        """Take rows out at once (photos moved to the trash), without waiting for a reload."""
        for row in sorted((r for r in map(self.row_of, photo_ids) if r is not None), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            for column in (self._rows.ids, self._rows.hashes, self._rows.taken, self._rows.paths,
                           self._rows.scores, self._rows.why):
                if column is not None:
                    del column[row]
            self.endRemoveRows()
        self._row_of_id = None
        self._sections = None
        self._rows.index_hashes()
        self._rows.month_starts = None  # found again when the view asks for the sections

    # --- the Qt model interface -----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows.ids)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        row = index.row()
        if not index.isValid() or row >= len(self._rows.ids):
            return None
        rows = self._rows
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnail(row)
        if role == PhotoIdRole:
            return rows.ids[row]
        if role == PathRole:
            return rows.paths[row]
        if role == ContentHashRole:
            return rows.hashes[row]
        if role == TakenRole:
            return rows.taken[row]
        if role == ScoreRole:
            return rows.scores[row] if rows.scores is not None else None
        if role == LoadingRole:
            return int(self.is_loading(row))
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.AccessibleTextRole:
            return formatting.file_name(rows.paths[row])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        return None

    # Plain-Python accessors for the delegate and views. They are also the safe way to read this
    # model from Python: with PySide6 6.12 on Python 3.11, `QModelIndex.data()` returning an
    # empty value drops a reference to None, which eventually crashes the interpreter.

    def thumbnail(self, row: int):
        content_hash = self._rows.hashes[row]
        if content_hash and self._thumbnails is not None:
            return self._thumbnails.pixmap(content_hash)
        return None

    def is_loading(self, row: int) -> bool:
        content_hash = self._rows.hashes[row]
        return bool(content_hash) and self._thumbnails is not None and not self._thumbnails.is_missing(content_hash)

    def sections(self) -> list[Section]:
        """The grid's sections: one per month ('March 2019', 'No date' last) when grouped by date,
        else one untitled section (search results are ranked, albums keep their order)."""
        if self._sections is None:
            rows, count = self._rows, len(self._rows.ids)
            if not count:
                self._sections = []
            elif not rows.grouped_by_month:
                self._sections = [Section(0, count)]
            else:
                if rows.month_starts is None:
                    rows.index_months()
                ends = rows.month_starts[1:] + [count]
                self._sections = [Section(start, end - start, formatting.month_label(rows.taken[start]))
                                  for start, end in zip(rows.month_starts, ends)]
        return self._sections

    def score(self, row: int) -> float | None:
        return self._rows.scores[row] if self._rows.scores is not None else None

    def _tooltip(self, row: int) -> str:
        rows = self._rows
        lines = [formatting.file_name(rows.paths[row]), formatting.date_time(rows.taken[row])]
        if rows.scores is not None:
            lines.append(f"score {formatting.score(rows.scores[row])}")
        if rows.why and rows.why[row]:
            lines.append(rows.why[row])
        return "\n".join(lines)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    # --- dragging photos out to other applications ------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, indexes) -> QMimeData:
        data = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data.setUrls([file_url(self._rows.paths[row]) for row in rows])
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.LinkAction

    # --- thumbnails arriving ----------------------------------------------------------------------

    def _thumbnails_loaded(self, hashes: list[str]) -> None:
        by_hash = self._rows.rows_by_hash
        rows = [row for content_hash in hashes for row in by_hash.get(content_hash, ())]
        if not rows:
            return
        self.thumbnailsArrived.emit()
        # dataChanged over a long range costs QListView time per row in it (measured: 0.25 s for
        # 100,000 rows), and a batch can span far when many photos share one picture (copies)
        # or the user scrolled fast. Views of this model repaint on thumbnailsArrived instead.
        first, last = min(rows), max(rows)
        if last - first < 256:
            self.dataChanged.emit(self.index(first), self.index(last), [Qt.ItemDataRole.DecorationRole, LoadingRole])
