"""The search field (Ctrl+F focuses it) with a filters button; it only reports what the user typed."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QToolButton, QWidget

from album.ui.search.adapter import SearchFilters
from album.ui.search.filters import SearchFiltersPopup


class SearchBar(QWidget):
    textEdited = Signal(str)
    filtersChanged = Signal(object)  # SearchFilters

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Search photos: “sunset in Paris”, “beach 2019”, “dog -snow”   (Ctrl+F)")
        self.field.setClearButtonEnabled(True)
        self.field.setMinimumWidth(200)
        self.field.textEdited.connect(self.textEdited)
        self.field.setAccessibleName("Search photos")
        self.filters_button = QToolButton(self)
        self.filters_button.setText("Filters")
        self.filters_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.filters_button.setCheckable(True)
        self.popup = SearchFiltersPopup(context, self)
        self.popup.place = self.popup_position
        self.popup.applied.connect(self._filters_applied)
        self.filters_button.clicked.connect(self._toggle_filters)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.filters_button)

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def set_text(self, text: str) -> None:
        """Show a query (e.g. 'similar to IMG_1.jpg') without it counting as typing."""
        self.field.setText(text)

    def reset(self) -> None:
        """No text and no filters, without signals: the caller shows what comes instead."""
        self.field.setText("")
        self.popup.reset()
        self._show_filters_state(self.popup.filters())

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.field.text():
            self.field.clear()
            self.textEdited.emit("")
            return
        super().keyPressEvent(event)

    def _toggle_filters(self) -> None:
        if self.popup.isVisible():
            self.popup.hide()
            return
        self.popup.refresh()
        self.popup.show()  # placed by popup_position, again whenever its size changes (choices arriving)

    def popup_position(self) -> QPoint:
        """Under the Filters button, moved left (and up) as far as needed to stay inside the window."""
        wanted = self.filters_button.mapToGlobal(self.filters_button.rect().bottomLeft())
        window = self.window().geometry()  # in global coordinates, without the frame
        size = self.popup.size()
        x = max(window.left(), min(wanted.x(), window.right() + 1 - size.width()))
        y = max(window.top(), min(wanted.y(), window.bottom() + 1 - size.height()))
        return QPoint(x, y)

    def _filters_applied(self, filters: SearchFilters) -> None:
        self._show_filters_state(filters)
        self.filtersChanged.emit(filters)

    def _show_filters_state(self, filters: SearchFilters) -> None:
        self.filters_button.setChecked(filters.active())
        self.filters_button.setText("Filters •" if filters.active() else "Filters")
