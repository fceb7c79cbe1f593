"""Building the application: QApplication settings, the context, the main window; and screenshots.

`run()` is what `album` (no arguments) and `album gui` call. The window appears before anything
slow starts: the library's rows, the model and the index load in the background afterwards.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

SCREENSHOT_TIMEOUT_S = 120
# Set to a file path: the app writes when it became interactive there and quits (start-up timing).
STARTUP_REPORT_ENV = "ALBUM_STARTUP_REPORT"


def app_icon():
    from PySide6.QtGui import QIcon

    from album.resources import resources_dir

    icon = QIcon()
    folder = resources_dir() / "icons"
    for png in sorted(folder.glob("album-*.png")):
        icon.addFile(str(png))
    if (folder / "album.svg").is_file():
        icon.addFile(str(folder / "album.svg"))
    return icon


def create_application(argv: list[str] | None = None):
    """The QApplication, set up once: names (QSettings' location), icon, high-DPI, style."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from album.ui import check_qt_binding

    check_qt_binding()
    app = QApplication.instance()
    if app is not None:
        return app
    # Fractional scale factors (125 %, 150 %) as they are, not rounded: crisp text and thumbnails.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName("album")
    app.setOrganizationName("album")
    app.setApplicationDisplayName("album")
    app.setDesktopFileName("album")
    app.setWindowIcon(app_icon())
    # Fusion draws the same everywhere and takes its colours from the system palette, which Qt
    # keeps in step with the system's light or dark scheme (and its changes while running).
    app.setStyle("Fusion")
    return app


def headless_screenshot_platform(screenshot: bool) -> None:
    """Screenshots work without a display too: Qt's offscreen platform then (Linux)."""
    if screenshot and not os.environ.get("QT_QPA_PLATFORM") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and sys.platform.startswith("linux"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def run(library, *, screenshot: str | None = None, search: str | None = None, view: str | None = None,
        index: bool = True, settings=None) -> int:
    """Open the window on `library`; with `screenshot`, save it once settled and exit."""
    headless_screenshot_platform(bool(screenshot))
    app = create_application()
    from album.ui.context import AppContext
    from album.ui.window.main_window import MainWindow

    context = AppContext.build(library, settings=settings, device_pixel_ratio=app.devicePixelRatio(),
                               watch=screenshot is None)
    window = MainWindow(context)
    gc.freeze()  # Qt's and album's modules live as long as the app: keep them out of GC passes
    window.show()
    window.start(index=index and screenshot is None, notice=screenshot is None)
    if view:
        window.set_view(view)
    if search:
        window.search_for(search)
    if screenshot:
        window.remember_geometry = False  # a scripted window must not become the user's next layout
        _save_when_settled(app, window, Path(screenshot))
    if os.environ.get(STARTUP_REPORT_ENV):
        window.remember_geometry = False
        _report_when_interactive(app, window, Path(os.environ[STARTUP_REPORT_ENV]))
    code = app.exec()
    # Closed only now that the loop has ended: closing the last window inside it would post a
    # Quit event that outlives this loop (and ends the next one, e.g. in tests).
    window.close()
    context.indexing.shutdown()
    context.tasks.shutdown()
    return code


def _report_when_interactive(app, window, path: Path) -> None:
    """Write the wall-clock time the grid first showed rows with the event loop turning, then quit.

    For measuring start-up from outside (packaging/check-bundle.sh times the installed app from
    the moment it is launched, so the bundle's own unpacking and imports count).
    """
    from PySide6.QtCore import QTimer

    def interactive() -> None:
        window.library_page.rowsShown.disconnect(on_rows)
        path.write_text(json.dumps({"interactive_at": time.time()}))
        app.exit(0)

    def on_rows() -> None:
        QTimer.singleShot(0, interactive)  # runs once the loop is free again: events are flowing

    window.library_page.rowsShown.connect(on_rows)


def _save_when_settled(app, window, path: Path) -> None:
    """Poll until nothing is loading twice in a row (thumbnails included), then grab and quit."""
    from PySide6.QtCore import QTimer

    started = time.monotonic()
    calm = [0]

    def check() -> None:
        calm[0] = calm[0] + 1 if window.settled() else 0
        timed_out = time.monotonic() - started > SCREENSHOT_TIMEOUT_S
        if calm[0] >= 3 or timed_out:
            timer.stop()
            if timed_out:
                log.warning("the window did not settle in %ss; saving it as it is", SCREENSHOT_TIMEOUT_S)
            path.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(path))
            app.exit(0 if path.is_file() else 1)

    timer = QTimer(window)
    timer.timeout.connect(check)
    timer.start(150)


def saved_device() -> str | None:
    """The device chosen in Settings (read before the library opens: the model loads there)."""
    from PySide6.QtCore import QSettings

    from album.ui.common.settings_keys import MODEL_DEVICE

    value = QSettings("album", "album").value(MODEL_DEVICE, "auto")
    return str(value) if value else None
