"""A dialog listing the files album could not read, and why (read in the background)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout

from album.ui.common.tasks import SEARCH


class FailedFilesDialog(QDialog):
    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Files that could not be read")
        self.resize(760, 420)
        self.summary = QLabel("Loading…", self)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["File", "Why"])
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 380)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        context.tasks.run_task(SEARCH, context.library.errors, self._loaded, name="errors")

    def _loaded(self, errors: list[dict]) -> None:
        self.summary.setText(
            f"{len(errors):,} files could not be read. They stay where they are; album tries them again when they change."
        )
        self.tree.addTopLevelItems([QTreeWidgetItem([e["path"], e["error"]]) for e in errors])
