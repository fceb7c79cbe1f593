"""A photo's tags: shown (automatic ones with their score), added and removed by hand.

Manual tags win over automatic ones, and a removed automatic tag stays removed (the core
remembers it), so editing here is safe against re-tagging.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from album.ui.common.tasks import FILES


class TagEditor(QWidget):
    tagsEdited = Signal()

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self._path: str | None = None
        self.tags: list[str] = []
        self.list = QListWidget(self)
        self.list.setMaximumHeight(140)
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Add a tag")
        self.field.returnPressed.connect(self._add)
        add = QPushButton("Add", self)
        add.clicked.connect(self._add)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self._remove)
        row = QHBoxLayout()
        row.addWidget(self.field, 1)
        row.addWidget(add)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(row)

    def show_tags(self, path: str, tags) -> None:
        """`tags`: the core's Tag records (tag, score, source)."""
        self._path = path
        self.tags = [t.tag for t in tags]
        self.list.clear()
        for tag in tags:
            text = tag.tag if tag.source == "manual" else f"{tag.tag}   ({tag.score:.2f}, automatic)"
            item = QListWidgetItem(text)
            item.setToolTip("added by you" if tag.source == "manual" else "from your labels; remove it if it is wrong")
            self.list.addItem(item)
        self.remove_button.setEnabled(bool(tags))

    def _add(self) -> None:
        tag = self.field.text().strip()
        if tag and self._path:
            self.field.clear()
            library, path = self._context.library, self._path
            self._context.tasks.run_task(FILES, lambda: library.tag(path, tag), self._edited, name="tag")

    def _remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.tags) and self._path:
            library, path, tag = self._context.library, self._path, self.tags[row]
            self._context.tasks.run_task(FILES, lambda: library.untag(path, tag), self._edited, name="untag")

    def _edited(self, _result) -> None:
        self.tagsEdited.emit()
