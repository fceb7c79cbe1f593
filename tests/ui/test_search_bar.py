"""The search bar: as-you-type search, plain "no good matches", find similar, filters."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from album.ui.search.adapter import SearchFilters
from conftest import PHOTO_COUNT, wait_indexed

ALBUM_MINI = Path(__file__).resolve().parents[2] / "resources" / "models" / "album-mini"
RAINBOW = "1002674143_1b742ab4b8.jpg"  # Flickr8k: "a little girl covered in paint sits in front of a painted rainbow"


@pytest.fixture
def indexed(qtbot, window, flickr_photos):
    window.folders_panel.add_folders([str(flickr_photos)])
    wait_indexed(qtbot, window, PHOTO_COUNT)
    return window


def type_query(qtbot, window, text: str) -> None:
    window.search_bar.field.setFocus()
    # Generous: the first query with album-mini waits for the model to load (7 s on a busy machine).
    with qtbot.waitSignal(window.library_page.rowsShown, timeout=30_000):
        qtbot.keyClicks(window.search_bar.field, text)


def test_typing_runs_one_debounced_search(qtbot, indexed):
    window = indexed
    searches = []
    window.search.resultsReady.connect(lambda outcome, rows: searches.append(outcome.text))
    type_query(qtbot, window, "dog")
    assert searches == ["dog"]  # one search for the whole word, not one per key
    assert window.library_page.mode == "results"
    assert window.library_page.notice.isVisible()


def test_no_good_matches_is_said_plainly(qtbot, indexed):
    # The tiny test model is random (seeded): no photo clears the relevance cutoff for this query.
    type_query(qtbot, indexed, "zebra crossing")
    page = indexed.library_page
    assert page.model.rowCount() == 0
    assert "No good matches" in page.notice.text() and page.notice.isVisible()
    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        page.showAllWanted.emit()  # "Show all": everything, ranked
    assert page.model.rowCount() == PHOTO_COUNT
    assert page.model.score(0) >= page.model.score(PHOTO_COUNT - 1)
    assert "score" in page.model.data(page.model.index(0), Qt.ItemDataRole.ToolTipRole)


def test_clearing_the_search_shows_the_library_again(qtbot, indexed):
    type_query(qtbot, indexed, "dog")
    with qtbot.waitSignal(indexed.library_page.rowsShown, timeout=10_000):
        indexed.search_bar.field.clear()
        indexed.search_bar.textEdited.emit("")
    assert indexed.library_page.mode == "library"
    assert indexed.library_page.model.rowCount() == PHOTO_COUNT


def test_find_similar_shows_the_photo_first_and_names_it_then_show_all(qtbot, indexed):
    page = indexed.library_page
    photo_id, name = page.model.photo_id(0), Path(page.model.path(0)).name
    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        indexed.find_similar(photo_id)
    ids = page.model.rows.ids
    assert ids[0] == photo_id and ids.count(photo_id) == 1  # the photo it started from, once, first
    assert name in page.notice.text()
    scores = page.model.rows.scores[1:]
    assert scores == sorted(scores, reverse=True)
    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        page.showAllWanted.emit()  # past the relevance cut: every other photo, still similar ones first
    assert page.model.rows.ids[0] == photo_id and page.model.rowCount() == PHOTO_COUNT
    assert page.mode == "results"


def test_a_filter_narrows_the_results(qtbot, indexed, flickr_photos):
    page = indexed.library_page
    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        indexed.search.set_filters(SearchFilters(date_from="1990-01-01", date_to="1990-12-31"))
    assert page.model.rowCount() == 0
    assert "No photos" in page.notice.text() or "no photos" in page.notice.text()


@pytest.mark.skipif(not (ALBUM_MINI / "heads.safetensors").is_file(),
                    reason=f"album-mini is not built in {ALBUM_MINI}: the real-model search test needs it")
def test_typing_a_query_shows_the_expected_photo_first(qtbot, tmp_path, flickr_photos, make_context):
    from album import Library
    from album.ui.window.main_window import MainWindow

    with Library.open(tmp_path / "mini-library") as library:  # the library's default model: album-mini
        window = MainWindow(make_context(library))
        qtbot.addWidget(window)
        window.show()
        window.start()
        window.folders_panel.add_folders([str(flickr_photos)])
        wait_indexed(qtbot, window, PHOTO_COUNT, timeout=120_000)
        type_query(qtbot, window, "a girl covered in paint in front of a rainbow")
        assert Path(window.library_page.model.path(0)).name == RAINBOW
        window.close()


def test_the_filters_popup_stays_inside_the_window(qtbot, window):
    window.resize(900, 600)
    qtbot.wait(50)
    bar = window.search_bar
    bar.filters_button.click()
    qtbot.waitUntil(bar.popup.isVisible, timeout=2000)
    inside = window.geometry()
    popup = bar.popup.geometry()
    assert inside.contains(popup.topLeft()) and inside.contains(popup.bottomRight()), (inside, popup)
    bar.filters_button.click()
    assert not bar.popup.isVisible()


@pytest.mark.skipif(not (ALBUM_MINI / "heads.safetensors").is_file(),
                    reason=f"album-mini is not built in {ALBUM_MINI}: the real-model find-similar test needs it")
def test_find_similar_keeps_the_look_alikes_and_cuts_the_rest(qtbot, tmp_path, flickr_photos, make_context):
    """Three crops of one photo among a dozen others: find-similar shows the photo, then its crops,
    and leaves the unrelated photos to "Show all" (before the cut it listed every photo)."""
    from PIL import Image

    from album import Library
    from album.ui.window.main_window import MainWindow

    original = sorted(flickr_photos.glob("*.jpg"))[0]
    picture = Image.open(original).convert("RGB")
    width, height = picture.size
    for n, box in enumerate([(0, 0, width * 9 // 10, height * 9 // 10), (width // 10, height // 10, width, height),
                             (width // 20, 0, width * 19 // 20, height * 19 // 20)]):
        picture.crop(box).save(flickr_photos / f"crop{n}.jpg", quality=88)
    with Library.open(tmp_path / "mini-library") as library:
        window = MainWindow(make_context(library))
        qtbot.addWidget(window)
        window.show()
        window.start()
        window.folders_panel.add_folders([str(flickr_photos)])
        wait_indexed(qtbot, window, PHOTO_COUNT + 3, timeout=120_000)
        page = window.library_page
        photo_id = next(page.model.photo_id(r) for r in range(page.model.rowCount()) if page.model.path(r) == str(original))
        with qtbot.waitSignal(page.rowsShown, timeout=30_000):
            window.find_similar(photo_id)
        names = [Path(page.model.path(r)).name for r in range(page.model.rowCount())]
        assert names[0] == original.name
        assert set(names[1:4]) == {"crop0.jpg", "crop1.jpg", "crop2.jpg"}  # the look-alikes, first
        assert len(names) < PHOTO_COUNT + 3 - 4  # most unrelated photos are cut
        assert "Show all" in page.notice.text()
        window.close()
