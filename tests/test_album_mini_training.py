"""album-mini's training data: which web pairs are kept, how their padding is cropped away, and
which flickr8k photos training may touch (the evaluation gallery never)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.models.mini import webdata
from album.models.mini.features import (FeatureSet, WebFeatures, _load_view, flickr_splits, read_flickr,
                                        with_fit_captions)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _padded_photo(path: Path, original: tuple[int, int], colour=(200, 30, 30)) -> bytes:
    """A photo of `original` size fitted into 256x256 on white, as the web shards store them."""
    box = webdata.content_box(*original)
    canvas = Image.new("RGB", (256, 256), (255, 255, 255))
    rng = np.random.default_rng(sum(original))
    size = (box[2] - box[0], box[3] - box[1])
    texture = np.clip(np.array(colour) + rng.normal(0, 12, (size[1], size[0], 3)), 0, 230).astype(np.uint8)
    canvas.paste(Image.fromarray(texture), box[:2])
    canvas.save(path, "JPEG", quality=92)
    return path.read_bytes()


def _pair(folder: Path, key: str, caption: str, original=(640, 427), image_bytes: bytes | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    jpg = folder / f"{key}.jpg"
    if image_bytes is None:
        image_bytes = _padded_photo(jpg, original, colour=(40 + 7 * int(key), 120, 60))
    else:
        jpg.write_bytes(image_bytes)
    meta = {"caption": caption, "key": key, "status": "success", "width": 256, "height": 256,
            "original_width": original[0], "original_height": original[1],
            "sha256": hashlib.sha256(image_bytes).hexdigest()}
    (folder / f"{key}.json").write_text(json.dumps(meta))
    (folder / f"{key}.txt").write_text(caption)


def test_web_pairs_keep_photos_and_drop_graphics_placeholders_and_thumbnails(tmp_path):
    _pair(tmp_path / "00000", "001", "a dog runs along the  beach")
    _pair(tmp_path / "00000", "002", "vector illustration of a cartoon cat")
    _pair(tmp_path / "00000", "003", "the logo for a football club")
    placeholder = _padded_photo(tmp_path / "blank.jpg", (226, 49), colour=(128, 128, 128))
    _pair(tmp_path / "00001", "004", "a white puppy in a shopping cart", (226, 49), image_bytes=placeholder)
    _pair(tmp_path / "00001", "005", "an octopus under the sea", (226, 49), image_bytes=placeholder)
    _pair(tmp_path / "00001", "006", "a small bird on a branch", original=(90, 60))
    _pair(tmp_path / "00001", "007", "two women walking in a park", original=(400, 612))
    (tmp_path / "00001" / "008.json").write_text(json.dumps({"caption": "no photo beside me"}))

    pairs = webdata.read_web_pairs(tmp_path)

    assert [p.name for p in pairs.files] == ["001.jpg", "007.jpg"]
    assert pairs.captions == ["a dog runs along the beach", "two women walking in a park"]
    assert pairs.boxes == [webdata.content_box(640, 427), webdata.content_box(400, 612)]
    assert pairs.dropped == {"graphic, not a photo": 2, "placeholder (same bytes as other keys)": 2,
                             "original too small": 1}


@pytest.mark.parametrize("original", [(640, 427), (400, 612), (500, 500), (1000, 250)])
def test_a_web_photo_is_cropped_out_of_its_padding_before_the_tower_sees_it(tmp_path, original):
    path = tmp_path / "photo.jpg"
    _padded_photo(path, original)
    box = webdata.content_box(*original)
    assert box[2] - box[0] == 256 or box[3] - box[1] == 256  # the longer side fills the square

    cropped = _load_view(path, 0, seed=0, size=224, box=box)
    padded = _load_view(path, 0, seed=0, size=224)

    white = 1.0 - 12 / 127.5  # within JPEG ringing of pure white, in the tower's [-1, 1] scale
    assert cropped.shape == padded.shape == (3, 224, 224)
    assert (cropped.min(axis=0) > white).mean() < 0.01
    if original[0] != original[1]:
        assert (padded.min(axis=0) > white).mean() > 0.05  # without the box, padding would be embedded


@pytest.mark.skipif(not (DATA / "flickr8k" / "captions.csv").is_file(), reason="needs ../shared/data/flickr8k")
def test_the_evaluation_gallery_is_fixed_and_apart_from_what_training_sees():
    flickr = read_flickr(DATA)
    splits = flickr_splits(flickr)
    again = flickr_splits(read_flickr(DATA))
    val = np.flatnonzero(flickr.split == "val")

    for part in ("gallery", "selection", "fit"):
        assert np.array_equal(getattr(splits, part), getattr(again, part))
    assert len(splits.gallery) == len(val) + 500 and set(val) <= set(splits.gallery)
    assert len(splits.selection) == 500
    everything = np.concatenate([splits.gallery, splits.selection, splits.fit])
    assert len(np.unique(everything)) == len(everything) == len(flickr.files)
    assert set(flickr.split[splits.fit]) == set(flickr.split[splits.selection]) == {"train"}

    fewer = with_fit_captions(flickr, 2)  # what training encodes: measured photos keep all five
    per_photo = np.bincount(fewer.caption_image, minlength=len(flickr.files))
    assert set(per_photo[splits.fit]) == {2}
    assert np.array_equal(per_photo[splits.gallery], np.bincount(flickr.caption_image)[splits.gallery])
    assert np.array_equal(flickr_splits(fewer).gallery, splits.gallery)
    first_fit = int(splits.fit[0])
    assert [c for c, i in zip(fewer.captions, fewer.caption_image) if i == first_fit] == \
        [c for c, i in zip(flickr.captions, flickr.caption_image) if i == first_fit][:2]


def _synthetic_features(n_flickr: int, n_web: int, rng) -> FeatureSet:
    """Tower outputs of the right shapes (random values) for n_flickr photos and n_web pairs."""
    from album.models.mini import towers
    from album.models.mini.features import FlickrCaptions

    def images(n):
        return {"pooled": rng.normal(size=(1, n, towers.IMAGE_FEATURE_DIM)).astype(np.float32),
                "stages": rng.normal(size=(1, n, sum(towers.STAGE_WIDTHS))).astype(np.float32),
                "logits": rng.normal(size=(1, n, 1000)).astype(np.float32)}

    split = np.array(["train"] * (n_flickr - 100) + ["val"] * 100, dtype=object)
    caption_image = np.repeat(np.arange(n_flickr), 5)
    flickr = FlickrCaptions(files=[f"images/{i:05}.jpg" for i in range(n_flickr)], split=split,
                            captions=[f"photo {i} caption {k}" for i in range(n_flickr) for k in range(5)],
                            caption_image=caption_image)
    owner = np.repeat(np.arange(1000), 2)
    web_pairs = webdata.WebPairs(files=[Path(f"/web/00000/{k:09}.jpg") for k in range(n_web)],
                                 captions=[f"web caption {k}" for k in range(n_web)],
                                 boxes=[(0, 0, 256, 256)] * n_web, dropped={})
    return FeatureSet(flickr=flickr, flickr_images=images(n_flickr),
                      caption_vectors=rng.normal(size=(5 * n_flickr, 384)).astype(np.float32),
                      class_prompt_vectors=rng.normal(size=(2000, 384)).astype(np.float32),
                      class_prompt_owner=owner, class_prompt_is_definition=np.tile([False, True], 1000),
                      web=WebFeatures(pairs=web_pairs, images=images(n_web),
                                      caption_vectors=rng.normal(size=(n_web, 384)).astype(np.float32)))


def test_web_pairs_join_the_fit_split_only_and_a_smaller_share_is_a_subset(monkeypatch):
    from album.models.mini import features as features_module
    from album.models.mini import train, training_data

    rng = np.random.default_rng(0)
    features = _synthetic_features(n_flickr=1600, n_web=400, rng=rng)
    monkeypatch.setattr(features_module, "HELD_BACK_PHOTOS", 50)  # 50 gallery + 50 selection photos
    tag_prompts = rng.normal(size=(len(training_data.HOLDOUT_TAG_NOUNS) * 2, 384)).astype(np.float32)
    chosen = {}
    for share in (0.25, 0.5, 1.0):
        recipe = train.Recipe(web_fraction=share)
        data = training_data.prepare(features, recipe, tag_prompts)
        web_rows = data.fit_images[data.fit_images >= 1600]
        chosen[share] = set(web_rows.tolist())
        assert len(web_rows) == round(share * 400)
        flickr_rows = set(data.fit_images[data.fit_images < 1600].tolist())
        assert not flickr_rows & (set(data.gallery_images.tolist()) | set(data.holdout_images.tolist()))
        assert len(data.gallery_images) == 150 and set(data.gallery_images.tolist()) >= set(range(1500, 1600))
        # A web row's one caption is its own caption vector.
        row = int(web_rows[0])
        (caption,) = data.image_captions[row]
        assert np.allclose(data.captions[caption].numpy(), features.web.caption_vectors[row - 1600])
        assert data.standardised.shape[:2] == (recipe.views, 2000)  # web rows repeat their one view
        assert len(data.epoch_images(2)) == 2 * len(flickr_rows) + len(web_rows)
    assert chosen[0.25] < chosen[0.5] < chosen[1.0]


def test_human_captioned_photos_train_with_all_their_captions_and_repeat_like_flickr(monkeypatch):
    from album.models.mini import features as features_module
    from album.models.mini import train, training_data
    from album.models.mini.captioned import CaptionedPhotos
    from album.models.mini.features import CaptionedFeatures

    rng = np.random.default_rng(1)
    features = _synthetic_features(n_flickr=1600, n_web=400, rng=rng)
    captions = [["a man rides a horse", "a rider on a brown horse"], ["a bowl of soup"], ["two cats", "cats", "a cat"]]
    photos = CaptionedPhotos(files=[Path(f"/coco/{k}.jpg") for k in range(3)], captions=captions,
                             sources=["coco"] * 3, skipped={})
    views = features.flickr_images["pooled"].shape[0]
    features.captioned = CaptionedFeatures(
        photos=photos, images={k: rng.normal(size=(views, 3, v.shape[-1])).astype(np.float32)
                               for k, v in features.flickr_images.items()},
        caption_vectors=rng.normal(size=(6, 384)).astype(np.float32))
    monkeypatch.setattr(features_module, "HELD_BACK_PHOTOS", 50)
    tag_prompts = rng.normal(size=(len(training_data.HOLDOUT_TAG_NOUNS) * 2, 384)).astype(np.float32)

    data = training_data.prepare(features, train.Recipe(), tag_prompts)

    assert data.captioned_from == 2000 and data.standardised.shape[1] == 2003
    assert {2000, 2001, 2002} <= set(data.fit_images.tolist())
    # Each photo's own captions, all of them, in order after flickr's and the web's.
    for photo, own in ((0, [0, 1]), (1, [2]), (2, [3, 4, 5])):
        rows = [5 * 1600 + 400 + k for k in own]
        assert data.image_captions[2000 + photo].tolist() == rows
        assert np.allclose(data.captions[rows].numpy(), features.captioned.caption_vectors[own])
    assert not data.is_web(np.array([2000, 2002])).any() and data.is_web(np.array([1600, 1999])).all()
    epoch = data.epoch_images(3)
    assert (epoch == 2001).sum() == 3 and (epoch == 1700).sum() <= 1  # human captions thrice, web pairs once
