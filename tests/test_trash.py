"""The system trash behind duplicate review and Delete: what it moves, what undo gives back
(bytes, manual tags, hidden tags, album places), and what it refuses to do."""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from album.services.trash.os_trash import TrashUnsupported, find_trashed
from album.services.trash import NothingToUndo, RestoreConflict, RestoreFailed, TrashFailed, TrashService
from photo_families import PHASH_ONLY, finder_of, sha256
from photo_files import write_photo


def trash_service(library, send_to_trash) -> TrashService:
    def forget(ids):  # what the Library wires in: drop trashed photos from its vector index
        library.vector_index().remove(ids)

    return TrashService(library.database, send_to_trash, forget_photos=forget)


def test_resolve_moves_the_copies_to_the_trash_and_undo_restores_them(one_family, temp_trash):
    library, family, _ = one_family
    trash_dir, send_to_trash = temp_trash
    (group,) = finder_of(library).find(thresholds=PHASH_ONLY)
    assert group.keep.path == str(family[0])
    others = [Path(p) for p in group.paths[1:]]
    digests = {p: sha256(p) for p in others}
    ids = {library.photos.by_path(p).id for p in others}
    vectors = {i: library.embeddings.get(i, library.model_id) for i in ids}

    action = trash_service(library, send_to_trash).resolve(group)

    assert Path(group.keep.path).is_file()
    assert not any(p.exists() for p in others)
    assert sorted(sha256(f) for f in (trash_dir / "files").iterdir()) == sorted(digests.values())
    assert len(list((trash_dir / "info").glob("*.trashinfo"))) == len(others)
    assert all(library.photos.by_path(p) is None for p in others)
    index = library.vector_index()
    assert ids.isdisjoint(index.ids().tolist())
    for vector in vectors.values():
        found, _ = index.search(vector, k=len(index))
        assert ids.isdisjoint(found.tolist()), "search never returns a trashed photo"
    journal = library.database.query("SELECT original_path, content_hash FROM trash_journal WHERE action_id = ?", (action,))
    assert {r[0] for r in journal} == {str(p) for p in others}

    restored = trash_service(library, send_to_trash).undo()
    assert sorted(restored) == sorted(others)
    assert {p: sha256(p) for p in others} == digests
    assert list((trash_dir / "files").iterdir()) == [] and list((trash_dir / "info").iterdir()) == []
    library.index(restored)
    assert {library.photos.by_path(p).id for p in others} <= set(library.vector_index().ids().tolist())
    with pytest.raises(NothingToUndo):
        trash_service(library, send_to_trash).undo()


def test_undo_refuses_to_overwrite_a_file_that_reappeared(library, photos_dir, temp_trash):
    trash_dir, send_to_trash = temp_trash
    photos = [write_photo(photos_dir / f"{i}.jpg", seed=i) for i in range(2)]
    library.add_folder(photos_dir)
    library.index()
    digests = {p: sha256(p) for p in photos}
    service = trash_service(library, send_to_trash)
    action = service.trash(photos)
    write_photo(photos[1], seed=50)  # something new was saved under the same name meanwhile
    with pytest.raises(RestoreConflict) as conflict:
        service.undo(action)
    assert conflict.value.paths == [str(photos[1])]
    assert not photos[0].exists(), "nothing is restored while there is a conflict"
    photos[1].rename(photos_dir / "new.jpg")
    assert sorted(service.undo(action)) == sorted(photos)
    assert {p: sha256(p) for p in photos} == digests


def test_undo_finds_the_right_entry_when_a_name_was_trashed_twice(library, photos_dir, temp_trash):
    _, send_to_trash = temp_trash
    path = write_photo(photos_dir / "a.jpg", seed=1)
    first = sha256(path)
    service = trash_service(library, send_to_trash)
    first_action = service.trash([path])
    write_photo(path, seed=2)
    second_action = service.trash([path])
    assert service.undo(first_action) == [path] and sha256(path) == first
    path.rename(photos_dir / "b.jpg")
    service.undo(second_action)
    assert sha256(path) != first


def test_trash_failures_are_reported_and_keeper_must_exist(library, photos_dir, temp_trash):
    _, send_to_trash = temp_trash
    photo = write_photo(photos_dir / "a.jpg", seed=1)
    service = trash_service(library, send_to_trash)
    with pytest.raises(TrashFailed) as failed:
        service.trash([photo, photos_dir / "missing.jpg"])
    assert failed.value.failed.keys() == {str(photos_dir / "missing.jpg")} and not photo.exists()
    assert service.undo(failed.value.action_id) == [photo]


def test_undo_on_windows_says_what_to_do_instead(tmp_path):
    with pytest.raises(TrashUnsupported, match="Recycle Bin"):
        find_trashed(tmp_path / "a.jpg", None, datetime.now(timezone.utc), platform="win32")


def test_undo_gives_back_manual_tags_hidden_tags_and_album_places(one_family, temp_trash):
    library, family, _ = one_family
    copy = family[1]
    library.tag(copy, "my holiday")
    library.untag(copy, "beach")  # the user said: not a beach; auto-tagging must not bring it back
    library.albums.create("Best of", library.photo_ids([copy]))
    library.albums.create("Gone later", library.photo_ids([copy]))

    action = library.trash.trash([copy])
    assert library.photos.by_path(copy) is None and library.albums.photo_ids("Best of") == []
    library.albums.delete("Gone later")  # deleted meanwhile: not recreated
    library.undo_trash(action)

    photo_id = library.photo_ids([copy])[0]
    assert [(t.tag, t.source) for t in library.tags([copy])[str(copy)] if t.source == "manual"] == [("my holiday", "manual")]
    hidden = library.database.query("SELECT tag FROM tags WHERE photo_id = ? AND hidden = 1", (photo_id,))
    assert [r[0] for r in hidden] == ["beach"]
    assert library.albums.photo_ids("Best of") == [photo_id]
    assert [a.name for a in library.albums.list()] == ["Best of"]
    assert library.database.query("SELECT count(*) FROM trash_journal WHERE kept IS NOT NULL")[0][0] == 0


def empty_from_trash(trash_dir: Path, photo_digest: str) -> None:
    """What a user does in the file manager: delete one file for good from the trash."""
    for entry in (trash_dir / "files").iterdir():
        if sha256(entry) == photo_digest:
            entry.unlink()
            (trash_dir / "info" / f"{entry.name}.trashinfo").unlink()
            return
    raise AssertionError("not in the trash")


def test_undo_skips_an_action_whose_files_are_gone_from_the_trash(library, photos_dir, temp_trash):
    trash_dir, send_to_trash = temp_trash
    first = [write_photo(photos_dir / f"{i}.jpg", seed=i) for i in range(2)]
    later = write_photo(photos_dir / "later.jpg", seed=9)
    digests = {p: sha256(p) for p in [*first, later]}
    service = trash_service(library, send_to_trash)
    x = service.trash(first)
    y = service.trash([later])
    empty_from_trash(trash_dir, digests[later])

    actions = service.actions()
    assert [(a.action_id, a.state, a.in_trash, a.gone) for a in actions] == [
        (y, "gone", 0, (str(later),)), (x, "in_trash", 2, ())]
    action, skipped = service.next_undoable()
    assert action.action_id == x and [s.action_id for s in skipped] == [y]

    assert sorted(service.undo()) == sorted(first)  # X, not "the same message forever" about Y
    assert {p: sha256(p) for p in first} == {p: digests[p] for p in first}
    assert [(a.action_id, a.state) for a in service.actions()] == [(y, "gone")]
    with pytest.raises(NothingToUndo, match="no longer in the trash"):
        service.undo()
    with pytest.raises(RestoreFailed, match="no longer in the trash"):
        service.undo(y)


def test_undo_puts_back_what_is_still_in_the_trash_and_names_the_rest(library, photos_dir, temp_trash):
    trash_dir, send_to_trash = temp_trash
    photos = [write_photo(photos_dir / f"{i}.jpg", seed=i) for i in range(3)]
    gone, digest = photos[1], sha256(photos[1])
    service = trash_service(library, send_to_trash)
    action = service.trash(photos)
    empty_from_trash(trash_dir, digest)

    (state,) = service.actions()
    assert (state.state, state.in_trash, state.gone) == ("partly_gone", 2, (str(gone),))
    assert sorted(service.undo(action[:8])) == [photos[0], photos[2]]  # a unique beginning of the id will do
    assert [(a.action_id, a.state, a.gone) for a in service.actions()] == [(action, "gone", (str(gone),))]
