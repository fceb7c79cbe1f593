"""Albums: open one, create one from the selection or the current search (a smart album),
auto-organise by tags or by place and month, export to a folder (copy or link), delete."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QInputDialog, QLabel, QListWidget, QMenu, QMessageBox, QPushButton, QToolButton,
    QVBoxLayout, QWidget,
)

from album.ui.common import formatting
from album.ui.common.desktop import pictures_folder
from album.ui.common.tasks import FILES, SEARCH
from album.ui.common.confirm import confirm_destructive


class AlbumsPanel(QWidget):
    albumOpened = Signal(str, object)  # name, PhotoRows
    albumRefreshed = Signal(str, object)  # name, PhotoRows: the album on screen, read again after a change
    albumDeleted = Signal(str)  # name
    albumsChanged = Signal()
    exported = Signal(object)  # album.services.albums.ExportSummary

    def __init__(self, context, selection: Callable[[], list[int]], current_query: Callable[[], object], parent=None):
        """`selection()` gives the selected photo ids; `current_query()` the search as a SmartQuery (or None)."""
        super().__init__(parent)
        self._context = context
        self._selection = selection
        self._current_query = current_query
        self.albums: list = []  # album.services.albums.Album
        self.list = QListWidget(self)
        self.list.itemActivated.connect(lambda item: self.open_album(self.list.row(item)))
        self.list.itemClicked.connect(lambda item: self.open_album(self.list.row(item)))
        new = QToolButton(self)
        new.setText("New ▾")
        new.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(new)
        menu.addAction("From Selected Photos…", lambda: self.new_album(self._selection()))
        menu.addAction("Smart Album from Current Search…", self.new_smart_album)
        menu.addSeparator()
        menu.addAction("Organise by Tags", lambda: self.organise("tags"))
        menu.addAction("Organise by Place and Month", lambda: self.organise("place-month"))
        new.setMenu(menu)
        export = QPushButton("Export…", self)
        export.clicked.connect(self.export_selected)
        delete = QPushButton("Delete", self)
        delete.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        for button in (new, export, delete):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(QLabel("<b>Albums</b>", self))
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.refresh()

    @property
    def manual_album_names(self) -> list[str]:
        return [a.name for a in self.albums if a.kind == "manual"]

    def refresh(self) -> None:
        albums = self._context.library.albums
        self._context.tasks.run_task(SEARCH, albums.list, self._loaded, name="albums")

    def _loaded(self, albums) -> None:
        self.albums = [a for a in albums if a.kind != "event"]  # events have their own view
        self.list.clear()
        for album in self.albums:
            self.list.addItem(f"{album.name}  ✦" if album.kind == "smart" else album.name)
        self.albumsChanged.emit()

    def _run(self, pool, func, done=None) -> None:
        self._context.tasks.run_task(pool, func, done or self._edited, self._failed)

    def _edited(self, _result=None) -> None:
        """An album was made, changed or deleted: the list here and any view showing albums follow."""
        self._context.changes.albums()  # the main window refreshes this list and the album on screen

    def _failed(self, error) -> None:
        QMessageBox.warning(self, "Albums", str(error))

    # --- opening ----------------------------------------------------------------------------------

    def open_album(self, row: int) -> None:
        if 0 <= row < len(self.albums):
            self.open_album_named(self.albums[row].name)

    def open_album_named(self, name: str, *, refresh: bool = False) -> None:
        """Read an album's photos; `refresh`: it is on screen already and changed (albumRefreshed)."""
        library = self._context.library
        from album.ui.common.photo_rows import load_rows_for

        def loaded(rows) -> None:
            (self.albumRefreshed if refresh else self.albumOpened).emit(name, rows)

        def load():
            from album.errors import AlbumError

            try:
                return load_rows_for(library.database, library.albums.photo_ids(name))
            except AlbumError:
                if refresh:
                    return None  # deleted meanwhile: nothing to show again
                raise

        self._context.tasks.run_task(SEARCH, load, lambda rows: rows is not None and loaded(rows), self._failed,
                                     name="album rows")

    # --- creating ---------------------------------------------------------------------------------

    def new_album(self, photo_ids: list[int]) -> None:
        name, ok = QInputDialog.getText(self, "New album", f"Name of the album ({formatting.count(len(photo_ids), 'photo')}):")
        if ok and name.strip():
            albums = self._context.library.albums
            self._run(FILES, lambda: albums.create(name.strip(), photo_ids))

    def add_to_album(self, name: str, photo_ids: list[int]) -> None:
        albums = self._context.library.albums
        self._run(FILES, lambda: albums.add_photos(name, photo_ids))

    def new_smart_album(self) -> None:
        query = self._current_query()
        if query is None:
            QMessageBox.information(self, "Smart album", "Search for something first (or set a tag or date filter): "
                                    "a smart album saves that search and stays up to date.")
            return
        name, ok = QInputDialog.getText(self, "New smart album", "Name of the smart album:")
        if ok and name.strip():
            albums = self._context.library.albums
            self._run(FILES, lambda: albums.create_smart(name.strip(), query))

    def organise(self, how: str) -> None:
        albums = self._context.library.albums
        func = albums.organise_by_tags if how == "tags" else albums.organise_by_place_and_month

        def done(created) -> None:
            self._edited()
            QMessageBox.information(self, "Albums", f"{formatting.count(len(created), 'new smart album')}.")

        self._run(FILES, func, done)

    # --- export, delete ---------------------------------------------------------------------------

    def _selected_name(self) -> str | None:
        row = self.list.currentRow()
        return self.albums[row].name if 0 <= row < len(self.albums) else None

    def export_selected(self) -> None:
        name = self._selected_name()
        if name is None:
            return
        folder = QFileDialog.getExistingDirectory(self, f"Export “{name}” to", pictures_folder())
        mode = self.choose_export_mode() if folder else None
        if mode is None:
            return
        albums = self._context.library.albums

        def done(summary) -> None:
            self.exported.emit(summary)
            text = (f"{summary.copied:,} copied, {summary.linked:,} linked, {summary.skipped:,} already there"
                    + (f", {len(summary.missing):,} missing" if summary.missing else "")
                    + (f", {len(summary.failed):,} failed" if summary.failed else "") + ".")
            notes = [f"{path}: {why}" for path, why in summary.failed.items()] + [
                f"{path} was named “{name}”: its name is too long for that folder"
                for path, name in summary.shortened.items()]
            if notes:
                text += "\n\n" + "\n".join(notes[:20]) + (f"\n… and {len(notes) - 20:,} more" if len(notes) > 20 else "")
            (QMessageBox.warning if summary.failed else QMessageBox.information)(self, "Export album", text)

        self._run(FILES, lambda: albums.export(name, folder, link=mode == "link"), done)

    def choose_export_mode(self) -> str | None:
        """'copy', 'link' or None (cancelled)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Export album",
                          "Copy the photos into the folder, or add links to the originals?", parent=self)
        copy = box.addButton("Copy", QMessageBox.ButtonRole.AcceptRole)
        link = box.addButton("Link", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return {copy: "copy", link: "link"}.get(box.clickedButton())

    def delete_selected(self) -> None:
        name = self._selected_name()
        if name and confirm_destructive(self, "Delete album", f"Delete the album “{name}”? Its photos stay."):
            albums = self._context.library.albums

            def deleted(_result) -> None:
                self._edited()
                self.albumDeleted.emit(name)

            self._run(FILES, lambda: albums.delete(name), deleted)
