"""Delete in the grid and the viewer, "Move to Trash" in the menu, Undo; and state that stays true:
the photo count, one status message at a time, a tag filter after a tag is removed, Undo's state."""

import hashlib

import pytest
from PySide6.QtCore import Qt

from album.ui.search.adapter import SearchFilters
from album.ui.library.photo_menu import build_photo_menu
from conftest import PHOTO_COUNT, wait_indexed


@pytest.fixture
def indexed(qtbot, window, flickr_photos):
    window.folders_panel.add_folders([str(flickr_photos)])
    wait_indexed(qtbot, window, PHOTO_COUNT)
    qtbot.waitUntil(lambda: not window.library_page.loading, timeout=5000)
    return window


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_delete_key_trashes_the_selection_and_undo_puts_it_back(qtbot, indexed, temp_trash, flickr_photos):
    window, page = indexed, indexed.library_page
    assert not window.undo_action.isEnabled()  # nothing to undo yet
    paths = [page.model.path(0), page.model.path(1)]
    digests = {p: digest(flickr_photos / p.rsplit("/", 1)[-1]) for p in paths}
    grid = page.grid
    grid.setFocus()
    grid.selectionModel().select(page.model.index(0), grid.selectionModel().SelectionFlag.Select)
    grid.selectionModel().select(page.model.index(1), grid.selectionModel().SelectionFlag.Select)
    qtbot.keyClick(grid, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: page.model.rowCount() == PHOTO_COUNT - 2, timeout=10_000)
    assert not any((flickr_photos / p.rsplit("/", 1)[-1]).exists() for p in paths)
    assert window.count_label.text() == f"{PHOTO_COUNT - 2} photos"  # the count follows at once
    assert window.undo_action.isEnabled()
    assert "to the trash" in window.statusBar().currentMessage()

    window.undo_action.trigger()
    qtbot.waitUntil(lambda: all((flickr_photos / p.rsplit("/", 1)[-1]).exists() for p in paths), timeout=10_000)
    assert {p: digest(flickr_photos / p.rsplit("/", 1)[-1]) for p in paths} == digests  # byte for byte
    qtbot.waitUntil(lambda: page.model.rowCount() == PHOTO_COUNT and window.context.indexing.state == "idle",
                    timeout=20_000)
    assert window.count_label.text() == f"{PHOTO_COUNT} photos"
    qtbot.waitUntil(lambda: not window.undo_action.isEnabled(), timeout=5000)  # nothing left to undo


def test_the_context_menu_offers_move_to_trash(qtbot, indexed, temp_trash):
    window, model = indexed, indexed.library_page.model
    photo_id, path = model.photo_id(2), model.path(2)
    called = []
    menu = build_photo_menu(window, [photo_id], [path], on_open=called.append, on_similar=called.append, albums=[],
                            on_add_to_album=None, on_new_album=None, on_trash=lambda: called.append("trash"))
    action = next(a for a in menu.actions() if a.text() == "Move to Trash")
    action.trigger()
    assert called == ["trash"]
    window.trash_photos([photo_id], [path])  # what the main window's menu calls
    qtbot.waitUntil(lambda: model.row_of(photo_id) is None, timeout=10_000)


def test_delete_in_the_viewer_trashes_the_photo_and_shows_the_next(qtbot, indexed, temp_trash, flickr_photos):
    window, model = indexed, indexed.library_page.model
    first, second = model.photo_id(0), model.photo_id(1)
    name = model.path(0).rsplit("/", 1)[-1]
    window.open_photo(first)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.details is not None and viewer.details.photo_id == first, timeout=10_000)
    viewer.canvas.setFocus()
    qtbot.keyClick(viewer, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: not (flickr_photos / name).exists(), timeout=10_000)
    qtbot.waitUntil(lambda: viewer.details is not None and viewer.details.photo_id == second, timeout=10_000)
    assert first not in viewer._ids and model.row_of(first) is None
    viewer.close()


def test_a_tag_filter_stops_showing_a_photo_whose_tag_was_removed(qtbot, indexed):
    window, page, library = indexed, indexed.library_page, indexed.context.library
    for row in (0, 1):
        library.tag(page.model.path(row), "harbour")
    kept, untagged = page.model.photo_id(0), page.model.photo_id(1)
    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        window.search.set_filters(SearchFilters(tag="harbour"))
    assert sorted(page.model.rows.ids) == sorted([kept, untagged])

    window.open_photo(untagged)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.details is not None and viewer.details.photo_id == untagged, timeout=10_000)
    viewer.tag_editor.list.setCurrentRow(viewer.tag_editor.tags.index("harbour"))
    viewer.tag_editor.remove_button.click()  # removed in the viewer, as a user does
    qtbot.waitUntil(lambda: page.model.rows.ids == [kept], timeout=10_000)
    viewer.close()


def test_one_status_message_at_a_time(qtbot, indexed, temp_trash):
    window, model = indexed, indexed.library_page.model
    window.trash_photos([model.photo_id(0)], [model.path(0)])
    qtbot.waitUntil(lambda: "to the trash" in window.statusBar().currentMessage(), timeout=10_000)
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: "Put back" in window.statusBar().currentMessage(), timeout=10_000)
    qtbot.waitUntil(lambda: window.context.indexing.state == "idle" and model.rowCount() == PHOTO_COUNT, timeout=20_000)
    # A temporary message hides the indexing area; the area's own text never shows beside it.
    shown = [w for w in (window.indexing_status.label, window.indexing_status.bar) if w.isVisible()]
    assert window.statusBar().currentMessage() == "" or not shown


def test_undo_passes_over_a_move_whose_file_was_emptied_from_the_trash(qtbot, indexed, temp_trash, flickr_photos):
    window, model = indexed, indexed.library_page.model
    trash_dir = temp_trash
    (first_id, first), (later_id, later) = [(model.photo_id(row), model.path(row)) for row in (0, 1)]
    first_bytes = digest(flickr_photos / first.rsplit("/", 1)[-1])
    for photo_id, path in ((first_id, first), (later_id, later)):  # two moves to the trash: X, then Y
        window.trash_photos([photo_id], [path])
        qtbot.waitUntil(lambda: model.row_of(photo_id) is None, timeout=10_000)
    name = later.rsplit("/", 1)[-1]  # Y's file is emptied from the trash by hand
    (trash_dir / "files" / name).unlink()
    (trash_dir / "info" / f"{name}.trashinfo").unlink()

    window.undo_action.trigger()  # puts back X, and says Y was passed over
    qtbot.waitUntil(lambda: "Put back" in window.statusBar().currentMessage(), timeout=10_000)
    assert window.statusBar().currentMessage() == (
        "Put back 1 file from the trash. Passed over 1 later move to the trash: its files are no longer in the trash.")
    assert digest(flickr_photos / first.rsplit("/", 1)[-1]) == first_bytes
    qtbot.waitUntil(lambda: window.context.indexing.state == "idle" and model.rowCount() == PHOTO_COUNT - 1,
                    timeout=20_000)
    qtbot.waitUntil(lambda: not window.undo_action.isEnabled(), timeout=5000)  # Y cannot come back: not offered
