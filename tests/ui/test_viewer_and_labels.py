"""The photo viewer (upright image, arrow keys, details, tags) and the labels editor."""

import pytest
from PySide6.QtCore import Qt

from conftest import PHOTO_COUNT, wait_indexed


@pytest.fixture
def indexed(qtbot, window, flickr_photos):
    window.folders_panel.add_folders([str(flickr_photos)])
    wait_indexed(qtbot, window, PHOTO_COUNT)
    return window


def test_viewer_steps_with_arrow_keys_and_edits_tags(qtbot, indexed):
    model = indexed.library_page.model
    first, second = model.photo_id(0), model.photo_id(1)
    indexed.open_photo(first)
    viewer = indexed.viewer
    qtbot.waitUntil(lambda: viewer.canvas.image is not None and viewer.details is not None, timeout=10_000)
    assert viewer.fields["path"].text() == model.path(0)
    with qtbot.waitSignal(viewer.photoShown, timeout=10_000):
        qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.photo_id == second and viewer.details.photo_id == second

    viewer.tag_editor.field.setText("holiday")
    qtbot.keyClick(viewer.tag_editor.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "holiday" in viewer.tag_editor.tags, timeout=10_000)
    assert any(t.tag == "holiday" and t.source == "manual" for t in indexed.context.library.tags([model.path(1)])[model.path(1)])
    viewer.close()


def test_viewer_shows_exif_rotated_photos_upright(qtbot, window, tmp_path, shared_data):
    folder = tmp_path / "Rotated"
    folder.mkdir()
    for n in (1, 6, 8):
        (folder / f"Landscape_{n}.jpg").write_bytes((shared_data / "formats" / f"Landscape_{n}.jpg").read_bytes())
    window.folders_panel.add_folders([str(folder)])
    wait_indexed(qtbot, window, 3)
    for row in range(3):
        window.open_photo(window.library_page.model.photo_id(row))
        viewer = window.viewer
        qtbot.waitUntil(lambda: viewer.canvas.image is not None, timeout=10_000)
        image = viewer.canvas.image
        assert image.width() > image.height(), window.library_page.model.path(row)  # a landscape, whatever the EXIF said
        viewer.canvas.set_image(None)
    window.viewer.close()


def test_labels_editor_adds_a_label_and_its_tags_appear(qtbot, indexed):
    library = indexed.context.library
    library.set_labels([])  # the random test model: with no other labels, the new one wins every photo
    indexed.set_view("labels")
    editor = indexed.view_widget("labels")
    qtbot.waitUntil(lambda: not editor.loading, timeout=10_000)
    editor.new_label()
    qtbot.keyClicks(editor.name, "dogs")
    editor.prompts.setPlainText("a photo of a dog\na dog playing outside")
    editor.use_default.setChecked(False)
    editor.slider.setValue(0)
    qtbot.waitUntil(lambda: editor.preview_model.rowCount() == PHOTO_COUNT, timeout=10_000)  # live preview
    with qtbot.waitSignal(editor.saved, timeout=20_000) as saved:
        editor.save()
    name, count = saved.args
    assert name == "dogs" and count == PHOTO_COUNT
    tags = library.tags()
    assert all(any(t.tag == "dogs" for t in photo_tags) for photo_tags in tags.values())
    qtbot.waitUntil(lambda: [label.name for label in editor.labels] == ["dogs"], timeout=10_000)
    assert "12 photos tagged" in editor.status.text()
