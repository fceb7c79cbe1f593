"""The desktop app (PySide6). The only package in album that imports Qt.

Layout: `tasks` (all thread plumbing), `context` (the one object handed to every widget),
`adapters/` (thin wrappers over services whose API is still settling), `models/` (Qt item
models over typed rows), `widgets/` (one widget per file), `controllers/` (non-visual
coordinators: indexing, search), `app` (building the application and the main window).

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
