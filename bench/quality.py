"""Quality benchmark for any EmbeddingModel: `python -m bench.quality [--model album-mini] [--gallery]`.

- flickr8k `val` (500 photos, 2,500 captions): text→image R@1/5/10 and median rank, image→text
  R@1/5/10 (a photo's hit is any of its 5 captions). With `--gallery`, the 1,000-photo evaluation
  gallery instead (`val` + 500 photos album-mini's training holds back: features.flickr_splits),
  the size the issue's targets and the independent check use.
- caltech101 subset (85 classes x 20 photos): zero-shot top-1/top-5, each label embedded as the
  product's tagging embeds it (underscores read as spaces): the model's own `label_vectors`
  (album-mini grounds unfamiliar words in WordNet), and for comparison the plain prompt ensemble.
Everything is encoded through the EmbeddingModel protocol only, so other models are measured the
same way: `--model package.module:factory` names a callable that returns an EmbeddingModel, and
`--model album-mini@DIR` loads album-mini's heads from another resources folder (e.g. the heads
of an earlier release, for a before/after in one run). `--model` may be given several times.
"""

from __future__ import annotations

import argparse
import importlib
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from album.models.base import EmbeddingModel
from album.models.mini import evaluation
from album.models.mini.features import flickr_splits, read_caltech, read_flickr
from album.models.prompts import ensemble_label_vectors, label_vectors

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
BATCH = 32


def load_album_mini(test_time_flip: bool | None = None, resources: Path | None = None) -> EmbeddingModel:
    from album.models.mini.model import load_album_mini as load

    return load(resources or REPO_ROOT / "resources" / "models" / "album-mini", test_time_flip=test_time_flip)


KNOWN_MODELS: dict[str, Callable[[], EmbeddingModel]] = {
    "album-mini": load_album_mini,
    # the same model without test-time flip: twice the image throughput, slightly lower recall
    "album-mini-noflip": lambda: load_album_mini(test_time_flip=False),
}


def resolve_model(name: str) -> EmbeddingModel:
    if name in KNOWN_MODELS:
        return KNOWN_MODELS[name]()
    if name.startswith("album-mini@"):
        return load_album_mini(resources=Path(name.partition("@")[2]))
    if ":" not in name:
        raise SystemExit(f"unknown model {name!r}: use one of {sorted(KNOWN_MODELS)} or module:factory")
    module, attr = name.split(":", 1)
    return getattr(importlib.import_module(module), attr)()


def _open_rgb(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def encode_photos(model: EmbeddingModel, paths: list[Path]) -> np.ndarray:
    """Decode + preprocess on worker threads (as the indexer does), encode in batches."""
    chunks = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for start in range(0, len(paths), BATCH):
            inputs = list(pool.map(lambda p: model.preprocess(_open_rgb(p)), paths[start:start + BATCH]))
            chunks.append(model.encode_preprocessed(inputs))
    return np.concatenate(chunks)


def flickr_val(model: EmbeddingModel, data_dir: Path, gallery: bool = False) -> dict[str, dict[str, float]]:
    flickr = read_flickr(data_dir)
    val_images = flickr_splits(flickr).gallery if gallery else np.flatnonzero(flickr.split == "val")
    caption_ids = np.flatnonzero(np.isin(flickr.caption_image, val_images))
    caption_image = np.searchsorted(val_images, flickr.caption_image[caption_ids])
    image_vectors = encode_photos(model, [data_dir / "flickr8k" / flickr.files[i] for i in val_images])
    text_vectors = model.encode_texts([flickr.captions[i] for i in caption_ids])
    return {"text→image": evaluation.text_to_image(image_vectors, text_vectors, caption_image),
            "image→text": evaluation.image_to_text(image_vectors, text_vectors, caption_image),
            "sizes": {"photos": len(val_images), "captions": len(caption_ids)}}


def caltech_zero_shot(model: EmbeddingModel, data_dir: Path) -> dict[str, dict]:
    """{"tagging": as the product tags, "plain": prompt ensembles only}, each with top1/top5 %."""
    files, labels = read_caltech(data_dir)
    classes = sorted(set(labels))
    image_vectors = encode_photos(model, [data_dir / "caltech101" / f for f in files])
    targets = np.array([classes.index(label) for label in labels])
    sizes = {"classes": len(classes), "photos": len(files)}
    return {"tagging": {**evaluation.zero_shot(image_vectors, label_vectors(model, classes), targets), **sizes},
            "plain": {**evaluation.zero_shot(image_vectors, ensemble_label_vectors(classes, model.encode_texts),
                                             targets), **sizes}}


def print_table(title: str, flickr: dict, caltech: dict) -> None:
    t2i, i2t = flickr["text→image"], flickr["image→text"]
    photos, captions = flickr["sizes"]["photos"], flickr["sizes"]["captions"]
    print(f"\nmodel: {title}")
    print(f"| flickr8k {flickr.get('name', 'val')} | R@1 | R@5 | R@10 | median rank |")
    print("|---|---|---|---|---|")
    print(f"| text→image ({captions} captions, {photos} photos) "
          f"| {t2i['R@1']:.1f} | {t2i['R@5']:.1f} | {t2i['R@10']:.1f} | {t2i['median_rank']:.0f} |")
    print(f"| image→text | {i2t['R@1']:.1f} | {i2t['R@5']:.1f} | {i2t['R@10']:.1f} | |")
    if not caltech:
        return
    print("\n| zero-shot | top-1 | top-5 |\n|---|---|---|")
    for kind, result in caltech.items():
        how = "labels as tagging embeds them" if kind == "tagging" else "plain prompt ensembles"
        print(f"| caltech101 ({result['classes']} classes, {result['photos']} photos), {how} "
              f"| {result['top1']:.1f}% | {result['top5']:.1f}% |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Retrieval and zero-shot quality of an embedding model")
    parser.add_argument("--model", action="append", default=None,
                        help="album-mini, album-mini@RESOURCES_DIR, or module:factory returning a model (repeatable)")
    parser.add_argument("--gallery", action="store_true",
                        help="the 1,000-photo evaluation gallery instead of flickr8k val's 500 photos")
    parser.add_argument("--no-caltech", action="store_true", help="skip the zero-shot part")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding flickr8k/ and caltech101/")
    args = parser.parse_args(argv)
    if not (args.data / "flickr8k").is_dir() or not (args.data / "caltech101").is_dir():
        raise SystemExit(f"benchmark data not found under {args.data}")
    for name in args.model or ["album-mini"]:
        started = time.time()
        model = resolve_model(name)
        flickr = flickr_val(model, args.data, gallery=args.gallery)
        flickr["name"] = "gallery (val + 500 held back)" if args.gallery else "val"
        caltech = {} if args.no_caltech else caltech_zero_shot(model, args.data)
        flip = ", test-time flip" if getattr(model, "test_time_flip", False) else ""
        print_table(f"{name} = {model.model_id} (dim {model.dim}{flip})", flickr, caltech)
        print(f"\n({time.time() - started:.0f}s including model load)")


if __name__ == "__main__":
    main()
