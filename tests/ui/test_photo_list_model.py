"""PhotoListModel on its own: rows, roles, month groups, drag data, no thumbnail loader needed."""

from PySide6.QtCore import QObject, Qt, Signal

from album.ui.library.photo_list_model import PhotoIdRole, PhotoListModel, ScoreRole
from album.ui.common.photo_rows import PhotoRows


def rows(n=5, scores=None):
    return PhotoRows(
        ids=list(range(100, 100 + n)),
        hashes=[f"{i:064x}" for i in range(n)],
        taken=["2019-03-04T10:00:00", "2019-03-01T09:00:00", "2019-02-20T08:00:00", None, None][:n],
        paths=[f"/photos/p{i}.jpg" for i in range(n)],
        scores=scores,
        grouped_by_month=scores is None,
    ).index_hashes()


class FakeThumbnails(QObject):
    loaded = Signal(list)

    def __init__(self):
        super().__init__()
        self.asked = []

    def pixmap(self, content_hash):
        self.asked.append(content_hash)
        return None

    def is_missing(self, content_hash):
        return False


def test_rows_and_roles(qtmodeltester):
    model = PhotoListModel()
    model.set_rows(rows())
    qtmodeltester.check(model)
    assert model.rowCount() == 5
    assert model.photo_id(0) == 100 and model.path(4) == "/photos/p4.jpg"
    assert model.index(2).data(PhotoIdRole) == 102
    assert model.index(0).data(Qt.ItemDataRole.DisplayRole) == "p0.jpg"
    assert model.row_of(103) == 3 and model.row_of(999) is None


def test_month_sections_start_at_each_new_month():
    model = PhotoListModel()
    model.set_rows(rows())
    assert [(s.start, s.count, s.title) for s in model.sections()] == [
        (0, 2, "March 2019"), (2, 1, "February 2019"), (3, 2, "No date")]


def test_search_results_carry_scores_in_the_tooltip():
    model = PhotoListModel()
    model.set_rows(rows(3, scores=[0.31, 0.28, 0.2]))
    assert model.index(0).data(ScoreRole) == 0.31
    assert "score 0.31" in model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert [(s.start, s.count, s.title) for s in model.sections()] == [(0, 3, "")]  # ranked, not grouped


def test_thumbnails_are_asked_for_lazily_and_announced():
    thumbnails = FakeThumbnails()
    model = PhotoListModel(thumbnails)
    model.set_rows(rows())
    assert thumbnails.asked == []  # nothing is loaded until a view paints a cell
    assert model.thumbnail(1) is None
    assert thumbnails.asked == [f"{1:064x}"]
    changed, arrived = [], []
    model.dataChanged.connect(lambda first, last, roles: changed.append((first.row(), last.row())))
    model.thumbnailsArrived.connect(lambda: arrived.append(1))
    thumbnails.loaded.emit([f"{1:064x}", f"{3:064x}"])
    assert changed == [(1, 3)] and arrived == [1]
    thumbnails.loaded.emit(["not shown here"])
    assert changed == [(1, 3)] and arrived == [1]


def test_drag_out_gives_file_urls():
    model = PhotoListModel()
    model.set_rows(rows())
    data = model.mimeData([model.index(0), model.index(2)])
    assert [url.toLocalFile() for url in data.urls()] == ["/photos/p0.jpg", "/photos/p2.jpg"]


def test_removing_photos_keeps_the_rest_in_order():
    model = PhotoListModel()
    model.set_rows(rows())
    model.remove_photos([101, 103])
    assert model.rows.ids == [100, 102, 104]
    assert model.row_of(104) == 2
    assert model.rows.rows_by_hash[f"{4:064x}"] == [2]


def test_a_name_that_is_not_utf8_is_shown_readably_and_dragged_out_exactly():
    import os

    odd = os.fsdecode(b"/photos/caf\xe9.jpg")  # Latin-1 bytes: not valid UTF-8
    model = PhotoListModel()
    model.set_rows(PhotoRows(ids=[1], hashes=["0" * 64], taken=[None], paths=[odd], scores=None,
                             grouped_by_month=True).index_hashes())
    assert model.data(model.index(0), Qt.ItemDataRole.DisplayRole) == "caf\ufffd.jpg"  # not "caf.jpg"
    url = model.mimeData([model.index(0)]).urls()[0]
    assert url.toEncoded().data() == b"file:///photos/caf%E9.jpg"  # the file's own bytes
