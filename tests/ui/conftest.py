"""GUI test fixtures: Qt warnings fail the test, real photos, a library on the tiny model, a context.

pytest-qt already fails a test when a Python exception escapes into Qt (a slot, a virtual
method); the message handler below does the same for Qt's own warnings.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QtMsgType, qInstallMessageHandler

# Warnings Qt's offscreen platform prints about itself, not about album.
_PLATFORM_NOISE = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
    "This plugin does not support grabbing the keyboard",  # a popup (the filters) on offscreen
    "QStandardPaths: XDG_RUNTIME_DIR not set",
    "offscreen",  # e.g. "QFont::fromString" font database notes on the offscreen platform
)
PHOTO_COUNT = 12


@pytest.fixture(autouse=True, scope="session")
def qt_binding_that_works():
    from album.ui import check_qt_binding

    check_qt_binding()  # a clear failure instead of an interpreter abort half-way through


@pytest.fixture(autouse=True)
def fail_on_qt_warnings():
    messages: list[str] = []

    def handler(kind, context, message):
        if kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            if not any(noise in message for noise in _PLATFORM_NOISE):
                messages.append(f"{kind.name}: {message}")

    previous = qInstallMessageHandler(handler)
    try:
        yield messages
    finally:
        qInstallMessageHandler(previous)
    assert not messages, "Qt logged warnings:\n" + "\n".join(messages)


@pytest.fixture
def flickr_photos(shared_data, tmp_path) -> Path:
    """A dozen real photos (Flickr8k) in a fresh folder."""
    source = shared_data / "flickr8k" / "images"
    folder = tmp_path / "Pictures"
    folder.mkdir()
    for path in sorted(source.glob("*.jpg"))[:PHOTO_COUNT]:
        shutil.copy2(path, folder / path.name)
    return folder


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "album-ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_context(qapp, settings):
    """Builds an AppContext around a library; shuts its pools and watcher down afterwards."""
    from album.ui.context import AppContext

    made = []

    def make(library, **kwargs):
        kwargs.setdefault("settings", settings)
        kwargs.setdefault("watch", False)
        context = AppContext.build(library, **kwargs)
        made.append(context)
        return context

    yield make
    for context in made:
        context.indexing.shutdown()
        context.tasks.shutdown()


@pytest.fixture
def library(library):
    """The shared tiny-model library, without the ~50 starter labels: re-tagging with them encodes
    ~150 prompts per index run, seconds on a busy CI machine, and these tests are about the GUI."""
    library.set_labels([])
    return library


@pytest.fixture
def window(qtbot, library, make_context):
    """A main window on an empty tiny-model library (no watcher), started as the app starts it."""
    from album.ui.window.main_window import MainWindow

    context = make_context(library)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.start()
    yield window
    window.close()


def wait_indexed(qtbot, window, count: int, timeout: int = 30_000) -> None:
    """Until indexing is idle and the grid shows `count` photos."""
    qtbot.waitUntil(
        lambda: window.context.indexing.state == "idle" and window.context.indexing.last_summary is not None
        and window.library_page.model.rowCount() == count and not window.library_page.loading,
        timeout=timeout,
    )


@pytest.fixture
def temp_trash(tmp_path, monkeypatch):
    """A freedesktop trash inside tmp_path, used by the real send2trash (as in tests/test_duplicates.py)."""
    import os
    import sys

    if sys.platform in ("win32", "darwin"):
        pytest.skip("the temporary trash location is the freedesktop (Linux) trash")
    import send2trash.plat_other as xdg

    data_home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    monkeypatch.setenv("HOME", str(tmp_path))  # the home trash, on the photos' device
    # send2trash reads these when it is imported, not when it is called.
    monkeypatch.setattr(xdg, "XDG_DATA_HOME", os.fsencode(data_home))
    monkeypatch.setattr(xdg, "HOMETRASH_B", os.fsencode(data_home / "Trash"))
    monkeypatch.setattr(xdg, "HOMETRASH", str(data_home / "Trash"))
    return data_home / "Trash"
