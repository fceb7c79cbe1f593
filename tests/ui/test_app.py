"""The app as launched: `album gui --screenshot`, `album` alone, window geometry remembered."""

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QImage

from conftest import PHOTO_COUNT


def pixels(path, exit_code=0):
    """The PNG's pixels as [height, width, 3] (after checking the run that made it exited 0)."""
    import numpy as np
    from PIL import Image

    assert exit_code == 0 and not QImage(str(path)).isNull(), path
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def colours(image) -> int:
    import numpy as np

    return len(np.unique(image.reshape(-1, 3), axis=0))


def test_screenshot_waits_for_the_search_and_saves_the_window(qtbot, library, flickr_photos, settings, tmp_path):
    from album.ui.app import run

    library.add_folder(flickr_photos)
    library.index()
    shot = tmp_path / "shots" / "search.png"
    assert run(library, screenshot=str(shot), search="dog", settings=settings) == 0
    searched = pixels(shot)
    assert searched.shape[1] >= 800 and searched.shape[0] >= 500
    assert searched.std() > 5 and colours(searched) > 50  # the window is drawn, not blank
    shown = pixels(tmp_path / "library.png", run(library, screenshot=str(tmp_path / "library.png"), settings=settings))
    # Without a search the grid shows the 12 photos' thumbnails (thousands of colours); the
    # random test model's cut keeps none for "dog", so a shot taken after the search has
    # only the window's own few colours: it waited for the search.
    assert colours(shown) > 5000 and colours(searched) < colours(shown) / 5


def test_screenshot_of_the_duplicates_view(qtbot, library, flickr_photos, settings, tmp_path):
    from album.ui.app import run

    import shutil

    for photo in sorted(flickr_photos.glob("*.jpg"))[:3]:  # three photos each copied once: three groups
        shutil.copyfile(photo, photo.with_name(f"{photo.stem} copy.jpg"))
    library.add_folder(flickr_photos)
    library.index()
    shot = tmp_path / "duplicates.png"
    assert run(library, screenshot=str(shot), view="duplicates", settings=settings) == 0
    image = pixels(shot)
    assert image.shape[1] >= 800 and image.shape[0] >= 500
    # The copies' groups are drawn with their thumbnails (photographs: many colours), not an
    # empty view. (Undated photos are never "similar shots", whatever the model says.)
    assert colours(image) > 5000


def test_startup_report_marks_when_the_grid_is_interactive_and_quits(qtbot, library, flickr_photos, settings,
                                                                     tmp_path, monkeypatch):
    import json
    import time

    from album.ui.app import STARTUP_REPORT_ENV, run

    library.add_folder(flickr_photos)
    library.index()
    report = tmp_path / "startup.json"
    monkeypatch.setenv(STARTUP_REPORT_ENV, str(report))
    started = time.time()
    assert run(library, index=False, settings=settings) == 0
    assert started < json.loads(report.read_text())["interactive_at"] <= time.time()


def test_album_without_a_command_opens_the_app(monkeypatch, tmp_path):
    import album.ui.app
    from album.cli import main

    opened = []
    monkeypatch.setattr(album.ui.app, "run", lambda library, **options: opened.append(options) or 0)
    monkeypatch.setattr(album.ui.app, "saved_device", lambda: None)
    assert main(["--library", str(tmp_path / "lib")]) == 0
    assert opened == [{"screenshot": None, "search": None, "view": None, "index": True}]
    assert main(["--library", str(tmp_path / "lib"), "gui", "--screenshot", "x.png", "--view", "labels"]) == 0
    assert opened[1]["view"] == "labels" and opened[1]["screenshot"].endswith("x.png")


def test_window_geometry_is_remembered(qtbot, library, make_context, settings):
    from album.ui.window.main_window import MainWindow

    first = MainWindow(make_context(library))
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 500)  # within the offscreen screen (800 x 600), above the minimum height
    size = (first.width(), first.height())
    first.close()
    assert isinstance(settings.value("window/geometry", QByteArray()), QByteArray)
    second = MainWindow(make_context(library))
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == size and size[1] == 500


def test_sort_order_is_remembered_and_applied(qtbot, window, flickr_photos):
    window.context.library.add_folder(flickr_photos)
    window.context.library.index()
    page = window.library_page
    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        page.set_sort("name")
    names = [p.rsplit("/", 1)[-1] for p in page.model.rows.paths]
    assert names == sorted(names, key=str.lower) and len(names) == PHOTO_COUNT
    assert window.context.settings.value("library/sort") == "name"
