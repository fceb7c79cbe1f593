"""Duplicates end to end: real photos and edited copies of them on disk, indexed by a real
library (SQLite, thumbnails, HNSW), grouped by the finder, resolved into a temporary trash
and restored byte for byte."""

import hashlib
import io
import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from album.media.perceptual import crop_distance, from_signed, hamming, hamming_many, phash, to_signed, zoom_hashes
from album.media.thumbnails import make_thumbnail
from album.services.duplicate_grouping import ConstrainedUnionFind
from album.services.duplicates import DuplicateError, DuplicateFinder, DuplicateThresholds
from album.services.keeper import PhotoFacts, choose_keeper
from album.services.os_trash import TrashUnsupported, find_trashed
from album.services.trash import NothingToUndo, RestoreConflict, TrashFailed, TrashService
from photo_files import write_photo

# The tiny test model is random: its cosines say nothing about pictures (every pair scores
# ~0.94). So every pair is made a candidate and the perceptual hash alone decides "same";
# the "similar" tier and the cosine-assisted rule are switched off. With a real model the
# defaults apply (see test_real_model_tiers).
PHASH_ONLY = DuplicateThresholds(neighbours=64, same_steps=((12, -1.0),), similar_min_cosine=2.0)
OLD_NS = time.time_ns() - 400 * 86_400 * 10**9  # originals were imported long before copies were made


# --- edits of a photo, as people make them ---------------------------------------------------------


def _jpeg(image, quality=90, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **params)
    return out.getvalue()


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _exif_rotated(image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn right to view": the stored pixels are turned left
    return _jpeg(image.transpose(Image.Transpose.ROTATE_90), exif=exif.tobytes())


def _cropped(image) -> bytes:
    w, h = image.size  # 5% of the width and height, unevenly from the sides
    return _jpeg(image.crop((round(w * 0.03), round(h * 0.02), round(w * 0.98), round(h * 0.97))))


EDITS = {
    "resized.jpg": lambda im: _jpeg(im.resize((im.width * 6 // 10, im.height * 6 // 10), Image.Resampling.LANCZOS)),
    "q40.jpg": lambda im: _jpeg(im, quality=40),
    "cropped.jpg": _cropped,
    "brighter.jpg": lambda im: _jpeg(ImageEnhance.Brightness(im).enhance(1.3)),
    "grey.jpg": lambda im: _jpeg(ImageOps.grayscale(im)),
    "copy.png": _png,
    "exif-rotated.jpg": _exif_rotated,
    "rotated3.jpg": lambda im: _jpeg(im.rotate(3, Image.Resampling.BICUBIC)),
}


def make_family(original: Path, folder: Path, edits=EDITS) -> list[Path]:
    """Copy a real photo in as an old original, and write its edited copies beside it."""
    target = folder / original.name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(original, target)
    os.utime(target, ns=(OLD_NS, OLD_NS))
    image = Image.open(target).convert("RGB")
    copies = []
    for suffix, edit in edits.items():
        copy = folder / "edited" / f"{original.stem}-{suffix}"
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(edit(image))
        copies.append(copy)
    return [target, *copies]


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def real_photos(shared_data):
    flickr = sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))
    caltech = sorted((shared_data / "caltech101" / "images").rglob("*.jpg"))
    return {
        "exif": shared_data / "formats" / "DSCN0010.jpg",  # camera EXIF: date, make, model
        "flickr": flickr[::700][:10],
        "caltech": caltech[::170][:10],
    }


def finder_of(library) -> DuplicateFinder:
    return DuplicateFinder(
        library.database, library.embeddings, library.vector_index(), library.model_id, library.thumbnails.path_for
    )


def groups_by_path(groups) -> dict[str, tuple[str, frozenset[str]]]:
    return {p: (g.tier, frozenset(g.paths)) for g in groups for p in g.paths}


# --- the perceptual hash ---------------------------------------------------------------------------


def test_phash_is_robust_to_edits_and_tells_different_pictures_apart(real_photos):
    original = Image.open(real_photos["flickr"][0]).convert("RGB")
    base = phash(original)
    for name, edit in EDITS.items():
        edited = Image.open(io.BytesIO(edit(original)))
        edited = ImageOps.exif_transpose(edited).convert("RGB")
        assert hamming(base, phash(edited)) <= 12, name
    others = [phash(Image.open(p)) for p in real_photos["caltech"] + real_photos["flickr"][1:]]
    assert min(hamming(base, other) for other in others) > 12
    assert hamming(phash(ImageOps.mirror(original)), base) > 12  # not robust to mirroring, on purpose


def _crop_each_side(image, fraction=0.05) -> Image.Image:
    w, h = image.size
    return image.crop((round(w * fraction), round(h * fraction), round(w * (1 - fraction)), round(h * (1 - fraction))))


def test_crop_distance_finds_copies_cropped_five_percent_a_side(real_photos):
    # The plain hash loses a 5%-a-side crop (the coarse layout moves against the frame); the
    # hashes of tighter centres line the two up again. Different pictures stay far apart.
    def all_hashes(image):
        thumb = make_thumbnail(image).convert("L")
        return (phash(thumb), *zoom_hashes(thumb))

    originals = [Image.open(p).convert("RGB") for p in real_photos["flickr"][:6]]
    plain, aligned = [], []
    for original in originals:
        cropped = Image.open(io.BytesIO(_jpeg(_crop_each_side(original)))).convert("RGB")
        a, b = all_hashes(original), all_hashes(cropped)
        plain.append(hamming(a[0], b[0]))
        aligned.append(crop_distance(a, b))
    assert max(aligned) <= 10 and max(plain) > max(aligned), (plain, aligned)
    others = [all_hashes(Image.open(p).convert("RGB")) for p in real_photos["caltech"]]
    reference = all_hashes(originals[0])
    assert min(crop_distance(reference, other) for other in others) > 10


def test_phash_values_round_trip_through_sqlite_integers():
    values = np.array([0, 1, 2**63 - 1, 2**63, 2**64 - 1], dtype=np.uint64)
    for value in values.tolist():
        signed = to_signed(value)
        assert -(2**63) <= signed < 2**63 and from_signed(signed) == value
    assert hamming(0, 2**64 - 1) == 64
    assert hamming_many(values, values[::-1]).tolist() == [64, 2, 0, 2, 64]


# --- grouping and keeper rules, on their own --------------------------------------------------------


def test_constrained_union_find_never_joins_a_forbidden_pair():
    groups = ConstrainedUnionFind({"a": ["b"]})
    assert groups.union("a", "c") and not groups.union("c", "b") and groups.union("b", "d")
    assert sorted(map(sorted, groups.groups())) == [["a", "c"], ["b", "d"]]


def _facts(i, **kw) -> PhotoFacts:
    base = dict(id=i, path=f"/p/{i}.jpg", content_hash=f"{i:032x}", width=400, height=300, size=1000,
                mtime_ns=10**18, format="JPEG", has_exif=False)
    return PhotoFacts(**{**base, **kw})


@pytest.mark.parametrize(
    "winner, loser, words",
    [
        (dict(width=800, height=600), {}, "largest resolution (800x600)"),
        (dict(has_exif=True), dict(size=5000), "EXIF"),
        ({}, dict(format="PNG", size=9000, path="/p/0.png"), "camera format"),
        ({}, dict(mtime_ns=10**18 + 10**10), "oldest"),
        (dict(size=2000), dict(size=1000), "larger file"),
    ],
)
def test_keeper_rules_and_their_reasons(winner, loser, words):
    keep, reason = choose_keeper([_facts(2, **loser), _facts(1, **winner)])
    assert keep.id == 1 and words in reason


# --- the finder on real files -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def duplicate_library(tmp_path_factory, tiny_model, real_photos):
    """Three originals with every edit, one with a byte-identical copy too, one with only a
    byte-identical copy, and unrelated real and Pillow-made photos. Shared by the tests that
    only read it (indexing it is most of this file's time)."""
    from album import Library
    from album.services.indexing import PipelineSettings

    photos_dir = tmp_path_factory.mktemp("duplicates") / "Pictures"
    families = [make_family(p, photos_dir / f"family{i}") for i, p in
                enumerate([real_photos["exif"], real_photos["flickr"][0], real_photos["caltech"][0]])]
    shutil.copyfile(families[1][0], photos_dir / "backup-of-family1.jpg")
    lonely = photos_dir / "lonely" / real_photos["flickr"][1].name
    lonely.parent.mkdir()
    shutil.copyfile(real_photos["flickr"][1], lonely)
    shutil.copyfile(lonely, photos_dir / "lonely-copy.jpg")
    sources = real_photos["flickr"][2:] + real_photos["caltech"][1:]
    unrelated = [photos_dir / "other" / p.name for p in sources]
    unrelated[0].parent.mkdir()
    for source, target in zip(sources, unrelated):
        shutil.copyfile(source, target)
    unrelated += [write_photo(photos_dir / "made" / f"{i}.jpg", seed=100 + i) for i in range(4)]
    with Library.open(photos_dir.parent / "library", model=tiny_model, pipeline=PipelineSettings(batch_size=16)) as library:
        library.add_folder(photos_dir)
        assert not library.index().failed
        yield library, families, lonely, unrelated


@pytest.fixture
def one_family(library, photos_dir, real_photos):
    """A library holding one real photo with its edited copies, and two unrelated photos."""
    family = make_family(real_photos["caltech"][0], photos_dir / "family")
    unrelated = [write_photo(photos_dir / "made" / f"{i}.jpg", seed=100 + i) for i in range(2)]
    library.add_folder(photos_dir)
    assert not library.index().failed
    return library, family, unrelated


def test_edited_copies_group_with_their_original_and_nothing_else_groups(duplicate_library):
    library, families, lonely, unrelated = duplicate_library
    groups = finder_of(library).find(thresholds=PHASH_ONLY)
    by_path = groups_by_path(groups)
    for family in families:
        tier, members = by_path[str(family[0])]
        assert tier == "same"
        assert {str(p) for p in family} <= members, "every edited copy joins its original"
    # The byte-identical backup of family 1 is inside its 'same' group, not listed again as 'exact'.
    assert by_path[str(families[1][0])][1] == {str(p) for p in families[1]} | {str(families[1][0].parent.parent / "backup-of-family1.jpg")}
    assert by_path[str(lonely)] == ("exact", frozenset({str(lonely), str(lonely.parent.parent / "lonely-copy.jpg")}))
    for photo in unrelated:
        assert str(photo) not in by_path, f"{photo.name} is unrelated to everything"
    assert len(groups) == 4


def test_one_picture_stored_with_every_exif_orientation_is_one_group(library, photos_dir, shared_data):
    # Landscape_0..8 are one camera picture saved with EXIF orientations 0-8 (mirrored ones too):
    # upright, they are identical, so they are the same photo.
    for path in sorted((shared_data / "formats").glob("Landscape_*.jpg")):
        shutil.copyfile(path, photos_dir / path.name)
    library.add_folder(photos_dir)
    library.index()
    (group,) = finder_of(library).find(thresholds=PHASH_ONLY)
    assert group.tier == "same" and len(group.members) == 9
    assert all(score["hamming"] <= 4 for score in group.scores.values())


def test_keeper_is_the_original_and_groups_serialise_for_the_cli(duplicate_library):
    library, families, _, _ = duplicate_library
    groups = finder_of(library).find(thresholds=PHASH_ONLY)
    exif_group = next(g for g in groups if str(families[0][0]) in g.paths)
    assert exif_group.keep.path == str(families[0][0])
    assert "EXIF" in exif_group.reason
    flickr_group = next(g for g in groups if str(families[1][0]) in g.paths)
    assert flickr_group.keep.path in (str(families[1][0]), str(families[1][0].parent.parent / "backup-of-family1.jpg"))
    assert "oldest" in flickr_group.reason
    as_json = exif_group.to_json()
    assert set(as_json) == {"tier", "keep", "photos", "scores", "reason"}
    assert as_json["tier"] == "same" and as_json["photos"][0] == as_json["keep"]
    assert set(as_json["scores"]) == set(as_json["photos"][1:])
    assert all(0 <= s["hamming"] <= 24 and -1 <= s["cosine"] <= 1 for s in as_json["scores"].values())
    # Perceptual hashes were computed once, from the thumbnails, and cached by content.
    cached = library.database.query("SELECT count(*) FROM perceptual_hashes")[0][0]
    assert cached >= sum(len(f) for f in families)


def test_tiers_filter_and_exact_tier_lists_every_byte_identical_set(duplicate_library):
    library, families, lonely, _ = duplicate_library
    finder = finder_of(library)
    exact = finder.find("exact", thresholds=PHASH_ONLY)
    assert {frozenset(map(Path, g.paths)) for g in exact} == {
        frozenset({lonely, lonely.parent.parent / "lonely-copy.jpg"}),
        frozenset({families[1][0], families[1][0].parent.parent / "backup-of-family1.jpg"}),
    }
    assert all(g.tier == "same" for g in finder.find("same", thresholds=PHASH_ONLY))
    assert finder.find("similar", thresholds=PHASH_ONLY) == []
    with pytest.raises(DuplicateError):
        finder.find("blurry")


def test_an_empty_library_has_no_duplicates(library):
    progress = []
    assert finder_of(library).find(progress=progress.append) == []
    assert finder_of(library).find("exact") == []


def test_not_duplicates_survives_a_rescan_and_a_rename(one_family, photos_dir):
    library, family, _ = one_family
    original, greyscale = family[0], next(p for p in family if p.name.endswith("grey.jpg"))
    finder = finder_of(library)
    ids = [library.photos.by_path(p).id for p in (original, greyscale)]
    assert finder.mark_not_duplicates(ids) == 1

    def apart(a: Path, b: Path) -> bool:
        by_path = groups_by_path(finder_of(library).find(thresholds=PHASH_ONLY))
        return by_path.get(str(a), (None, frozenset()))[1].isdisjoint({str(b)})

    assert apart(original, greyscale)
    library.index()  # a rescan
    assert apart(original, greyscale)
    renamed = photos_dir / "renamed-grey.jpg"
    os.rename(greyscale, renamed)
    assert library.index().moved == 1
    assert apart(original, renamed)
    # The other edits still group with the original.
    by_path = groups_by_path(finder_of(library).find(thresholds=PHASH_ONLY))
    assert str(family[1]) in by_path[str(original)][1]


def test_raw_and_jpeg_of_one_shot_are_not_duplicates(library, photos_dir, real_photos):
    image = Image.open(real_photos["flickr"][3]).convert("RGB")
    # A camera's RAW+JPEG pair. The '.dng' holds JPEG data (album reads a misnamed RAW as what
    # it is), which keeps the test fast; what matters is the same stem and a RAW suffix.
    (photos_dir / "DSC_0001.dng").write_bytes(_jpeg(image, quality=95))
    (photos_dir / "DSC_0001.JPG").write_bytes(_jpeg(image, quality=80))
    (photos_dir / "DSC_0002.jpg").write_bytes(_jpeg(image, quality=60))  # a copy under another name
    library.add_folder(photos_dir)
    library.index()
    groups = finder_of(library).find(thresholds=PHASH_ONLY)
    assert len(groups) == 1
    assert not {str(photos_dir / "DSC_0001.dng"), str(photos_dir / "DSC_0001.JPG")} <= set(groups[0].paths)
    assert str(photos_dir / "DSC_0002.jpg") in groups[0].paths


def test_real_model_tiers(tmp_path, real_photos):
    """With album-mini's real embeddings and the default thresholds: copies are 'same', and
    unrelated photos stay apart."""
    from album.resources import resources_dir

    if not (resources_dir() / "models" / "album-mini").is_dir():
        pytest.skip("album-mini is not trained yet (resources/models/album-mini/ is absent)")
    from album import Library
    from album.models import load_model

    folder = tmp_path / "photos"
    families = [make_family(p, folder / f"f{i}") for i, p in enumerate(real_photos["flickr"][:3])]
    for p in real_photos["caltech"]:
        shutil.copyfile(p, folder / p.name)
    with Library.open(tmp_path / "library", model=load_model("album-mini")) as library:
        library.add_folder(folder)
        library.index()
        by_path = groups_by_path(finder_of(library).find())
    for family in families:
        assert by_path[str(family[0])] == ("same", frozenset(map(str, family)))
    assert all(str(folder / p.name) not in by_path for p in real_photos["caltech"])


def test_crops_and_greyscale_copies_group_with_their_original(tmp_path, real_photos):
    """The edits an independent check found missing: copies cropped 5% on every side, greyscale
    copies, half-size ones; with album-mini's embeddings and the default thresholds."""
    from album.resources import resources_dir

    if not (resources_dir() / "models" / "album-mini").is_dir():
        pytest.skip("album-mini is not trained yet (resources/models/album-mini/ is absent)")
    from album import Library
    from album.models import load_model

    edits = {
        "crop5.jpg": lambda im: _jpeg(_crop_each_side(im)),
        "grey.jpg": lambda im: _jpeg(ImageOps.grayscale(im)),
        "grey-crop5.jpg": lambda im: _jpeg(ImageOps.grayscale(_crop_each_side(im))),
        "half.jpg": lambda im: _jpeg(im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS)),
    }
    folder = tmp_path / "photos"
    families = [make_family(p, folder / f"f{i}", edits) for i, p in enumerate(real_photos["flickr"][3:8])]
    for p in real_photos["caltech"]:
        shutil.copyfile(p, folder / p.name)
    with Library.open(tmp_path / "library", model=load_model("album-mini")) as library:
        library.add_folder(folder)
        library.index()
        by_path = groups_by_path(finder_of(library).find())
    for family in families:
        assert by_path.get(str(family[0])) == ("same", frozenset(map(str, family))), family[0].name
    assert all(by_path.get(str(folder / p.name), ("similar",))[0] == "similar" for p in real_photos["caltech"])


# --- trash: resolve, undo ----------------------------------------------------------------------------


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


def test_a_chain_of_edits_keeps_only_the_photos_that_match_the_keeper_itself(library, photos_dir):
    from album.services.perceptual_hashes import PerceptualHashCache

    # One picture at three sizes: the largest is the keeper. Their perceptual hashes are set to
    # form a chain: A-B and B-C differ by 4 bits (the same photo), A-C by 8 (not the same).
    paths = [write_photo(photos_dir / f"{name}.jpg", seed=7, size=size)
             for name, size in (("A", (800, 600)), ("B", (640, 480)), ("C", (400, 300)))]
    library.add_folder(photos_dir)
    library.index()
    with library.database.write() as db:
        for path, phash in zip(paths, (0x00, 0x0F, 0xFF)):
            PerceptualHashCache.put(db, library.photos.by_path(path).content_hash, phash)
    # The crop check (hashes of tighter centres, which this test does not set) is off.
    chain = DuplicateThresholds(neighbours=8, same_steps=((6, -1.0),), similar_min_cosine=2.0, crop_steps=())

    (group,) = finder_of(library).find(tier="same", thresholds=chain)

    assert group.keep.path == str(paths[0])
    assert sorted(group.paths) == sorted(map(str, paths[:2])), "C is not the same photo as the keeper A"


def test_near_hash_pairs_finds_every_pair_within_two_bits_without_comparing_all():
    from album.services.hash_neighbours import near_hash_pairs

    rng = np.random.default_rng(3)
    values = rng.integers(0, 2**63, size=3000, dtype=np.uint64) * np.uint64(2)
    copies = values[:200].copy()
    for k in range(200):  # 0, 1 or 2 bits flipped, anywhere
        for bit in rng.choice(64, k % 3, replace=False):
            copies[k] ^= np.uint64(1) << np.uint64(int(bit))
    everything = np.r_[values, copies]
    a, b = near_hash_pairs(everything, max_bits=2)
    found = set(zip(a.tolist(), b.tolist()))
    assert {(k, 3000 + k) for k in range(200)} <= found
    assert all(hamming(int(everything[x]), int(everything[y])) <= 2 for x, y in found)
