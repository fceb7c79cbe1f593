"""Asking before anything destructive, with the safe answer as the default button.

Enter, Space or a reflex click on the highlighted button must never move files to the trash,
forget a folder or delete an album: the default is always "No".
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm_destructive(parent: QWidget, title: str, text: str) -> bool:
    """True only when the user chose Yes explicitly."""
    buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    answer = QMessageBox.question(parent, title, text, buttons, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes
