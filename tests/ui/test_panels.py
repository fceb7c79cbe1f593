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
    from album.ui.widgets.failed_files import FailedFilesDialog

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
    from album.ui.widgets.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.context, window)
    qtbot.addWidget(dialog)
    ids = [info.model_id for info in dialog.model_infos]
    assert ids[0] == "album-mini" and len(ids) > 1  # the embedded default, then hub models to download
    assert "random-tiny" in dialog.current.text()
    dialog.device.setCurrentText("cpu")
    assert window.context.settings.value("model/device") == "cpu"
