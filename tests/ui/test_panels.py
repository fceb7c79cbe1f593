"""Side panels and dialogs: albums (from a selection, from a search, organise, export), folders,
failed files, settings."""

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from conftest import PHOTO_COUNT, wait_indexed


def test_albums_from_selection_and_from_search_then_export(qtbot, window, flickr_photos, tmp_path, monkeypatch):
    window.folders_panel.add_folders([str(flickr_photos)])
    wait_indexed(qtbot, window, PHOTO_COUNT)
    grid, model, panel = window.library_page.grid, window.library_page.model, window.albums_panel
    for row in (0, 1, 2):
        grid.selectionModel().select(model.index(row), QItemSelectionModel.SelectionFlag.Select)
    names = iter(["Picks", "Dogs"])
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: (next(names), True))
    with qtbot.waitSignal(panel.albumsChanged, timeout=10_000):
        panel.new_album(grid.selected_photo_ids())
    assert [a.name for a in panel.albums] == ["Picks"]

    window.search.set_text("dog")
    qtbot.waitUntil(lambda: not window.search.busy, timeout=10_000)
    with qtbot.waitSignal(panel.albumsChanged, timeout=10_000):
        panel.new_smart_album()
    assert {(a.name, a.kind) for a in panel.albums} == {("Picks", "manual"), ("Dogs", "smart")}

    with qtbot.waitSignal(panel.albumOpened, timeout=10_000) as opened:
        panel.open_album([a.name for a in panel.albums].index("Picks"))
    assert opened.args[0] == "Picks" and len(opened.args[1]) == 3
    assert window.library_page.mode == "album" and window.library_page.model.rowCount() == 3

    target = tmp_path / "Export"
    target.mkdir()
    panel.list.setCurrentRow([a.name for a in panel.albums].index("Picks"))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(target))
    monkeypatch.setattr(panel, "choose_export_mode", lambda: "copy")
    monkeypatch.setattr(QMessageBox, "information", lambda *args: None)
    with qtbot.waitSignal(panel.exported, timeout=10_000) as exported:
        panel.export_selected()
    assert exported.args[0].copied == 3 and len(list(target.iterdir())) == 3


def test_failed_files_are_counted_and_listed_with_reasons(qtbot, window, tmp_path, shared_data):
    from album.ui.indexing.failed_files import FailedFilesDialog

    folder = tmp_path / "Mixed"
    folder.mkdir()
    (folder / "good.jpg").write_bytes(next((shared_data / "flickr8k" / "images").glob("*.jpg")).read_bytes())
    (folder / "truncated.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    window.folders_panel.add_folders([str(folder)])
    wait_indexed(qtbot, window, 1)
    assert window.indexing_status.failed_button.isVisible()
    assert "1 file could not be read" in window.indexing_status.failed_button.text()
    dialog = FailedFilesDialog(window.context, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1, timeout=10_000)
    item = dialog.tree.topLevelItem(0)
    assert item.text(0).endswith("truncated.jpg") and item.text(1)


def test_removing_a_folder_forgets_its_photos(qtbot, window, flickr_photos, monkeypatch):
    window.folders_panel.add_folders([str(flickr_photos)])
    wait_indexed(qtbot, window, PHOTO_COUNT)
    window.folders_panel.list.setCurrentRow(0)
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    window.folders_panel.remove_selected()
    qtbot.waitUntil(lambda: window.folders_panel.folders == [] and window.library_page.model.rowCount() == 0,
                    timeout=10_000)
    assert flickr_photos.is_dir() and len(list(flickr_photos.iterdir())) == PHOTO_COUNT  # files untouched


def test_settings_offer_models_and_remember_the_device(qtbot, window):
    from album.ui.settings.dialog import SettingsDialog

    dialog = SettingsDialog(window.context, window)
    qtbot.addWidget(dialog)
    ids = [info.model_id for info in dialog.model_infos]
    assert ids[0] == "album-mini" and len(ids) > 1  # the embedded default, then hub models to download
    assert "random-tiny" in dialog.current.text()
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    assert window.context.settings.value("model/device") == "cpu"


def test_settings_explain_models_and_offer_only_devices_present(qtbot, window):
    import torch

    from album.models.device import devices_present
    from album.ui.settings.dialog import SettingsDialog

    dialog = SettingsDialog(window.context, window)
    qtbot.addWidget(dialog)
    titles = [dialog.models.itemText(row) for row in range(dialog.models.count())]
    assert not any(title.startswith("onnx:") for title in titles)  # words, not ids
    assert all("speed" in title and ("MB download" in title or "no download" in title) for title in titles)
    clip = [info.model_id for info in dialog.model_infos].index("onnx:Xenova/clip-vit-base-patch32")
    dialog.models.setCurrentIndex(clip)
    assert "CLIP" in dialog.description.text() and "onnx:Xenova/clip-vit-base-patch32" in dialog.description.text()
    offered = [dialog.device.itemData(row) for row in range(dialog.device.count())]
    assert offered == ["auto", *devices_present()]
    assert ("cuda" in offered) == torch.cuda.is_available() or "cuda" in devices_present()
    if not torch.cuda.is_available():
        import onnxruntime

        assert "cuda" not in offered or "CUDAExecutionProvider" in onnxruntime.get_available_providers()


def test_file_dialogs_start_in_pictures(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    home = tmp_path / "home"
    (home / "Pictures").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # no user-dirs.dirs: the default Pictures
    started = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda parent, title, folder="": started.append(folder) or "")
    window.context.library.albums.create("Trip", [])
    window.albums_panel.refresh()
    qtbot.waitUntil(lambda: window.albums_panel.list.count() == 1, timeout=5000)
    window.albums_panel.list.setCurrentRow(0)
    window.albums_panel.export_selected()
    window.folders_panel.choose_folder()
    assert started == [str(home / "Pictures")] * 2


def test_folders_say_once_that_they_are_kept_up_to_date(qtbot, window, flickr_photos, monkeypatch):
    window.folders_panel.add_folders([str(flickr_photos)])
    wait_indexed(qtbot, window, PHOTO_COUNT)
    panel = window.folders_panel
    # As the watcher reports a natively watched folder (these tests run without one).
    monkeypatch.setattr(window.context.indexing, "folder_watch_mode", lambda folder: "native")
    panel._show()
    assert panel.watch_note.isVisible() and "kept up to date automatically" in panel.watch_note.text()
    assert [panel.list.item(row).text() for row in range(panel.list.count())] == [flickr_photos.name]  # one line
    assert str(flickr_photos) in panel.list.item(0).toolTip()


def test_pause_and_cancel_keep_their_size_in_the_status_bar(qtbot, window):
    status = window.indexing_status
    window.resize(1400, 800)
    status.show_state("indexing")
    qtbot.waitUntil(lambda: status.pause_button.isVisible(), timeout=5000)
    qtbot.wait(50)
    for button in (status.pause_button, status.cancel_button):
        assert button.width() <= button.sizeHint().width() + 4, button.text()
    status.show_state("idle")
