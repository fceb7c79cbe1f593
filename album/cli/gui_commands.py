"""`album gui`: the desktop app (also what `album` with no command opens), and screenshots of it.

Qt is imported only when the command runs, so the rest of the CLI never loads it.
"""

from __future__ import annotations

from pathlib import Path

from album.cli.arguments import text

VIEWS = ("library", "duplicates", "labels", "people", "events")


def register(commands) -> None:
    gui = commands.add_parser("gui", help="open the desktop app (the default when no command is given)")
    gui.add_argument("--screenshot", metavar="FILE.png",
                     help="save a screenshot once the window has rendered (and the search returned), then exit")
    gui.add_argument("--search", type=text, metavar="TEXT", help="start with this search")
    gui.add_argument("--view", choices=VIEWS, help="start in this view")
    gui.add_argument("--no-index", action="store_true", help="do not index or watch the folders at start")
    gui.set_defaults(handler=open_app)


def check_display(args) -> None:
    """Refuse to start the window (with what to install) when Qt's X11 libraries are missing."""
    from album.ui.app import headless_screenshot_platform
    from album.ui.common.platform_libraries import check_platform_libraries

    headless_screenshot_platform(bool(getattr(args, "screenshot", None)))
    check_platform_libraries()


def open_app(library, args) -> int:
    from album.ui.app import run, saved_device

    device = getattr(args, "device", None) or saved_device()
    screenshot = getattr(args, "screenshot", None)
    options = dict(
        screenshot=str(Path(screenshot).expanduser().absolute()) if screenshot else None,
        search=getattr(args, "search", None),
        view=getattr(args, "view", None),
        index=not getattr(args, "no_index", False),
    )
    if device and device != "auto" and not getattr(args, "device", None):
        # The device chosen in Settings: the library must load its model there, so open it anew.
        from album.library import Library

        with Library.open(library.path, device=device) as on_device:
            return run(on_device, **options)
    return run(library, **options)
