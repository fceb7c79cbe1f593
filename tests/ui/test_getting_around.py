"""Getting around as a new user does: back to all photos from find-similar, a search or an album
(Library button, Ctrl+1, Escape, a folder), find-similar from the top, Preferences where expected."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from conftest import PHOTO_COUNT, wait_indexed


@pytest.fixture
def indexed(qtbot, window, flickr_photos):
    window.folders_panel.add_folders([str(flickr_photos)])
    wait_indexed(qtbot, window, PHOTO_COUNT)
    return window


def similar_shown(qtbot, window) -> None:
    page = window.library_page
    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        window.find_similar(page.model.photo_id(3))
    assert page.mode == "results"


def assert_library(qtbot, window) -> None:
    page = window.library_page
    qtbot.waitUntil(lambda: page.mode == "library" and page.model.rowCount() == PHOTO_COUNT and not page.loading,
                    timeout=10_000)
    assert window.search_bar.field.text() == "" and not window.search.active()
    assert not page.notice.isVisible()


def test_every_way_back_to_the_library_leaves_find_similar(qtbot, indexed):
    window = indexed
    library_action = next(a for a in window.view_actions.actions() if a.data() == "library")

    similar_shown(qtbot, window)
    library_action.trigger()  # the toolbar's Library button (and View ▸ Library)
    assert_library(qtbot, window)

    similar_shown(qtbot, window)
    assert library_action.shortcut() == QKeySequence("Ctrl+1")
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert_library(qtbot, window)

    similar_shown(qtbot, window)
    window.library_page.grid.setFocus()
    qtbot.keyClick(window.library_page.grid, Qt.Key.Key_Escape)
    assert_library(qtbot, window)

    similar_shown(qtbot, window)
    folders = window.folders_panel.list
    folders.itemClicked.emit(folders.item(0))  # clicking the folder
    assert_library(qtbot, window)


def test_an_album_clears_the_search_box_and_deleting_it_returns_to_the_library(qtbot, indexed, monkeypatch):
    window = indexed
    page, library = window.library_page, window.context.library
    library.albums.create("Summer", page.model.rows.ids[:4])
    window.albums_panel.refresh()
    qtbot.waitUntil(lambda: window.albums_panel.list.count() == 1, timeout=10_000)
    window.search_bar.field.setFocus()
    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        qtbot.keyClicks(window.search_bar.field, "dog")

    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        window.albums_panel.list.itemClicked.emit(window.albums_panel.list.item(0))
    assert page.mode == "album" and page.model.rowCount() == 4
    assert window.search_bar.field.text() == ""  # the album is not filtered by "dog"
    qtbot.wait(400)  # past the search's debounce: nothing replaces the album
    assert page.mode == "album"

    window.albums_panel.list.setCurrentRow(0)
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    window.albums_panel.delete_selected()
    assert_library(qtbot, window)
    assert library.albums.list() == []


def test_find_similar_starts_at_the_top(qtbot, indexed):
    window = indexed
    window.resize(520, 420)
    grid = window.library_page.grid
    bar = grid.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)
    bar.setValue(bar.maximum())  # scrolled down to the last photos
    with qtbot.waitSignal(window.library_page.rowsShown, timeout=10_000):
        window.search.find_similar(window.library_page.model.photo_id(PHOTO_COUNT - 1), show_all=True)
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)
    qtbot.wait(100)
    assert bar.value() == 0
    assert grid.top_photo_id() == window.library_page.model.photo_id(0)


def test_preferences_has_the_platforms_place_and_shortcut(qtbot, window):
    action = window.settings_action
    assert action.menuRole() == QAction.MenuRole.PreferencesRole  # macOS: the application menu
    edit = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Edit")
    assert action in edit.actions()
    assert QKeySequence("Ctrl+,") in action.shortcuts()
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.settings_dialog is not None and window.settings_dialog.isVisible(), timeout=5000)
    window.settings_dialog.close()
