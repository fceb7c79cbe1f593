"""First run: ask for the photo folders, suggesting the system's Pictures folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from album.ui.indexing.folders_panel import AcceptsFolderDrops


def suggested_folder() -> str | None:
    """The system Pictures folder, if it exists."""
    for folder in QStandardPaths.standardLocations(QStandardPaths.StandardLocation.PicturesLocation):
        if Path(folder).is_dir():
            return folder
    return None


class WelcomePage(AcceptsFolderDrops, QWidget):
    foldersChosen = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        icon = QLabel(self)
        icon.setPixmap(QIcon.fromTheme("album", self.windowIcon()).pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("<h1>Welcome to album</h1>", self)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "Choose the folders that hold your photos. album reads them on this computer only, "
            "shows them as soon as the first ones are ready, and keeps up as you add more.<br>"
            "Your files are never changed or uploaded. You can also drop folders here.", self)
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.suggested = suggested_folder()
        self.use_suggested = QPushButton(f"Use {self.suggested}" if self.suggested else "No Pictures folder found", self)
        self.use_suggested.setEnabled(self.suggested is not None)
        self.use_suggested.setDefault(True)
        self.use_suggested.clicked.connect(lambda: self.foldersChosen.emit([self.suggested]))
        choose = QPushButton("Choose a folder…", self)
        choose.clicked.connect(self._choose)
        # A column at most 560 px wide, centred: the text wraps inside it (a label given an
        # alignment in a layout gets only its size hint and would be cut off instead).
        column = QVBoxLayout()
        column.addStretch(1)
        for widget in (icon, title, text):
            column.addWidget(widget)
        for button in (self.use_suggested, choose):
            column.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(2)
        holder = QWidget(self)
        holder.setMaximumWidth(560)
        holder.setLayout(column)
        layout = QHBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(holder, 4)
        layout.addStretch(1)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a photo folder", self.suggested or str(Path.home()))
        if folder:
            self.foldersChosen.emit([folder])

    def folders_dropped(self, folders: list[str]) -> None:
        self.foldersChosen.emit(folders)
