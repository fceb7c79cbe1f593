"""Indexing the real camera files and broken files in ../shared/data."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from photo_files import tree_digest, write_photo


def ok_rows_by_name(library):
    rows = map(library.photos.get, library.photos.ok_photo_ids())
    return {Path(row.path).name: row for row in rows}


@pytest.fixture
def formats_copy(shared_data, tmp_path):
    folder = tmp_path / "formats"
    shutil.copytree(shared_data / "formats", folder)
    return folder


def test_every_camera_and_phone_format_is_indexed(library, formats_copy):
    before = tree_digest(formats_copy)
    library.add_folder(formats_copy)
    summary = library.index()
    assert summary.failed == []
    assert summary.indexed == len(list(formats_copy.iterdir()))
    rows = ok_rows_by_name(library)
    assert rows["IMG_5195.HEIC"].format == "HEIF"
    assert rows["exif.avif"].format == "AVIF"
    assert rows["flower.webp"].format == "WEBP"
    assert rows["Blackmagic.dng"].format.startswith("RAW")
    assert rows["iphone_hdr_NO.jpg"].width * rows["iphone_hdr_NO.jpg"].height == 3264 * 2448
    dscn = rows["DSCN0010.jpg"]
    assert dscn.taken_at_source == "exif" and dscn.camera_make
    assert 43.0 < dscn.gps_lat < 44.0 and 11.5 < dscn.gps_lon < 12.5  # Arezzo, Tuscany
    assert tree_digest(formats_copy) == before


def test_exif_orientations_give_the_same_embedding(library, formats_copy):
    library.add_folder(formats_copy)
    library.index()
    vectors = [
        library.embeddings.get(library.photos.by_path(formats_copy / f"Landscape_{i}.jpg").id, library.model_id)
        for i in range(9)
    ]
    sizes = {
        (row.width, row.height)
        for row in (library.photos.by_path(formats_copy / f"Landscape_{i}.jpg") for i in range(9))
    }
    assert len(sizes) == 1  # all upright, so all the same width x height
    similarities = np.stack(vectors) @ vectors[0]
    assert similarities.min() > 0.999, similarities


def test_broken_files_are_reported_and_the_run_completes(library, shared_data, tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(shared_data / "broken", folder)
    write_photo(folder / "good.jpg", seed=7)
    full = write_photo(tmp_path / "full.jpg", seed=8).read_bytes()
    (folder / "half.jpg").write_bytes(full[: len(full) // 2])
    (folder / "random.jpg").write_bytes(np.random.default_rng(0).bytes(5000))
    (folder / "notes.png").write_text("this is a text file named .png")
    (folder / "empty.heic").write_bytes(b"")
    before = tree_digest(folder)

    library.add_folder(folder)
    summary = library.index()

    failed = {f["path"].rsplit("/", 1)[-1]: f["error"] for f in summary.failed}
    ok = ok_rows_by_name(library)
    # Every file is accounted for: read fine (perhaps with a warning) or failed with a reason.
    assert set(failed) | set(ok) == {p.name for p in folder.iterdir()}
    assert not set(failed) & set(ok)
    assert summary.indexed == len(ok) and "good.jpg" in ok
    for name in ["half.jpg", "random.jpg", "notes.png", "empty.heic", "pillow_truncated_jpeg.jpg",
                 "pillow_decompression_bomb.gif", "pillow_zero_width.gif", "pillow_png_decompression_dos.png"]:
        assert name in failed
    for error in failed.values():
        assert error and len(error) < 300 and "Traceback" not in error
    assert "empty" in failed["empty.heic"]
    # The files whose pixels are fine but whose EXIF is damaged are kept, with a warning.
    for name in ["pillow_hopper_bad_exif.jpg", "pillow_invalid-exif.jpg"]:
        assert name in ok and ok[name].warnings, (name, failed.get(name))
    assert {e["path"] for e in library.errors()} == {str(folder / n) for n in failed}
    assert tree_digest(folder) == before
    # A rerun does not retry unchanged broken files, and does not report them again.
    again = library.index()
    assert again.failed == [] and again.unchanged == len(failed) + len(ok)
