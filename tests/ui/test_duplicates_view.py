"""The duplicates view: a photo and its edited copy side by side; trash, then undo, byte for byte."""

import hashlib
import os
import time
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

OLD_NS = time.time_ns() - 400 * 86_400 * 10**9  # the original was taken long before the copy was made


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
