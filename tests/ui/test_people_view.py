"""The People view on real photos: persons with their faces, a name given in place, a merge by
multi-select, a person's page; faces boxed in the viewer; face-pass progress in the status bar."""

import shutil

import pytest

pytest.importorskip("dlib", reason="dlib (dlib-bin) is not installed: people are off")


def test_people_view_names_merges_and_opens_a_person(qtbot, window, tmp_path, shared_data):
    folder = tmp_path / "Faces"
    folder.mkdir()
    for person in ("Colin_Powell", "Kofi_Annan"):
        for source in sorted((shared_data / "faces" / person).glob("*.jpg"))[:3]:
            shutil.copy(source, folder / source.name)
    window.context.library.people.set_enabled(True)  # the suite turns faces off by default (conftest.py)
    phases = []
    window.context.indexing.progressed.connect(lambda p: phases.append((p.phase, window.indexing_status.label.text())))
    window.folders_panel.add_folders([str(folder)])
    qtbot.waitUntil(lambda: window.context.indexing.state == "idle" and window.library_page.model.rowCount() == 6,
                    timeout=120_000)
    assert any(phase == "faces" and text.startswith("Finding faces") for phase, text in phases)

    window.set_view("people")
    view = window.view_widget("people")
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 2, timeout=20_000)
    assert sorted(c.faces for c in view.cards) == [3, 3] and all(c.cover for c in view.cards)

    # Name in place: the delegate's editor writes the name, which reaches the library.
    item = view.grid.item(0)
    person_id = item.data(view_module().PERSON_ID)
    view.grid.editItem(item)
    editor = view.grid.findChild(view_module().QLineEdit)
    editor.setText("Anna")
    view.grid.commitData(editor)
    qtbot.waitUntil(lambda: window.context.library.people.person(person_id).name == "Anna", timeout=20_000)
    qtbot.waitUntil(lambda: not view.loading and any(c.name == "Anna" for c in view.cards), timeout=20_000)
    assert "Anna" in window.albums_panel.manual_album_names + [a.name for a in window.albums_panel.albums]

    # The person's page: their photos in the library grid.
    anna = next(i for i in range(view.grid.count()) if view.grid.item(i).data(view_module().PERSON_NAME) == "Anna")
    view.open_person(view.grid.item(anna))
    qtbot.waitUntil(lambda: window.view == "library" and window.library_page.model.rowCount() == 3, timeout=20_000)

    # The viewer boxes the faces with the name.
    photo_id = window.library_page.model.rows.ids[0]
    window.open_photo(photo_id)
    qtbot.waitUntil(lambda: bool(window.viewer.canvas.faces), timeout=20_000)
    assert [name for _, name in window.viewer.canvas.faces] == ["Anna"]
    window.viewer.close()

    # Merge by multi-select: one person, named Anna, with all six faces.
    window.set_view("people")
    qtbot.waitUntil(lambda: not view.loading, timeout=20_000)
    view.grid.selectAll()
    view.merge_selected()
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 1, timeout=20_000)
    assert view.cards[0].name == "Anna" and view.cards[0].faces == 6


def view_module():
    from album.ui.widgets import people_view

    return people_view
