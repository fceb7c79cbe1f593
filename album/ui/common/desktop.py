"""Desktop conventions: open a photo in the system's viewer, show it in the file manager, the Pictures folder."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

from PySide6.QtCore import QByteArray, QProcess, QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices

from album.file_names import is_text


def file_url(path: str) -> QUrl:
    """A file:// URL naming exactly `path`, also when its name is not valid UTF-8 (QUrl.fromLocalFile
    goes through a QString, which drops such bytes: the URL would name another file)."""
    if is_text(str(path)):
        return QUrl.fromLocalFile(str(path))
    encoded = quote(os.fsencode(os.path.abspath(path)), safe="/")
    return QUrl.fromEncoded(QByteArray(b"file://" + encoded.encode("ascii")))


def open_in_system_viewer(path: str) -> bool:
    return QDesktopServices.openUrl(file_url(path))


def reveal_in_file_manager(path: str) -> bool:
    """Show the file selected in its folder (Finder, Explorer, or a freedesktop file manager)."""
    if sys.platform == "darwin":
        return QProcess.startDetached("open", ["-R", path])[0]
    if sys.platform == "win32":
        return QProcess.startDetached("explorer", ["/select,", str(Path(path))])[0]
    if shutil.which("dbus-send"):
        # The freedesktop FileManager1 interface selects the file (Nautilus, Dolphin, Nemo...).
        uri = file_url(path).toString(QUrl.ComponentFormattingOption.FullyEncoded)
        started = QProcess.startDetached("dbus-send", [
            "--session", "--dest=org.freedesktop.FileManager1", "--type=method_call",
            "/org/freedesktop/FileManager1", "org.freedesktop.FileManager1.ShowItems",
            f"array:string:{uri}", "string:",
        ])[0]
        if started:
            return True
    return QDesktopServices.openUrl(file_url(str(Path(path).parent)))


def pictures_folder() -> str:
    """Where file dialogs about photos start: the user's Pictures folder (home when there is none)."""
    for location in (QStandardPaths.StandardLocation.PicturesLocation, QStandardPaths.StandardLocation.HomeLocation):
        folder = QStandardPaths.writableLocation(location)
        if folder and Path(folder).is_dir():
            return folder
    return str(Path.home())
