"""Desktop conventions: open a photo in the system's viewer, show it in the file manager, the Pictures folder."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices


def open_in_system_viewer(path: str) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def reveal_in_file_manager(path: str) -> bool:
    """Show the file selected in its folder (Finder, Explorer, or a freedesktop file manager)."""
    if sys.platform == "darwin":
        return QProcess.startDetached("open", ["-R", path])[0]
    if sys.platform == "win32":
        return QProcess.startDetached("explorer", ["/select,", str(Path(path))])[0]
    if shutil.which("dbus-send"):
        # The freedesktop FileManager1 interface selects the file (Nautilus, Dolphin, Nemo...).
        uri = QUrl.fromLocalFile(path).toString()
        started = QProcess.startDetached("dbus-send", [
            "--session", "--dest=org.freedesktop.FileManager1", "--type=method_call",
            "/org/freedesktop/FileManager1", "org.freedesktop.FileManager1.ShowItems",
            f"array:string:{uri}", "string:",
        ])[0]
        if started:
            return True
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


def pictures_folder() -> str:
    """Where file dialogs about photos start: the user's Pictures folder (home when there is none)."""
    for location in (QStandardPaths.StandardLocation.PicturesLocation, QStandardPaths.StandardLocation.HomeLocation):
        folder = QStandardPaths.writableLocation(location)
        if folder and Path(folder).is_dir():
            return folder
    return str(Path.home())
