"""Month sections in the library grid: each month starts a new line under a full-width header,
photos without a date come last, search results have none; selection, the keyboard, opening,
the viewer's next/previous and Delete see photos only."""

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent

from album.ui.search.adapter import SearchFilters
from album.ui.common.grid_geometry import GridGeometry, Section
from album.ui.library.photo_list_model import PhotoListModel
from album.ui.common.photo_rows import PhotoRows, keep_shown_order
from album.ui.library.photo_grid import PhotoGridView
from conftest import wait_indexed
from photo_files import copy_with_capture_exif

# Newest first, as the library shows them: March 2024 (5), February 2024 (3), December 2023 (4).
MONTHS = [(datetime(2024, 3, 20 - i, 12), "March 2024") for i in range(5)] + \
         [(datetime(2024, 2, 10 - i, 12), "February 2024") for i in range(3)] + \
         [(datetime(2023, 12, 24 - i, 12), "December 2023") for i in range(4)]


def synthetic_rows(months=((2024, 3, 5), (2024, 2, 3), (2023, 12, 4)), undated=2) -> PhotoRows:
    taken = [f"{y:04}-{m:02}-{28 - i:02}T12:00:00" for y, m, n in months for i in range(n)] + [None] * undated
    n = len(taken)
    return PhotoRows(ids=list(range(1, n + 1)), hashes=[None] * n, taken=taken, paths=[f"/p/{i}.jpg" for i in range(n)],
                     grouped_by_month=True).index_hashes().index_months()


@pytest.fixture
def grid(qtbot):
    view = PhotoGridView()
    model = PhotoListModel(parent=view)
    view.setModel(model)
    model.set_rows(synthetic_rows())
    view.resize(760, 900)  # four ~180 px columns
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    assert view.cells.columns == 4
    return view


def test_each_month_starts_a_line_under_its_header_and_no_date_comes_last(grid):
    model = grid.model()
    assert [(s.start, s.count, s.title) for s in grid.cells.sections] == [
        (0, 5, "March 2024"), (5, 3, "February 2024"), (8, 4, "December 2023"), (12, 2, "No date")]
    rects = [grid.visualRect(model.index(row, 0)) for row in range(model.rowCount())]
    header = grid.cells.header_height
    assert header > 0
    assert rects[0].top() == header  # the first header is above the first line
    for start in (5, 8, 12):
        assert rects[start].left() == 0  # a month's first photo starts a line...
        assert rects[start].top() == rects[start - 1].bottom() + 1 + header  # ...below its header
        header_point = QPoint(rects[start].center().x(), rects[start].top() - header // 2)
        assert not grid.indexAt(header_point).isValid()  # the header is not a photo
    assert rects[4].left() == 0 and rects[4].top() == rects[0].bottom() + 1  # March's second line
    assert grid.indexAt(rects[6].center()).row() == 6
    assert not grid.indexAt(QPoint(rects[4].right() + 10, rects[4].center().y())).isValid()  # past a short line

    # The header is drawn: the band above February's first line holds text, not background only.
    image = grid.viewport().grab().toImage()
    band = [image.pixelColor(x, y).lightness() for y in range(rects[5].top() - header, rects[5].top(), 2)
            for x in range(0, 300, 2)]
    assert max(band) - min(band) > 60


def test_arrows_and_selection_skip_headers(qtbot, grid):
    model, grid_rows = grid.model(), grid.cells
    grid.setFocus()
    grid.setCurrentIndex(model.index(1, 0))
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.currentIndex().row() == 4  # March's second line is shorter: its last photo
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.currentIndex().row() == 5  # over the February header, to February's first photo
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.currentIndex().row() == 9  # December, second column
    qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert grid.currentIndex().row() == 6
    qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert grid.currentIndex().row() == 4  # March's last line has one photo
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert grid.currentIndex().row() == 5  # the next photo, whatever line it is on
    qtbot.keyClick(grid, Qt.Key.Key_End)
    assert grid.currentIndex().row() == 13
    qtbot.keyClick(grid, Qt.Key.Key_PageUp)  # a screen up (all of it fits): the top line, same column
    assert grid.currentIndex().row() == 1
    qtbot.keyClick(grid, Qt.Key.Key_PageDown)
    assert grid.currentIndex().row() == 13  # the last line's second photo

    # Shift+Down across a header selects photos only: the whole run from 1 to 4.
    grid.setCurrentIndex(model.index(1, 0))
    qtbot.keyClick(grid, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert grid.selected_photo_ids() == [model.photo_id(r) for r in range(1, 5)]

    # A click on a header selects nothing; a rubber band over a header selects the photos around it.
    header_y = grid.visualRect(model.index(5, 0)).top() - grid_rows.header_height // 2
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(40, header_y))
    assert grid.selected_photo_ids() == []
    top, bottom = grid.visualRect(model.index(4, 0)), grid.visualRect(model.index(5, 0))
    qtbot.mousePress(grid.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(top.left() + 10, header_y))
    drag_to = QPoint(bottom.right() - 10, bottom.top() + 10)
    grid.mouseMoveEvent(QMouseEvent(QEvent.Type.MouseMove, QPointF(drag_to), QPointF(grid.viewport().mapToGlobal(drag_to)),
                                    Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.mouseRelease(grid.viewport(), Qt.MouseButton.LeftButton, pos=drag_to)
    assert grid.selected_photo_ids() == [model.photo_id(5)]  # the band from the header down covers one photo
    march_header_y = grid_rows.header_height // 2  # from March's header this time
    qtbot.mousePress(grid.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(top.left() + 10, march_header_y))
    grid.mouseMoveEvent(QMouseEvent(QEvent.Type.MouseMove, QPointF(drag_to), QPointF(grid.viewport().mapToGlobal(drag_to)),
                                    Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.mouseRelease(grid.viewport(), Qt.MouseButton.LeftButton, pos=drag_to)
    assert grid.selected_photo_ids() == [model.photo_id(r) for r in (0, 4, 5)]  # March's column 0 and February's


def test_a_resize_relays_the_sections_and_removed_rows_close_up(qtbot, grid):
    model = grid.model()
    grid.resize(420, 900)  # two columns
    qtbot.waitUntil(lambda: grid.cells.columns == 2)
    assert grid.visualRect(model.index(5, 0)).left() == 0 and grid.visualRect(model.index(6, 0)).left() > 0
    model.remove_photos([model.photo_id(row) for row in range(5, 8)])  # all of February
    qtbot.waitUntil(lambda: [s.title for s in grid.cells.sections] == ["March 2024", "December 2023", "No date"])
    assert grid.visualRect(model.index(5, 0)).left() == 0  # December's first photo


def test_geometry_of_a_large_library_answers_without_walking_rows():
    sections = [Section(i * 250, 250, f"month {i}") for i in range(400)]  # 100,000 photos
    geometry = GridGeometry(sections, 7, 180, 48)
    x, y = geometry.cell(99_999)
    assert geometry.row_at(x + 5, y + 5) == 99_999
    assert geometry.rows_in(0, y, 7 * 180, y + 10) == [(99_995, 99_999)]  # the last, short line
    assert geometry.row_below(99_999) == 99_999 and geometry.row_above(0) == 0


def test_late_batches_do_not_move_the_photos_shown_and_sections_follow_the_rows():
    def rows(ids, taken):
        return PhotoRows(ids=ids, hashes=[None] * len(ids), taken=taken, paths=[f"/p/{i}.jpg" for i in ids],
                         grouped_by_month=True).index_hashes().index_months()

    march = ["2024-03-20T12:00:00", "2024-03-10T12:00:00", "2024-03-02T12:00:00"]
    shown = rows([1, 2, 3, 4], march + ["2023-01-05T12:00:00"])
    # A late batch, read again in date order: 10 is the newest photo of all, 11 is from February,
    # 12 has no date; the photos on screen moved in the read (1 and 2 swapped places).
    fresh = rows([10, 2, 1, 3, 11, 4, 12], ["2024-03-28T12:00:00", march[1], march[0], march[2],
                                             "2024-02-01T12:00:00", "2023-01-05T12:00:00", None])
    kept = keep_shown_order(shown.ids, fresh)
    assert kept.ids == [1, 2, 3, 4, 10, 11, 12]  # what was on screen stays put; newcomers after it
    model = PhotoListModel()
    model.set_rows(kept)
    # Until the run ends and the library is sorted, March shows again among the newcomers.
    assert [(s.start, s.title) for s in model.sections()] == [
        (0, "March 2024"), (3, "January 2023"), (4, "March 2024"), (5, "February 2024"), (6, "No date")]


# --- the library window, on real photos with capture dates ---------------------------------------


@pytest.fixture
def dated(qtbot, window, shared_data, tmp_path):
    folder = tmp_path / "Dated"
    sources = sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))
    for i, (when, _) in enumerate(MONTHS):
        copy_with_capture_exif(sources[i], folder / f"{i:02}.jpg", when)
    window.resize(1000, 760)
    window.folders_panel.add_folders([str(folder)])
    wait_indexed(qtbot, window, len(MONTHS))
    page = window.library_page
    qtbot.waitUntil(lambda: [s.title for s in page.grid.cells.sections] ==
                    ["March 2024", "February 2024", "December 2023"], timeout=10_000)
    return window


def double_click(qtbot, widget, pos) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def test_library_months_open_in_the_viewer_which_walks_photos_only(qtbot, dated):
    window, page = dated, dated.library_page
    grid, model = page.grid, page.model
    first_of_february = model.index(5, 0)
    assert grid.visualRect(first_of_february).left() == 0
    assert [grid.visualRect(model.index(r, 0)).left() for r in (5, 8)] == [0, 0]

    double_click(qtbot, grid.viewport(), grid.visualRect(first_of_february).center())
    qtbot.waitUntil(lambda: window.viewer is not None and window.viewer.details is not None
                    and window.viewer.details.photo_id == model.photo_id(5), timeout=10_000)
    viewer = window.viewer
    assert viewer._ids == list(model.rows.ids) and len(viewer._ids) == len(MONTHS)  # photos only
    viewer.step(-1)
    assert viewer.photo_id == model.photo_id(4)  # March's last photo, straight before February's first
    viewer.step(1)
    viewer.step(1)
    assert viewer.photo_id == model.photo_id(6)
    viewer.close()

    emitted = []
    grid.contextMenuWanted.connect(lambda ids, _: emitted.append(ids))
    header_y = grid.visualRect(first_of_february).top() - grid.cells.header_height // 2
    grid.customContextMenuRequested.emit(QPoint(20, header_y))  # on the header: no menu
    grid.customContextMenuRequested.emit(grid.visualRect(first_of_february).center())
    assert emitted == [[model.photo_id(5)]]


def test_delete_after_a_header_trashes_that_photo(qtbot, dated, temp_trash):
    page = dated.library_page
    grid, model = page.grid, page.model
    photo_id, path = model.photo_id(8), model.path(8)  # December's first photo
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.visualRect(model.index(8, 0)).center())
    assert grid.selected_photo_ids() == [photo_id]
    qtbot.keyClick(grid, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: model.row_of(photo_id) is None, timeout=10_000)
    qtbot.waitUntil(lambda: [s.count for s in grid.cells.sections] == [5, 3, 3])
    assert not Path(path).exists()


def test_search_results_and_find_similar_have_no_month_headers(qtbot, dated):
    window, page = dated, dated.library_page
    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        window.find_similar(page.model.photo_id(6))
    assert page.mode == "results"
    assert [s.title for s in page.grid.cells.sections] == [""]
    assert page.grid.visualRect(page.model.index(0, 0)).top() == 0  # no header line above the first result
    window.show_library()
    qtbot.waitUntil(lambda: page.mode == "library" and not page.loading, timeout=10_000)
    for row in (0, 5, 6, 8):  # photos of three months
        window.context.library.tag(page.model.path(row), "harbour")
    with qtbot.waitSignal(page.rowsShown, timeout=10_000):
        window.search.set_filters(SearchFilters(tag="harbour"))
    assert page.mode == "results" and page.model.rowCount() == 4
    assert [s.title for s in page.grid.cells.sections] == [""]
    assert [page.grid.visualRect(page.model.index(r, 0)).left() for r in range(4)] == \
        [c * page.grid.cells.side for c in range(4)]  # one line: no month breaks


def test_the_month_being_looked_at_keeps_its_header_at_the_top_until_the_next_pushes_it_up():
    cells = GridGeometry([Section(0, 8, "March 2024"), Section(8, 4, "February 2024"), Section(12, 4)],
                         columns=4, side=100, header_height=30)
    # March: header 0-30, lines 30-230; February: header 230-260, line 260-360; untitled 360-460.
    assert cells.pinned_header(0) is None  # March's own header is in view
    assert cells.pinned_header(120) == (0, cells.sections[0])
    assert cells.pinned_header(215) == (-15, cells.sections[0])  # February's header pushes it up
    assert cells.pinned_header(240) == (0, cells.sections[1])
    assert cells.pinned_header(380) is None  # a section without a title pins nothing
    assert GridGeometry([Section(0, 40)], 4, 100, 30).pinned_header(500) is None  # search results


def test_scrolled_into_a_month_its_header_is_painted_at_the_top_and_is_not_a_photo(qtbot, grid):
    grid.resize(760, 400)
    qtbot.waitUntil(lambda: grid.verticalScrollBar().maximum() > 300)
    header = grid.cells.header_height
    grid.verticalScrollBar().setValue(0)
    qtbot.wait(50)
    natural = grid.viewport().grab().toImage().copy(0, 0, 700, header)  # March's header where it belongs

    grid.verticalScrollBar().setValue(header + 60)  # inside March's first line
    qtbot.wait(50)
    pinned = grid.viewport().grab().toImage().copy(0, 0, 700, header)
    assert pinned == natural  # the same header, drawn over the photos at the top
    assert not grid.indexAt(QPoint(50, header // 2)).isValid()  # a click there selects no hidden photo
    assert grid.indexAt(QPoint(50, header + 20)).row() == 0  # below it, March's first photo
    # Scrolling back up to March's second line leaves it clear of the pinned header.
    grid.verticalScrollBar().setValue(grid.verticalScrollBar().maximum())
    grid.scrollTo(grid.model().index(4, 0))
    qtbot.wait(50)
    assert grid.cells.pinned_header(grid.verticalOffset()) is not None
    assert grid.visualRect(grid.model().index(4, 0)).top() >= header
