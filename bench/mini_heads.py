"""album-mini heads before/after in one run, on cached tower outputs: `python -m bench.mini_heads DIR [DIR ...]`.

Each DIR is an album-mini resources folder (heads.safetensors, album-mini.json,
caption-vocabulary.json), e.g. the heads of the last release and freshly trained ones. The towers
are locked, so their outputs are computed once (features.FeatureCache, the training cache) and
every set of heads is measured on the very same numbers:
  - text→image R@1/5/10 on the 1,000-photo evaluation gallery (features.flickr_splits: flickr8k
    `val` + 500 held-back `train` photos, 5 captions each), centre crop and its mirror as the product embeds;
  - Caltech-85 zero-shot top-1/top-5 as the tagging service ranks labels (its ranking is the
    cosine order against album-mini's own label vectors, grounding included), with the
    test-time flip the shipped recipe uses.
Same arithmetic as the ONNX graphs (they are exported from these torch heads), at a fraction of
bench.quality's and bench.tagging's CPU time per extra set of heads.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from album.models.mini import evaluation
from album.models.mini.features import (TRAIN_VIEWS, FeatureCache, flickr_splits, read_caltech, read_flickr,
                                        with_fit_captions)
from album.models.mini.train import Recipe, shipped_heads
from album.models.mini.training_data import stage_columns

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"


def _raw(images: dict, stages: tuple[int, ...], rows=None) -> tuple[torch.Tensor, torch.Tensor]:
    """[views, n, pooled + chosen stages], [views, n, 1000] from cached tower outputs."""
    pick = slice(None) if rows is None else rows
    pooled = np.array(images["pooled"][:, pick], dtype=np.float32)
    stage = np.asarray(images["stages"][:, pick], dtype=np.float32)[..., stage_columns(stages)]
    logits = np.array(images["logits"][:, pick], dtype=np.float32)
    return torch.from_numpy(np.concatenate([pooled, stage], axis=-1)), torch.from_numpy(logits)


def _image_vectors(image_head, raw: torch.Tensor, logits: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return F.normalize(sum(image_head(raw[v], logits[v]) for v in range(len(raw))), dim=-1).numpy()


def measure(resources: Path, cache: FeatureCache, data_dir: Path) -> dict:
    from album.models.lexicon import default_lexicon
    from album.models.mini import grounding
    from album.models.mini.resources import RECIPE_FILE, WEIGHTS_FILE

    info = json.loads((resources / RECIPE_FILE).read_text())
    stages = tuple(int(k) for k in info["image_stages"])
    image_head, text_head = shipped_heads(resources)
    sentences = cache.sentence_encoder()

    def encode_texts(texts):
        with torch.no_grad():
            return text_head(torch.from_numpy(sentences.encode(list(texts)))).numpy()

    # The caption list training encodes (gallery photos keep all 5 captions): one cache entry.
    flickr = with_fit_captions(read_flickr(data_dir), Recipe.fit_captions)
    gallery = flickr_splits(flickr).gallery
    flickr_images = cache.images("flickr-images", [data_dir / "flickr8k" / f for f in flickr.files], TRAIN_VIEWS)
    raw, logits = _raw(flickr_images, stages, gallery)
    raw, logits = raw[:2 if info.get("test_time_flip") else 1], logits[:2 if info.get("test_time_flip") else 1]
    caption_ids = np.flatnonzero(np.isin(flickr.caption_image, gallery))
    captions = cache.texts("flickr-captions", flickr.captions)[caption_ids]
    with torch.no_grad():
        text_vectors = text_head(torch.from_numpy(captions)).numpy()
    gallery_vectors = _image_vectors(image_head, raw, logits)
    caption_photo = np.searchsorted(gallery, flickr.caption_image[caption_ids])
    result = {"gallery": evaluation.text_to_image(gallery_vectors, text_vectors, caption_photo)}
    # flickr8k val alone (500 photos): the half of the gallery that no release's heads were ever
    # trained on. The 500 held-back train photos joined the gallery with album-mini 2; the heads
    # before it were fitted on most of them, which flatters them on the full gallery.
    val = flickr.split[gallery] == "val"
    on_val = val[caption_photo]
    result["val"] = evaluation.text_to_image(gallery_vectors[val], text_vectors[on_val],
                                             np.searchsorted(np.flatnonzero(val), caption_photo[on_val]))

    files, labels = read_caltech(data_dir)
    classes = sorted(set(labels))
    caltech = cache.images("caltech-images", [data_dir / "caltech101" / f for f in files], 2)
    raw, logits = _raw(caltech, stages)
    views = 2 if info.get("test_time_flip") else 1
    image_vectors = _image_vectors(image_head, raw[:views], logits[:views])
    labeller = grounding.LabelGrounding(encode_texts, default_lexicon(),
                                        grounding.read_vocabulary(resources / grounding.VOCABULARY_FILE),
                                        grounding.class_vectors(resources / WEIGHTS_FILE))
    label_vectors = labeller.vectors([c.replace("_", " ") for c in classes])
    targets = np.array([classes.index(label) for label in labels])
    result["caltech_tagging"] = evaluation.zero_shot(image_vectors, label_vectors, targets)
    temperatures = [m["temperature"] for m in info.get("holdout_metrics", {}).get("seeds", [])]
    result["logit_scale"] = 1.0 / float(np.mean(temperatures)) if temperatures else None
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("resources", type=Path, nargs="+", help="album-mini resources folders to compare")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding flickr8k/ and caltech101/")
    parser.add_argument("--cache", type=Path, default=None, help="feature cache root (the training cache)")
    args = parser.parse_args(argv)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    started = time.time()
    cache = FeatureCache(args.cache, lambda m: print(f"[{time.time() - started:5.0f}s] {m}", flush=True))
    print("| heads | gallery R@1 | R@5 | R@10 | val-500 R@1 | R@5 | R@10 | Caltech-85 top-1 (tagging) | top-5 | logit scale |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for resources in args.resources:
        r = measure(resources, cache, args.data)
        g, v, c = r["gallery"], r["val"], r["caltech_tagging"]
        scale = f"{r['logit_scale']:.1f}" if r["logit_scale"] else "?"
        print(f"| {resources} | {g['R@1']:.1f} | {g['R@5']:.1f} | {g['R@10']:.1f} | {v['R@1']:.1f} | {v['R@5']:.1f} "
              f"| {v['R@10']:.1f} | {c['top1']:.1f}% | {c['top5']:.1f}% "
              f"| {scale} |", flush=True)


if __name__ == "__main__":
    main()
