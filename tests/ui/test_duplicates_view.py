"""The duplicates view: a photo and its edited copy side by side; trash, then undo, byte for byte."""

import hashlib
import os
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

OLD_NS = 1_420_070_400 * 10**9  # 1 Jan 2015: the original was taken long before the copy was made


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_photo_and_edited_copy(folder: Path, source: Path) -> tuple[Path, Path]:
    folder.mkdir()
    original = folder / source.name
    original.write_bytes(source.read_bytes())
    os.utime(original, ns=(OLD_NS, OLD_NS))
    copy = folder / f"{original.stem}-small.jpg"
    image = Image.open(original).convert("RGB")
    image.resize((image.width * 6 // 10, image.height * 6 // 10), Image.Resampling.LANCZOS).save(copy, quality=70)
    return original, copy


def test_duplicates_view_trash_and_undo_round_trip(qtbot, window, tmp_path, shared_data, temp_trash, monkeypatch):
    source = sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))[0]
    original, copy = make_photo_and_edited_copy(tmp_path / "Dupes", source)
    copy_digest = sha256(copy)
    window.folders_panel.add_folders([str(tmp_path / "Dupes")])
    qtbot.waitUntil(lambda: window.library_page.model.rowCount() == 2 and window.context.indexing.state == "idle",
                    timeout=20_000)

    window.set_view("duplicates")
    view = window.view_widget("duplicates")
    qtbot.waitUntil(lambda: not view.loading and bool(view.cards), timeout=20_000)
    card = next(c for c in view.cards if set(c.group.paths) == {str(original), str(copy)})
    assert card.group.tier == "same"
    assert card.group.keep.path == str(original)  # the larger, older original is the suggested keeper
    assert [t.member.path for t in card.tiles] == [str(original), str(copy)]
    assert card.kept_id() == card.group.keep.photo_id

    # Bulk apply shows a dry-run summary first; answering No moves nothing.
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.No)
    view.apply_suggestions()
    assert "Move 1 photo" in asked[0] and copy.exists()

    with qtbot.waitSignal(view.trashed, timeout=10_000) as trashed:
        card.trashOthers.emit(card.group, card.kept_id())
    assert trashed.args[0] == [m.photo_id for m in card.group.members[1:]]
    assert not copy.exists() and original.exists()
    assert any(temp_trash.joinpath("files").iterdir())

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Edit ▸ Undo
    qtbot.waitUntil(copy.exists, timeout=10_000)
    assert sha256(copy) == copy_digest
    qtbot.waitUntil(lambda: window.context.indexing.state == "idle" and window.library_page.model.rowCount() == 2,
                    timeout=20_000)


def test_not_duplicates_is_remembered(qtbot, window, tmp_path, shared_data):
    source = sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))[1]
    original, copy = make_photo_and_edited_copy(tmp_path / "Dupes", source)
    window.folders_panel.add_folders([str(tmp_path / "Dupes")])
    qtbot.waitUntil(lambda: window.library_page.model.rowCount() == 2 and window.context.indexing.state == "idle",
                    timeout=20_000)
    window.set_view("duplicates")
    view = window.view_widget("duplicates")
    qtbot.waitUntil(lambda: not view.loading and bool(view.cards), timeout=20_000)
    card = view.cards[0]
    card.notDuplicates.emit(card.group)
    qtbot.waitUntil(lambda: not view.cards, timeout=10_000)
    with qtbot.waitSignal(view.listed, timeout=10_000):
        view.refresh()
    assert not any(set(g.paths) == {str(original), str(copy)} for g in view.groups)


def test_destructive_dialogs_default_to_the_safe_answer(qtbot, qapp):
    """Enter on the confirmation moves nothing: the highlighted default button is No."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QWidget

    from album.ui.common.confirm import confirm_destructive

    parent = QWidget()
    qtbot.addWidget(parent)
    seen = {}

    def press_enter():
        box = qapp.activeModalWidget()
        seen["default"] = box.defaultButton().text().replace("&", "")
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(200, press_enter)
    assert confirm_destructive(parent, "Apply suggestions", "Move 3 photos to the trash?") is False
    assert seen["default"] == "No"


def test_apply_to_all_leaves_similar_shots_alone_unless_chosen(qtbot, window, tmp_path, monkeypatch):
    """Similar shots are different pictures: bulk actions offer them only when the user ticks them."""
    from album.services.duplicates import DuplicateThresholds
    from album.ui.duplicates.listing import DuplicateListing
    from photo_files import write_photo

    folder = tmp_path / "Mixed"
    original = write_photo(folder / "copy-a.jpg", seed=1)
    (folder / "copy-b.jpg").write_bytes(original.read_bytes())
    for i in range(2):
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = f"2021:06:01 10:00:0{i}"
        Image.open(write_photo(tmp_path / f"s{i}.png", seed=10 + i)).save(folder / f"shot{i}.jpg", exif=exif.tobytes())
    window.folders_panel.add_folders([str(folder)])
    qtbot.waitUntil(lambda: window.library_page.model.rowCount() == 4 and window.context.indexing.state == "idle",
                    timeout=30_000)
    library = window.context.library
    anything_alike = DuplicateThresholds(neighbours=8, same_steps=(), similar_min_cosine=-1.0)
    groups = library.duplicates(thresholds=anything_alike)
    assert sorted(g.tier for g in groups) == ["exact", "similar"]
    window.set_view("duplicates")
    view = window.view_widget("duplicates")
    qtbot.waitUntil(lambda: not view.loading, timeout=20_000)
    view._loaded(DuplicateListing(None, groups, {}))

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.No)
    view.apply_suggestions()
    assert "Move 1 photo " in asked[-1]  # the exact copy only
    view.include_similar.setChecked(True)
    view.apply_suggestions()
    assert "Move 2 photos " in asked[-1]


def test_group_buttons_stay_in_view_and_long_names_are_elided(qtbot, window, tmp_path, shared_data):
    source = sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))[2]
    folder = tmp_path / "Copies"
    folder.mkdir()
    long_name = "holiday-at-the-seaside-with-the-whole-family-summer-2019-copy"
    for n in range(7):  # a group of seven: wider than the window
        (folder / f"{long_name}-{n}.jpg").write_bytes(source.read_bytes())
    window.folders_panel.add_folders([str(folder)])
    qtbot.waitUntil(lambda: window.library_page.model.rowCount() == 7 and window.context.indexing.state == "idle",
                    timeout=20_000)
    window.set_view("duplicates")
    view = window.view_widget("duplicates")
    qtbot.waitUntil(lambda: not view.loading and bool(view.cards), timeout=20_000)
    card = view.cards[0]
    assert len(card.tiles) == 7
    for width, height in ((1400, 900), (800, 600)):
        window.resize(width, height)
        qtbot.waitUntil(lambda: window.width() <= width, timeout=2000)
        qtbot.wait(100)
        viewport = view.scroll.viewport()
        for button in (card.trash_button, card.distinct_button):
            right = button.mapTo(viewport, button.rect().topRight()).x()
            assert button.isVisible() and right <= viewport.width(), (width, button.text(), right, viewport.width())
    names = [label.text() for tile in card.tiles for label in tile.findChildren(type(tile.picture)) if "…" in label.text()]
    assert len(names) == 7  # each name cut in the middle with an ellipsis, not mid-word without one
