"""The folders album indexes and watches: add (button or drag and drop), remove, watching status."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMessageBox, QPushButton, QVBoxLayout, QWidget,
)

from album.ui.common.desktop import pictures_folder
from album.ui.common.tasks import FILES, SEARCH
from album.ui.common.confirm import confirm_destructive

# What watching means to the user, said once under the list (a second line in an item read like a
# second folder): new, changed and deleted photos are picked up without asking.
WATCH_WORDS = {"native": "kept up to date automatically", "polling": "checked for new photos every few seconds"}


def dropped_folders(mime) -> list[str]:
    """Local folders in a drag's data (files are ignored: album adds whole folders)."""
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and Path(url.toLocalFile()).is_dir()]


class AcceptsFolderDrops:
    """Mixin for a widget that takes folders dropped from a file manager: it accepts drags that
    carry folders and hands them to `folders_dropped` (call `setAcceptDrops(True)` too)."""

    def folders_dropped(self, folders: list[str]) -> None:
        raise NotImplementedError

    def dragEnterEvent(self, event) -> None:
        if dropped_folders(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        folders = dropped_folders(event.mimeData())
        if folders:
            event.acceptProposedAction()
            self.folders_dropped(folders)


class FoldersPanel(AcceptsFolderDrops, QWidget):
    foldersChanged = Signal()

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self.setAcceptDrops(True)
        title = QLabel("<b>Folders</b>", self)
        self.list = QListWidget(self)
        self.list.setAlternatingRowColors(True)
        self.list.setToolTip("Drop folders here to add them")
        self.add_button = QPushButton("Add…", self)
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        self.watch_note = QLabel(self)
        self.watch_note.setWordWrap(True)
        self.watch_note.setEnabled(False)  # drawn in the palette's quieter colour: a note, not an item
        layout.addWidget(self.watch_note)
        layout.addLayout(buttons)
        self.folders: list[str] = []
        context.indexing.watchingChanged.connect(lambda _: self._show())
        self.refresh()

    def refresh(self) -> None:
        library = self._context.library
        self._context.tasks.run_task(SEARCH, lambda: [str(f.path) for f in library.list_folders()], self._loaded,
                                     name="folders")

    def _loaded(self, folders: list[str]) -> None:
        self.folders = folders
        self._show()

    def _show(self) -> None:
        self.list.clear()
        words = []
        for folder in self.folders:
            status = WATCH_WORDS.get(self._context.indexing.folder_watch_mode(folder), "")
            words.append(status)
            item = QListWidgetItem(Path(folder).name or folder)
            item.setToolTip(f"{folder}\n{status.capitalize()}" if status else folder)
            self.list.addItem(item)
        self.remove_button.setEnabled(bool(self.folders))
        kinds = set(words) - {""}
        if len(kinds) == 1:
            self.watch_note.setText(("This folder is " if len(self.folders) == 1 else "These folders are ") + kinds.pop() + ".")
        elif kinds:
            self.watch_note.setText("Folders are kept up to date; some are checked every few seconds (see each one's tooltip).")
        else:
            self.watch_note.clear()
        self.watch_note.setVisible(bool(self.watch_note.text()))

    # --- adding and removing ----------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a photo folder", pictures_folder())
        if folder:
            self.add_folders([folder])

    def add_folders(self, paths: list[str]) -> None:
        library = self._context.library

        def add():
            return [str(library.add_folder(path).path) for path in paths]

        self._context.tasks.run_task(FILES, add, self._changed, self._failed, name="add folders")

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if row < 0 or row >= len(self.folders):
            return
        folder = self.folders[row]
        if confirm_destructive(
            self, "Remove folder",
            f"Stop indexing {folder}?\n\nIts photos leave the library; the files themselves are not touched.",
        ):
            self.remove_folders([folder])

    def remove_folders(self, paths: list[str]) -> None:
        library = self._context.library
        self._context.tasks.run_task(FILES, lambda: [library.remove_folder(p) for p in paths], self._changed,
                                     self._failed, name="remove folders")

    def _changed(self, _result) -> None:
        self.refresh()
        self.foldersChanged.emit()

    def _failed(self, error) -> None:
        QMessageBox.warning(self, "Folders", str(error))

    def folders_dropped(self, folders: list[str]) -> None:
        self.add_folders(folders)
