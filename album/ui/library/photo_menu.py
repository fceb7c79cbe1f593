"""The context menu of photos in any grid: open, open in the system viewer, reveal, find similar,
add to an album, copy the path, move to the trash."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from album.ui.common import desktop, formatting


def build_photo_menu(parent, photo_ids: list[int], paths: list[str], *, on_open, on_similar, albums: list[str],
                     on_add_to_album, on_new_album, on_trash=None) -> QMenu:
    """`paths` are those of `photo_ids`; the callbacks receive the ids (and an album name); `on_trash()`
    moves them to the trash."""
    menu = QMenu(parent)
    single = len(photo_ids) == 1
    if single:
        menu.addAction("Open", lambda: on_open(photo_ids[0]))
    menu.addAction("Open in System Viewer", lambda: [desktop.open_in_system_viewer(p) for p in paths[:20]])
    menu.addAction("Show in File Manager", lambda: desktop.reveal_in_file_manager(paths[0]))
    if single:
        menu.addAction(f"Find Similar to {formatting.file_name(paths[0])}", lambda: on_similar(photo_ids[0]))
    menu.addSeparator()
    add = menu.addMenu(f"Add {formatting.count(len(photo_ids), 'Photo')} to Album")
    for name in albums:
        add.addAction(name, lambda name=name: on_add_to_album(name, photo_ids))
    if albums:
        add.addSeparator()
    add.addAction("New Album…", lambda: on_new_album(photo_ids))
    menu.addSeparator()
    menu.addAction("Copy Path", lambda: QGuiApplication.clipboard().setText("\n".join(map(formatting.path_text, paths))))
    if on_trash is not None:
        menu.addSeparator()
        trash = menu.addAction(f"Move {formatting.count(len(photo_ids), 'Photo')} to Trash" if not single
                               else "Move to Trash", on_trash)
        trash.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))  # shown as a hint; the grid's action acts
    return menu
