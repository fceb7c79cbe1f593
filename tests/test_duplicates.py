"""Duplicates end to end: real photos and edited copies of them on disk (photo_families.py),
indexed by a real library (SQLite, thumbnails, HNSW) and grouped by the finder. What resolving
a group does to the files is in test_trash.py."""

import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from album.media.perceptual import crop_distance, from_signed, hamming, hamming_many, phash, to_signed, zoom_hashes
from album.media.thumbnails import make_thumbnail
from album.services.duplicates.grouping import ConstrainedUnionFind
from album.services.duplicates import DuplicateError, DuplicateThresholds
from album.services.duplicates.keeper import PhotoFacts, choose_keeper
from photo_families import EDITS, PHASH_ONLY, finder_of, jpeg_bytes, make_family
from photo_files import write_photo

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
        cropped = Image.open(io.BytesIO(jpeg_bytes(_crop_each_side(original)))).convert("RGB")
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


# --- one capture or two: the evidence a hash cannot give ----------------------------------------------

# Two LFW portraits of different men, alike in layout (framing, dark suit, dark background): with
# album-mini they were "the same photo, edited" (6 hash bits apart, cosine 0.93).
LULA = "faces/Luiz_Inacio_Lula_da_Silva/Luiz_Inacio_Lula_da_Silva_0043.jpg"
SCHROEDER = "faces/Gerhard_Schroeder/Gerhard_Schroeder_0025.jpg"


def _edited_copy(image) -> bytes:
    """Resized to 80%, cropped 3% a side and recompressed: a copy as an export or a messenger makes it."""
    small = image.resize((image.width * 8 // 10, image.height * 8 // 10), Image.Resampling.LANCZOS)
    return jpeg_bytes(_crop_each_side(small, 0.03), quality=70)


def test_edits_line_up_as_one_capture_and_two_portraits_do_not(shared_data):
    from album.media.capture_match import match_captures
    from album.services.duplicates.rules import DEFAULT, one_capture

    lula = Image.open(shared_data / LULA).convert("RGB")
    for name, edit in {**EDITS, "exported.jpg": _edited_copy}.items():
        copy = ImageOps.exif_transpose(Image.open(io.BytesIO(edit(lula))))
        match = match_captures(make_thumbnail(lula), make_thumbnail(copy))
        assert match.aligned and match.agreement >= DEFAULT.same_capture_agreement, (name, match)
    other = match_captures(lula, Image.open(shared_data / SCHROEDER))
    assert not one_capture(other, DEFAULT), other


def test_two_portraits_alike_in_layout_are_not_the_same_photo_but_their_edited_copies_are(tmp_path, shared_data):
    """Issue 23, item 10: "Apply Suggestions to All" would have trashed one of two different men.
    Their hashes still join all four photos; whichever portrait is the keeper, the other and its
    copy fail the capture check against it and form their own group."""
    from album.resources import resources_dir

    if not (resources_dir() / "models" / "album-mini").is_dir():
        pytest.skip("album-mini is not trained yet (resources/models/album-mini/ is absent)")
    from album import Library
    from album.models import load_model

    folder = tmp_path / "photos"
    folder.mkdir()
    lula, schroeder = folder / "lula.jpg", folder / "schroeder.jpg"
    shutil.copyfile(shared_data / LULA, lula)
    shutil.copyfile(shared_data / SCHROEDER, schroeder)
    for photo in (lula, schroeder):
        (folder / f"{photo.stem}-exported.jpg").write_bytes(_edited_copy(Image.open(photo).convert("RGB")))
    with Library.open(tmp_path / "library", model=load_model("album-mini")) as library:
        library.add_folder(folder)
        library.index()
        groups = finder_of(library).find()
        assert finder_of(library).find() == groups  # again, from the stored capture checks

    assert sorted((g.tier, sorted(g.paths)) for g in groups) == [
        ("same", [str(folder / f"{photo.stem}-exported.jpg"), str(photo)]) for photo in (lula, schroeder)]


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
    (photos_dir / "DSC_0001.dng").write_bytes(jpeg_bytes(image, quality=95))
    (photos_dir / "DSC_0001.JPG").write_bytes(jpeg_bytes(image, quality=80))
    (photos_dir / "DSC_0002.jpg").write_bytes(jpeg_bytes(image, quality=60))  # a copy under another name
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
        "crop5.jpg": lambda im: jpeg_bytes(_crop_each_side(im)),
        "grey.jpg": lambda im: jpeg_bytes(ImageOps.grayscale(im)),
        "grey-crop5.jpg": lambda im: jpeg_bytes(ImageOps.grayscale(_crop_each_side(im))),
        "half.jpg": lambda im: jpeg_bytes(im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS)),
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


def test_a_chain_of_edits_keeps_only_the_photos_that_match_the_keeper_itself(library, photos_dir):
    from album.services.indexing import PerceptualHashCache

    # One picture at three sizes: the largest is the keeper. Their perceptual hashes are set to
    # form a chain: A-B and B-C differ by 4 bits (the same photo), A-C by 8 (not the same).
    paths = [write_photo(photos_dir / "A.jpg", seed=7, size=(800, 600))]
    for name, size in (("B", (640, 480)), ("C", (400, 300))):
        paths.append(photos_dir / f"{name}.jpg")
        paths[-1].write_bytes(jpeg_bytes(Image.open(paths[0]).resize(size, Image.Resampling.LANCZOS)))
    library.add_folder(photos_dir)
    library.index()
    with library.database.write() as db:
        for path, hash_value in zip(paths, (0x00, 0x0F, 0xFF)):
            PerceptualHashCache.put(db, library.photos.by_path(path).content_hash, hash_value)
    # The crop check (hashes of tighter centres, which this test does not set) is off.
    chain = DuplicateThresholds(neighbours=8, same_steps=((6, -1.0),), similar_min_cosine=2.0, crop_steps=())

    (group,) = finder_of(library).find(tier="same", thresholds=chain)

    assert group.keep.path == str(paths[0])
    assert sorted(group.paths) == sorted(map(str, paths[:2])), "C is not the same photo as the keeper A"


def test_near_hash_pairs_finds_every_pair_within_two_bits_without_comparing_all():
    from album.services.duplicates.hash_neighbours import near_hash_pairs

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
