"""The People view on real photos: persons with their faces, a name given in place, a merge by
multi-select or by drag, a person's page; faces boxed in the viewer, and corrected there with a
right-click; a person filter in the search filters; face-pass progress in the status bar."""

import shutil

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QMessageBox

pytest.importorskip("dlib", reason="dlib (dlib-bin) is not installed: people are off")


def test_people_view_names_merges_and_opens_a_person(qtbot, window, tmp_path, shared_data, monkeypatch):
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
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[-1]) or QMessageBox.StandardButton.Yes)
    view.grid.selectAll()
    view.merge_selected()
    assert asked == [QMessageBox.StandardButton.No]  # asked first, with No as the default answer
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 1, timeout=20_000)
    assert view.cards[0].name == "Anna" and view.cards[0].faces == 6

    # Undo Merge: the two persons are back as they were, and the button has nothing left to undo.
    assert view.undo_merge_button.isEnabled() and "into Anna" in view.undo_merge_button.toolTip()
    qtbot.mouseClick(view.undo_merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 2, timeout=20_000)
    assert sorted((c.name or "", c.faces) for c in view.cards) == [("", 3), ("Anna", 3)]
    assert not view.undo_merge_button.isEnabled()

    # Merged again, and renamed behind the view's back (the CLI, another window) before Undo Merge
    # is pressed: the undo is refused, the view says why (not that people failed to load) and
    # shows the person as they are now.
    view.grid.selectAll()
    view.merge_selected()
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 1 and view.undo_merge_button.isEnabled(),
                    timeout=20_000)
    window.context.library.people.name(view.cards[0].id, "Anna Maria")
    view.undo_merge()
    qtbot.waitUntil(lambda: not view.loading and view.cards[0].name == "Anna Maria", timeout=20_000)
    assert view.summary.text().startswith("The merge was not undone: the person changed after the merge")
    assert len(view.cards) == 1 and view.cards[0].faces == 6 and not view.undo_merge_button.isEnabled()


def view_module():
    from album.ui.people import view as people_view

    return people_view


def _index_faces(qtbot, window, tmp_path, shared_data, persons=("Colin_Powell", "Kofi_Annan")) -> dict[str, list[str]]:
    """Three LFW photos per person, indexed with faces on; {LFW name: their paths}."""
    folder = tmp_path / "Faces"
    folder.mkdir()
    paths = {}
    for person in persons:
        for source in sorted((shared_data / "faces" / person).glob("*.jpg"))[:3]:
            shutil.copy(source, folder / source.name)
            paths.setdefault(person, []).append(str(folder / source.name))
    window.context.library.people.set_enabled(True)
    window.folders_panel.add_folders([str(folder)])
    qtbot.waitUntil(lambda: window.context.indexing.state == "idle" and window.library_page.model.rowCount() == 6
                    and len(window.context.library.people.people()) == len(persons), timeout=120_000)
    return paths


def _person_with(window, paths) -> int:
    return next(p.id for p in window.context.library.people.people() if sorted(p.photos) == sorted(paths))


def _shown_paths(window) -> list[str]:
    model = window.library_page.model
    return sorted(model.path(row) for row in range(model.rowCount()))


def _answer(qtbot, qapp, button, seen):
    """Answers the next modal question with `button` (None: Enter, the default answer)."""
    def answer():
        box = qapp.activeModalWidget()
        if box is None:  # not asked yet (a busy machine): look again shortly
            QTimer.singleShot(50, answer)
            return
        seen.append(box.defaultButton().text().replace("&", ""))
        if button is None:
            qtbot.keyClick(box, Qt.Key.Key_Return)
        else:
            box.button(button).click()

    QTimer.singleShot(100, answer)


def test_the_person_filter_narrows_and_follows_renames_and_merges(qtbot, qapp, window, tmp_path, shared_data):
    paths = _index_faces(qtbot, window, tmp_path, shared_data)
    colin, kofi = _person_with(window, paths["Colin_Powell"]), _person_with(window, paths["Kofi_Annan"])
    popup = window.search_bar.popup
    window.search_bar.filters_button.click()  # opens the popup and loads its choices
    qtbot.waitUntil(lambda: popup.person.count() == 3, timeout=20_000)
    offered = {popup.person.itemData(i): popup.person.itemText(i) for i in range(popup.person.count())}
    assert offered == {None: "Any", colin: "Unnamed person · 3 photos", kofi: "Unnamed person · 3 photos"}

    popup.person.setCurrentIndex(popup.person.findData(colin))
    _apply(popup)
    qtbot.waitUntil(lambda: not window.search.busy and _shown_paths(window) == sorted(paths["Colin_Powell"]),
                    timeout=30_000)
    assert window.search_bar.filters_button.text() == "Filters •"
    assert window._current_smart_query().people == (colin,)  # "Smart Album from Current Search" keeps him

    # With a typed query: only Colin's photos, however the query ranks them.
    qtbot.keyClicks(window.search_bar.field, "a man in a suit")
    qtbot.waitUntil(lambda: not window.search.busy and window.search.text == "a man in a suit", timeout=30_000)
    assert set(_shown_paths(window)) <= set(paths["Colin_Powell"])
    window.search.show_all()
    qtbot.waitUntil(lambda: not window.search.busy and _shown_paths(window) == sorted(paths["Colin_Powell"]),
                    timeout=30_000)

    # A rename shows the new name; the filter is the same person.
    window.set_view("people")
    view = window.view_widget("people")
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 2, timeout=20_000)
    view.name_person(colin, "Colin")
    qtbot.waitUntil(lambda: popup.person.findText("Colin") >= 0, timeout=20_000)
    assert popup.person.currentData() == colin and popup.person.itemData(popup.person.findText("Colin")) == colin

    # Kofi merged into Colin: Kofi leaves the picker, and a filter on Kofi follows him into Colin.
    popup.person.setCurrentIndex(popup.person.findData(kofi))
    _apply(popup)
    qtbot.waitUntil(lambda: not window.search.busy and _shown_paths(window) == sorted(paths["Kofi_Annan"]),
                    timeout=30_000)
    seen = []
    _answer(qtbot, qapp, QMessageBox.StandardButton.Yes, seen)
    view.request_merge(colin, [kofi])
    qtbot.waitUntil(lambda: popup.person.findData(kofi) < 0 and window.search.filters.person_id == colin, timeout=20_000)
    assert [popup.person.itemText(i) for i in range(popup.person.count())] == ["Any", "Colin"]
    assert popup.person.currentData() == colin
    everyone = sorted(paths["Colin_Powell"] + paths["Kofi_Annan"])
    qtbot.waitUntil(lambda: not window.search.busy and set(_shown_paths(window)) <= set(everyone)
                    and window.search.last_outcome is not None, timeout=30_000)
    window.search.show_all()
    qtbot.waitUntil(lambda: not window.search.busy and _shown_paths(window) == everyone, timeout=30_000)

    # The merge undone: Kofi is offered again, and a filter on him is his own, not Colin's.
    qtbot.waitUntil(lambda: not view.loading and view.undo_merge_button.isEnabled(), timeout=20_000)
    view.undo_merge()
    qtbot.waitUntil(lambda: popup.person.findData(kofi) >= 0, timeout=20_000)
    popup.person.setCurrentIndex(popup.person.findData(kofi))
    _apply(popup)
    qtbot.waitUntil(lambda: not window.search.busy and window.search.filters.person_id == kofi
                    and _shown_paths(window) == sorted(paths["Kofi_Annan"]), timeout=30_000)
    view.name_person(colin, "Colin Powell")  # People changes again: the picker keeps Kofi
    qtbot.waitUntil(lambda: popup.person.findText("Colin Powell") >= 0, timeout=20_000)
    assert popup.person.currentData() == kofi and window.search.filters.person_id == kofi


def _apply(popup):
    next(b for b in popup.findChild(QDialogButtonBox).buttons() if b.text() == "Apply").click()


def _drag(view, source_item, target_item):
    """A real drag's events, carrying what the grid puts in a drag of `source_item`."""
    from album.ui.people.view import PERSON_IDS_MIME

    grid = view.grid
    mime: QMimeData = grid.mimeData([source_item])
    assert mime.hasFormat(PERSON_IDS_MIME)
    at = grid.visualItemRect(target_item).center()
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(grid.viewport(), QDragEnterEvent(at, actions, mime, buttons, keys))
    move = QDragMoveEvent(at, actions, mime, buttons, keys)
    QApplication.sendEvent(grid.viewport(), move)
    drop = QDropEvent(at.toPointF(), actions, mime, buttons, keys)
    if move.isAccepted():
        QApplication.sendEvent(grid.viewport(), drop)
    return move.isAccepted(), drop


def test_dragging_a_person_onto_another_merges_them_once_confirmed(qtbot, qapp, window, tmp_path, shared_data):
    paths = _index_faces(qtbot, window, tmp_path, shared_data)
    colin, kofi = _person_with(window, paths["Colin_Powell"]), _person_with(window, paths["Kofi_Annan"])
    window.context.library.people.name(colin, "Colin")
    window.set_view("people")
    view = window.view_widget("people")
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 2, timeout=20_000)
    item = {view.grid.item(i).data(view_module().PERSON_ID): view.grid.item(i) for i in range(view.grid.count())}

    accepted, _ = _drag(view, item[kofi], item[kofi])
    assert not accepted  # a tile dropped on itself is no merge

    # Enter on the question takes the default, No: nothing merges.
    seen = []
    _answer(qtbot, qapp, None, seen)
    accepted, drop = _drag(view, item[kofi], item[colin])
    assert accepted and drop.isAccepted() and drop.dropAction() == Qt.DropAction.CopyAction  # the tile stays
    qtbot.waitUntil(lambda: seen == ["No"], timeout=10_000)
    qtbot.waitUntil(lambda: qapp.activeModalWidget() is None, timeout=10_000)
    from album.ui.common.tasks import FILES

    assert window.context.tasks.wait(FILES)  # a merge, had one started, would be written by now
    assert view.grid.count() == 2 and len(window.context.library.people.people()) == 2

    _answer(qtbot, qapp, QMessageBox.StandardButton.Yes, seen)
    _drag(view, item[kofi], item[colin])
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 1, timeout=20_000)
    assert (view.cards[0].id, view.cards[0].name, view.cards[0].faces) == (colin, "Colin", 6)
    merged = window.context.library.people.person(colin)
    assert sorted(merged.photos) == sorted(paths["Colin_Powell"] + paths["Kofi_Annan"])


def _face_menu_pick(qtbot, viewer, *titles):
    """Right-click the photo's only face box and choose titles[0] (> titles[1] in its submenu)."""
    canvas = viewer.canvas
    center = canvas.face_rect(0).center().toPoint()
    assert canvas.face_at(center) == 0 and canvas.face_at(QPoint(1, 1)) is None
    picked = []

    def pick():
        menu = QApplication.activePopupWidget()
        if menu is None:
            QTimer.singleShot(50, pick)
            return
        action = next(a for a in menu.actions() if a.text() == titles[0])
        if len(titles) > 1:
            action = next(a for a in action.menu().actions() if a.text() == titles[1])
        picked.append([a.text() for a in menu.actions() if a.text()])
        menu.close()
        action.trigger()

    QTimer.singleShot(100, pick)
    QApplication.sendEvent(canvas, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, center, canvas.mapToGlobal(center)))
    qtbot.waitUntil(lambda: bool(picked), timeout=10_000)
    return picked[0]


def test_a_face_is_corrected_from_the_viewer(qtbot, window, tmp_path, shared_data, monkeypatch):
    paths = _index_faces(qtbot, window, tmp_path, shared_data)
    people = window.context.library.people
    colin, kofi = _person_with(window, paths["Colin_Powell"]), _person_with(window, paths["Kofi_Annan"])
    people.name(colin, "Colin")
    photo = paths["Colin_Powell"][0]
    photo_id = window.context.library.photo_ids([photo])[0]
    face_id = people.faces_in(photo_id)[0][0].id
    window.set_view("people")  # Colin's page, and the photo opened from it
    view = window.view_widget("people")
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 2, timeout=20_000)
    view.open_person(next(view.grid.item(i) for i in range(2) if view.grid.item(i).data(view_module().PERSON_ID) == colin))
    qtbot.waitUntil(lambda: window.view == "library" and _shown_paths(window) == sorted(paths["Colin_Powell"]),
                    timeout=20_000)
    window.open_photo(photo_id)
    viewer = window.viewer
    qtbot.waitUntil(lambda: [n for _, n in viewer.canvas.faces] == ["Colin"], timeout=20_000)

    # Move To > Kofi (unnamed): the face is his now, the box loses Colin's name, his page the photo.
    offered = _face_menu_pick(qtbot, viewer, "Move To", "Unnamed person · 3 photos")
    assert offered == ["Not Colin", "Move To"]
    qtbot.waitUntil(lambda: people.faces.face(face_id).person_id == kofi
                    and [n for _, n in viewer.canvas.faces] == [None], timeout=20_000)
    assert photo not in people.person(colin).photos
    qtbot.waitUntil(lambda: _shown_paths(window) == sorted(paths["Colin_Powell"][1:]), timeout=20_000)

    # Not this person: the face leaves Kofi and stays out after a full regroup.
    _face_menu_pick(qtbot, viewer, "Not This Person")
    qtbot.waitUntil(lambda: people.faces.face(face_id).person_id is None, timeout=20_000)
    people.regroup(full=True)
    assert people.faces.face(face_id).person_id is None and people.person(kofi).faces == 3

    # This Is > New Person…: a named person with this one face, shown in People and on the box.
    qtbot.waitUntil(lambda: viewer.photo_faces is not None and viewer.photo_faces.faces[0].person_id is None,
                    timeout=20_000)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Stranger", True))
    _face_menu_pick(qtbot, viewer, "This Is", "New Person…")
    qtbot.waitUntil(lambda: [n for _, n in viewer.canvas.faces] == ["Stranger"], timeout=20_000)
    stranger = next(p for p in people.people() if p.name == "Stranger")
    assert stranger.photos == [photo]
    viewer.close()


def test_edit_undo_takes_back_the_newest_of_a_merge_and_a_move_to_the_trash(qtbot, window, tmp_path, shared_data,
                                                                             temp_trash, monkeypatch):
    folder = tmp_path / "Faces"
    folder.mkdir()
    for person in ("Colin_Powell", "Kofi_Annan"):
        for source in sorted((shared_data / "faces" / person).glob("*.jpg"))[:3]:
            shutil.copy(source, folder / source.name)
    shutil.copy(sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))[0], folder / "no_face.jpg")
    window.context.library.people.set_enabled(True)
    window.folders_panel.add_folders([str(folder)])
    qtbot.waitUntil(lambda: window.context.indexing.state == "idle" and window.library_page.model.rowCount() == 7,
                    timeout=120_000)
    assert not window.undo_action.isEnabled()

    # First a photo goes to the trash, then two persons are merged: the merge is the newer action.
    model = window.library_page.model
    row = next(r for r in range(model.rowCount()) if model.path(r).endswith("no_face.jpg"))
    window.trash_photos([model.photo_id(row)], [model.path(row)])
    qtbot.waitUntil(lambda: window.undo_action.text() == "Undo Move to Trash" and window.undo_action.isEnabled(),
                    timeout=10_000)
    window.set_view("people")
    view = window.view_widget("people")
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 2, timeout=20_000)
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    view.grid.selectAll()
    view.merge_selected()
    qtbot.waitUntil(lambda: window.undo_action.text().startswith("Undo Merge of "), timeout=20_000)

    # Ctrl+Z takes the merge back; the next one puts the photo back from the trash.
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: not view.loading and len(view.cards) == 2, timeout=20_000)
    assert sorted(c.faces for c in view.cards) == [3, 3]
    qtbot.waitUntil(lambda: window.undo_action.text() == "Undo Move to Trash", timeout=10_000)
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: (folder / "no_face.jpg").exists(), timeout=10_000)
    qtbot.waitUntil(lambda: not window.undo_action.isEnabled() and window.undo_action.text() == "Undo", timeout=20_000)
