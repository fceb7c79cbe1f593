"""The human-captioned COCO photos album-mini may train on: how the cache folder is read, and (when
the real cache is on this machine) that it holds decodable photos with COCO-style sentences."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.errors import ModelError
from album.models.mini.captioned import read_captioned

REAL_CACHE = Path(os.environ.get("ALBUM_CAPTIONED_DIR", "/work/cache/captions"))


def _photo(path: Path, colour: tuple[int, int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), colour).save(path, "JPEG", quality=90)


def _write_table(root: Path, rows: list[tuple[str, str, str]]) -> None:
    with open(root / "captions.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "caption", "source"])
        writer.writerows(rows)


def test_captions_are_grouped_per_photo_in_a_fixed_order_and_bad_rows_are_left_out(tmp_path):
    _photo(tmp_path / "images/b/COCO_val2014_000000000073.jpg", (200, 40, 40))
    _photo(tmp_path / "images/a/val2017_000000000139.jpg", (40, 200, 40))
    _photo(tmp_path / "images/a/12345_abcdef0123.jpg", (40, 40, 200))  # named like a Flickr8k photo
    _photo(tmp_path / "images/a/98765.jpg", (90, 90, 90))  # named like a Flickr30k photo
    _photo(tmp_path / "images/a/uncaptioned.jpg", (10, 10, 10))
    _write_table(tmp_path, [
        ("images/b/COCO_val2014_000000000073.jpg", "An old  motorcycle parked beside others.", "coco-30k"),
        ("images/a/val2017_000000000139.jpg", "A living room with a television.", "coco-captions_val2017"),
        ("images/a/val2017_000000000139.jpg", "a living room with a television.", "coco-captions_val2017"),
        ("images/a/val2017_000000000139.jpg", "A room with chairs and a woman in the kitchen.", "coco-captions_val2017"),
        ("images/a/12345_abcdef0123.jpg", "a dog runs on the beach", "elsewhere"),
        ("images/a/98765.jpg", "two men play football", "elsewhere"),
        ("images/a/missing.jpg", "a photo that is not there", "coco-30k"),
        ("images/a/uncaptioned.jpg", "   ", "coco-30k"),
        ("../outside.jpg", "a photo outside the folder", "coco-30k"),
    ])

    photos = read_captioned(tmp_path)

    assert [p.relative_to(tmp_path.resolve()).as_posix() for p in photos.files] == [
        "images/a/val2017_000000000139.jpg", "images/b/COCO_val2014_000000000073.jpg"]
    assert photos.captions == [["A living room with a television.", "A room with chairs and a woman in the kitchen."],
                               ["An old motorcycle parked beside others."]]
    assert photos.sources == ["coco-captions_val2017", "coco-30k"]
    assert photos.skipped == {"named like a Flickr8k/Flickr30k photo": 2, "photo missing": 1, "no caption": 1,
                              "outside the captions folder": 1}
    assert photos.flat_captions[2] == "An old motorcycle parked beside others."
    assert photos.caption_image.tolist() == [0, 0, 1]
    assert read_captioned(tmp_path).files == photos.files  # the order does not depend on the run


def test_a_folder_without_the_captions_table_is_a_clear_error(tmp_path):
    _photo(tmp_path / "images/x.jpg", (1, 2, 3))
    with pytest.raises(ModelError, match="captions.csv is missing"):
        read_captioned(tmp_path)


@pytest.mark.skipif(not (REAL_CACHE / "captions.csv").is_file(),
                    reason=f"the captioned COCO photos are not cached at {REAL_CACHE} (see album/models/mini/captioned.py)")
def test_the_real_cache_holds_decodable_photos_with_human_sentences():
    photos = read_captioned(REAL_CACHE)

    assert len(photos) > 1000 and photos.skipped == {}
    assert len(set(photos.files)) == len(photos.files)
    per_photo = np.array([len(c) for c in photos.captions])
    assert per_photo.min() >= 1 and (per_photo >= 5).sum() > 500
    words = np.array([len(c.split()) for c in photos.flat_captions])
    assert 8 <= np.median(words) <= 14  # COCO's descriptive sentences, not tags or titles
    rng = np.random.default_rng(0)
    for k in rng.choice(len(photos), 25, replace=False):
        with Image.open(photos.files[k]) as image:
            image.load()
            assert min(image.size) >= 128 and image.mode in ("RGB", "L")
