"""A dismissable banner above the photos: which model album uses, and a way to a better one. Never modal."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton

# Where the main window puts its settings on this platform (see MainWindow._build_menus).
SETTINGS_PLACE = "album ▸ Settings… ▸ Model" if sys.platform == "darwin" else "Edit ▸ Preferences… ▸ Model"
OFFLINE_TEXT = ("album is using its built-in offline model (album-mini). You can download a better model later "
                f"in {SETTINGS_PLACE}.")


class ModelNotice(QFrame):
    downloadWanted = Signal(str)  # the model id to download and switch to
    dismissed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("model-notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.download = QPushButton("Download a Better Model", self)
        self.download.clicked.connect(lambda: self.downloadWanted.emit(self._model_id))
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self._dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.download)
        layout.addWidget(self.close_button)
        self._model_id = ""
        self.hide()

    def show_offline(self) -> None:
        self.label.setText(OFFLINE_TEXT)
        self.download.hide()
        self.show()

    def show_upgrade(self, model_id: str, download_mb: int) -> None:
        self._model_id = model_id
        name = model_id.removeprefix("onnx:")
        self.label.setText(
            f"album is using its built-in offline model (album-mini). A better model, {name}, can be downloaded "
            f"now (about {download_mb:,} MB); search keeps working while it downloads."
        )
        self.download.show()
        self.show()

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
