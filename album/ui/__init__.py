"""The desktop app (PySide6). The only package in album that imports Qt.

Grouped by what the user sees, one package per view, each holding its widgets, its controller
(non-visual coordinator) and its adapters (thin wrappers over `Library` and the services):

- `app.py` builds the application and the main window (and screenshots); `context.py` is the
  one object handed to every widget (`AppContext`)
- `window/`: the main window (menus, sidebar, the views' stack) and Edit ▸ Undo
- `library/`: the photo grid (model, delegate, context menu), the library page, the albums
  panel, on this day
- `search/`: the search bar, its filters popup, the as-you-type controller, the search adapter
- `viewer/`: the photo viewer, its canvas, tags and face menu
- `people/`, `events/`, `duplicates/`, `labels/`: those views
- `settings/`: the Settings dialog and the model notice that leads to it
- `indexing/`: folders (the panel, the first-run welcome), indexing progress, unreadable files
- `trash/`: Delete from any view, on the file pool
- `common/`: what every view shares: `tasks` (all thread plumbing), thumbnails, image reading,
  formatting, grid geometry, photo rows, confirm dialogs, desktop helpers, library changes,
  the settings keys, warming up the model

PySide6 6.12.0 on Python 3.11 drops a reference to None (or True/False) on every call of a
method that returns nothing, so the interpreter aborts ("deallocating None") after a few
thousand calls: album needs PySide6 < 6.12 there (`check_qt_binding` says so at start). Item
models are read from Python through their own methods (`PhotoListModel.thumbnail(row)`), not
through `QModelIndex.data()`, which hit the same bug for empty values.
"""

import sys


def check_qt_binding() -> None:
    """Refuse the PySide6 release that crashes on this Python, with what to do instead."""
    import PySide6

    if tuple(PySide6.__version_info__[:3]) == (6, 12, 0) and sys.version_info < (3, 12):
        raise RuntimeError(
            "PySide6 6.12.0 crashes on Python 3.11 (it corrupts the reference count of None); "
            "install PySide6-Essentials<6.12, e.g. `pip install 'PySide6-Essentials==6.11.3'`"
        )
