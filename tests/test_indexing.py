"""The indexing engine end to end: real files, a real SQLite file, a real hnswlib index, real
forward passes of a (tiny, seeded) open_clip model."""

import os
import shutil
from datetime import datetime

import numpy as np
import pytest

from album.progress import CancelToken
from photo_files import tree_digest, write_photo


class CountingModel:
    """The real model, counting how many images it was asked to encode."""

    def __init__(self, model):
        self._model = model
        self.model_id, self.dim, self.device = model.model_id, model.dim, model.device
        self.images_encoded = 0

    def preprocess(self, image):
        return self._model.preprocess(image)

    def encode_preprocessed(self, batch):
        self.images_encoded += len(batch)
        return self._model.encode_preprocessed(batch)

    def encode_images(self, images):
        return self._model.encode_images(images)

    def encode_texts(self, texts):
        return self._model.encode_texts(texts)


@pytest.fixture
def counting_library(tmp_path, tiny_model):
    from album import Library
    from album.services.indexing import PipelineSettings

    model = CountingModel(tiny_model)
    with Library.open(tmp_path / "library", model=model, pipeline=PipelineSettings(batch_size=4)) as lib:
        yield lib, model


def test_a_photo_without_a_capture_date_is_dated_by_its_file_time_in_local_time(library, photos_dir):
    # Half an hour into the new year, local time: read in UTC instead, it would be another day (and
    # year) in every zone but UTC's; the tests run far from UTC (conftest.py).
    path = write_photo(photos_dir / "no_exif.jpg", seed=1, size=(160, 120))
    stamp = datetime(2021, 1, 1, 0, 30).timestamp()
    os.utime(path, (stamp, stamp))
    library.add_folder(photos_dir)
    library.index()
    photo = library.photos.by_path(path)
    assert (photo.taken_at, photo.taken_at_source) == ("2021-01-01T00:30:00", "file")
    assert len(library.search("2021")) == 1 and len(library.search("2020")) == 0


def vector_of(library, path):
    photo = library.photos.by_path(path)
    return library.embeddings.get(photo.id, library.model_id)


def test_index_new_photos_stores_rows_vectors_thumbnails_and_index(library, photos_dir):
    paths = [write_photo(photos_dir / f"img_{i}.jpg", seed=i) for i in range(10)]
    write_photo(photos_dir / "nested" / "deeper" / "x.png", seed=99)
    before = tree_digest(photos_dir)
    library.add_folder(photos_dir)
    summary = library.index()
    assert (summary.indexed, summary.unchanged, summary.removed, summary.failed) == (11, 0, 0, [])
    photo = library.photos.by_path(paths[0])
    assert (photo.status, photo.format, photo.width, photo.height) == ("ok", "JPEG", 480, 360)
    assert photo.taken_at_source == "file"  # Pillow-made JPEGs have no EXIF date
    assert library.thumbnails.has(photo.content_hash)
    vector = vector_of(library, paths[0])
    assert vector.shape == (library.model.dim,) and np.isclose(np.linalg.norm(vector), 1, atol=1e-5)
    index = library.vector_index()
    assert sorted(index.ids()) == sorted(library.embeddings.ids(library.model_id))
    ids, scores = index.search(vector, k=1)
    assert ids[0] == photo.id and scores[0] > 0.999
    assert tree_digest(photos_dir) == before


def test_second_run_skips_unchanged_files_without_reading_them(counting_library, photos_dir):
    library, model = counting_library
    for i in range(6):
        write_photo(photos_dir / f"{i}.jpg", seed=i)
    library.add_folder(photos_dir)
    library.index()
    encoded = model.images_encoded
    summary = library.index()
    assert (summary.indexed, summary.unchanged) == (0, 6)
    assert model.images_encoded == encoded


def test_rename_and_move_keep_the_embedding_without_re_embedding(counting_library, photos_dir):
    library, model = counting_library
    src = write_photo(photos_dir / "a" / "beach.jpg", seed=1)
    write_photo(photos_dir / "a" / "other.jpg", seed=2)
    library.add_folder(photos_dir)
    library.index()
    old = library.photos.by_path(src)
    old_vector = vector_of(library, src)
    encoded = model.images_encoded

    dst = photos_dir / "b" / "renamed.jpg"
    dst.parent.mkdir()
    os.replace(src, dst)
    summary = library.index()

    assert (summary.moved, summary.removed, summary.indexed) == (1, 0, 0)
    assert model.images_encoded == encoded
    moved = library.photos.by_path(dst)
    assert moved.id == old.id and library.photos.by_path(src) is None
    assert np.array_equal(vector_of(library, dst), old_vector)
    assert old.id in library.vector_index()


def test_deleted_photo_leaves_the_library_and_search(library, photos_dir):
    keep = write_photo(photos_dir / "keep.jpg", seed=1)
    gone = write_photo(photos_dir / "gone.jpg", seed=2)
    library.add_folder(photos_dir)
    library.index()
    gone_row = library.photos.by_path(gone)
    gone_vector = vector_of(library, gone)
    gone.unlink()
    summary = library.index()
    assert summary.removed == 1
    assert library.photos.by_path(gone) is None
    assert library.embeddings.get(gone_row.id, library.model_id) is None
    ids, _ = library.vector_index().search(gone_vector, k=5)
    assert gone_row.id not in ids.tolist()
    assert ids.tolist() == [library.photos.by_path(keep).id]


def test_changed_file_is_re_read_and_touched_file_is_not_re_embedded(counting_library, photos_dir):
    library, model = counting_library
    path = write_photo(photos_dir / "p.jpg", seed=1)
    library.add_folder(photos_dir)
    library.index()
    first = library.photos.by_path(path)
    first_vector = vector_of(library, path)

    write_photo(path, seed=2, size=(640, 480))  # edited in place: new content
    os.utime(path, ns=(first.mtime_ns + 10**9, first.mtime_ns + 10**9))
    summary = library.index()
    edited = library.photos.by_path(path)
    assert summary.indexed == 1 and edited.id == first.id
    assert (edited.width, edited.height) == (640, 480) and edited.content_hash != first.content_hash
    assert not np.allclose(vector_of(library, path), first_vector)

    encoded = model.images_encoded
    os.utime(path, ns=(edited.mtime_ns + 10**9, edited.mtime_ns + 10**9))  # `touch`: same bytes
    summary = library.index()
    assert (summary.indexed, summary.unchanged) == (0, 1)
    assert model.images_encoded == encoded
    assert library.photos.by_path(path).mtime_ns == edited.mtime_ns + 10**9


def test_a_copy_reuses_the_vector_of_identical_content(counting_library, photos_dir):
    library, model = counting_library
    original = write_photo(photos_dir / "orig.jpg", seed=5)
    library.add_folder(photos_dir)
    library.index()
    encoded = model.images_encoded
    copy = photos_dir / "copy of orig.jpg"
    shutil.copyfile(original, copy)
    summary = library.index()
    assert summary.indexed == 1 and model.images_encoded == encoded
    assert np.array_equal(vector_of(library, copy), vector_of(library, original))
    assert library.photos.by_path(copy).id != library.photos.by_path(original).id


def test_hidden_system_and_library_folders_are_skipped(tmp_path, tiny_model, photos_dir):
    from album import Library

    write_photo(photos_dir / "visible.jpg", seed=1)
    for hidden in [".git/objects/x.jpg", "@eaDir/visible.jpg/SYNOPHOTO_THUMB_XL.jpg", ".thumbnails/t.png", ".hidden.jpg"]:
        write_photo(photos_dir / hidden, seed=2)
    (photos_dir / "notes.txt").write_text("not a photo")
    # A library kept inside the photo folder must not index its own thumbnails.
    with Library.open(photos_dir / "album-library", model=tiny_model) as library:
        library.add_folder(photos_dir)
        library.index()
        library.index()  # second run: the thumbnails made by the first must not appear
        assert [p.path for p in map(library.photos.get, library.photos.ok_photo_ids())] == [
            str(photos_dir / "visible.jpg")
        ]


def test_cancel_keeps_what_was_done_and_the_next_run_finishes(counting_library, photos_dir):
    library, model = counting_library
    for i in range(40):
        write_photo(photos_dir / f"{i:02}.jpg", seed=i, size=(200, 150))
    library.add_folder(photos_dir)
    cancel = CancelToken()

    def progress(p):
        # Reports are throttled to ~10 a second, but the first one always comes at once.
        if p.phase == "indexing":
            cancel.cancel()

    first = library.index(progress=progress, cancel=cancel)
    # What was decoded when the cancel came is still embedded and kept (at most the prefetch).
    assert first.cancelled and 1 <= first.indexed <= 1 + 2 * 4
    assert library.embeddings.count(library.model_id) == first.indexed
    encoded = model.images_encoded
    second = library.index()
    assert not second.cancelled and second.indexed == 40 - first.indexed
    assert model.images_encoded - encoded == second.indexed
    assert len(library.vector_index()) == 40


def test_progress_reports_counts_rate_and_current_file(library, photos_dir):
    for i in range(12):
        write_photo(photos_dir / f"{i}.jpg", seed=i, size=(120, 90))
    library.add_folder(photos_dir)
    reports = []
    library.index(progress=reports.append)
    indexing = [r for r in reports if r.phase == "indexing"]
    assert reports[0].phase == "scanning" and reports[-1].phase == "done"
    assert indexing[-1].done == indexing[-1].total == 12
    assert all(r.current and r.current.endswith(".jpg") for r in indexing)
    assert indexing[-1].rate > 0


def test_removing_a_folder_forgets_its_photos_but_not_the_files(library, photos_dir):
    path = write_photo(photos_dir / "x.jpg", seed=3)
    library.add_folder(photos_dir)
    library.index()
    before = tree_digest(photos_dir)
    assert library.remove_folder(photos_dir) == 1
    assert library.photos.counts() == {} and len(library.vector_index()) == 0
    assert path.exists() and tree_digest(photos_dir) == before


def test_adding_a_parent_folder_takes_over_its_children(library, photos_dir):
    child = photos_dir / "2019"
    write_photo(child / "a.jpg", seed=1)
    library.add_folder(child)
    library.index()
    assert [f.path for f in library.list_folders()] == [child]
    library.add_folder(photos_dir)
    assert [f.path for f in library.list_folders()] == [photos_dir]
    assert library.add_folder(child).path == photos_dir  # already covered
    summary = library.index()
    assert (summary.indexed, summary.unchanged) == (0, 1)


def test_library_database_is_wal_with_foreign_keys_and_recorded_migrations(library):
    from album.store.migrations import MIGRATIONS

    db = library.database
    assert db.query("PRAGMA journal_mode")[0][0] == "wal"
    assert db.query("PRAGMA foreign_keys")[0][0] == 1
    names = [r[0] for r in db.query("SELECT name FROM schema_migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS]
    assert db.integrity_ok()


def test_excluded_folders_are_skipped_and_their_photos_leave_the_library(library, photos_dir):
    keep = write_photo(photos_dir / "keep.jpg", seed=1)
    write_photo(photos_dir / "backups" / "old.jpg", seed=2)
    library.add_folder(photos_dir)
    library.index()
    assert len(library.photos.ok_photo_ids()) == 2
    library.set_excluded_folders([photos_dir / "backups"])
    assert library.excluded_folders() == [photos_dir / "backups"]
    summary = library.index()
    assert summary.removed == 1
    assert [library.photos.get(i).path for i in library.photos.ok_photo_ids()] == [str(keep)]
    assert (photos_dir / "backups" / "old.jpg").exists()


def test_a_photo_renamed_next_to_a_copy_of_itself_keeps_its_row(library, photos_dir):
    """Found by bench/soak.py: the missing photo's row went to whichever file of the same bytes
    came first, so a renamed, tagged photo lost its tags (and albums) to a copy made meanwhile."""
    original = write_photo(photos_dir / "m.jpg", seed=5, size=(160, 120))
    stamp = 1_600_000_000
    os.utime(original, (stamp, stamp))
    library.add_folder(photos_dir)
    library.index()
    photo_id = library.photo_ids([original])[0]
    library.tag(original, "family")
    shutil.copyfile(original, photos_dir / "a-copy.jpg")  # a copy: same bytes, a time of its own
    original.rename(photos_dir / "z-renamed.jpg")  # found after the copy by the scan
    summary = library.index()
    assert (summary.moved, summary.indexed, summary.removed) == (1, 1, 0)
    assert library.photo_ids([photos_dir / "z-renamed.jpg"]) == [photo_id]
    tags = library.tags([photos_dir / "z-renamed.jpg", photos_dir / "a-copy.jpg"])
    assert [t.tag for t in tags[str(photos_dir / "z-renamed.jpg")] if t.source == "manual"] == ["family"]
    assert all(t.source != "manual" for t in tags.get(str(photos_dir / "a-copy.jpg"), []))


def test_file_names_that_are_not_utf8_are_indexed_and_kept_exactly(library, photos_dir):
    """A Linux file name is bytes: b'\\xff\\xfe.png' (Python: '\\udcff\\udcfe.png') or a folder
    b'dir\\xff' must be indexed, found again, moved and searched under its exact name."""
    odd_file = write_photo(photos_dir / os.fsdecode(b"\xff\xfe.png"), seed=1, fmt="PNG")
    in_odd_folder = write_photo(photos_dir / os.fsdecode(b"dir\xff") / "a.jpg", seed=2)
    plain = write_photo(photos_dir / "plain.jpg", seed=3)
    library.add_folder(photos_dir)
    summary = library.index()
    assert summary.failed == [] and summary.indexed == 3
    stored = {library.photos.get(i).path for i in library.photos.ok_photo_ids()}
    assert {os.fsencode(p) for p in stored} == {os.fsencode(p) for p in (odd_file, in_odd_folder, plain)}
    assert library.photos.by_path(odd_file) is not None
    assert library.index().unchanged == 3  # the next run neither crashes nor re-reads them

    renamed = odd_file.rename(photos_dir / os.fsdecode(b"dir\xff") / os.fsdecode(b"caf\xe9.png"))
    summary = library.index()
    assert (summary.moved, summary.failed) == (1, [])
    assert library.photos.by_path(renamed) is not None and library.photos.by_path(odd_file) is None
    assert set(map(str, library.search("", limit=10).paths)) == {str(renamed), str(in_odd_folder), str(plain)}


def test_one_pixel_slivers_are_indexed_by_their_centre_and_not_read_again(library, photos_dir):
    """A 1 x 100000 PNG (475 bytes) once made the model's resize ask for gigabytes and the kernel
    killed every run before the file could be recorded. Any shape is now scaled within the size of
    the output: a sliver is indexed by its centre, like any photo, and the next run skips it."""
    from PIL import Image

    tall, wide = photos_dir / "tall.png", photos_dir / "wide.png"
    Image.new("RGB", (1, 100_000), (200, 40, 40)).save(tall)
    Image.new("RGB", (100_000, 1), (40, 40, 200)).save(wide)
    normal = write_photo(photos_dir / "normal.jpg", seed=1)
    library.add_folder(photos_dir)
    summary = library.index()
    assert (summary.indexed, summary.failed) == (3, [])
    for path, size in ((tall, (1, 100_000)), (wide, (100_000, 1)), (normal, (480, 360))):
        photo = library.photos.by_path(path)
        assert (photo.status, (photo.width, photo.height)) == ("ok", size)
        assert vector_of(library, path).shape == (library.model.dim,)
    with Image.open(library.thumbnails.path_for(library.photos.by_path(tall).content_hash)) as thumbnail:
        assert thumbnail.size == (1, 320)
    again = library.index()
    assert (again.indexed, again.unchanged, again.failed) == (0, 3, [])
