"""Retrain album-mini's heads: `python -m album.models.mini.train --web CACHE/prismer/data`.

Data: flickr8k from ../shared/data (only the `fit` part of `train`, features.flickr_splits), plus
the captioned web photos of webdata.py (where they come from and how to unpack them is there) and,
with `--captioned DIR`, human-captioned COCO photos (captioned.py says where they come from).
Without `--web` it trains on flickr8k alone, as album-mini 1 did.

The recipe (`Recipe`): locked towers whose outputs are computed once and cached (4 views per
flickr8k or COCO photo, the centre one per web pair; features.py); image features = pooled EfficientNet feature + pooled outputs of
stages 3-6 + the "semantic feature"; linear heads trained with the CLIP loss (symmetric InfoNCE,
learnable temperature) on flickr8k and web captions mixed with ImageNet "class prototype" pairs
(classifier rows ↔ prompts built from WordNet synonyms and definitions); the text head starts at
and decays towards the identity; AdamW; early stopping on 500 held-back `train` photos (the
`selection` split); 4 seeds averaged. The 1,000-photo evaluation gallery (flickr8k `val` + 500
more held-back `train` photos) is only measured, after training, never selected on. Writes
resources/models/album-mini/ (heads.safetensors + album-mini.json + caption-vocabulary.json).
Deterministic: the same data, cache and seeds give the same heads.

What the web pairs bring (2026-11-26, `bench.mini_heads`, one seed each, 4 flickr views, 5
captions; the shipped album-mini 1 heads are 4 seeds and were fitted on most of the gallery's 500
held-back train photos, so flickr8k val alone is the fair column):

    web pairs used        0%     25%    50%    100%   100%, flickr x3   album-mini 1
    val-500 R@1          29.3   28.7   27.5   27.0   30.2              33.0
    Caltech-85 top-1     52.1   57.5   58.4   58.6   57.9              54.7

The machine-written web captions teach ImageNet-like objects (Caltech up ~6 points) but not
Flickr's sentences: retrieval falls as their share grows. The default recipe (all web pairs,
flickr x3, 4 seeds): val-500 R@1 32.2, Caltech 59.4% against album-mini 1's 33.0 and 54.7%.

Human-written captions are what retrieval grows with (one seed each, no web pairs):

    human-captioned photos      flickr fit 50%   flickr fit 100%   + 1,211 COCO photos (--captioned)
    val-500 R@1                 27.5             31.2              30.4
    gallery-1000 R@1            19.6             22.6              22.0

Halving flickr8k's fit photos costs ~4 points; the COCO photos that could be found with their
captions (captioned.py: 976 of them squashed to 256x256, 686 with one caption) add nothing
measurable (4 seeds with everything: val-500 R@1 32.6, Caltech 58.9%). No retrain so far beats
album-mini 1's R@1 (the bar to ship is +3), so its heads still ship.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from album.models.mini import evaluation, towers
from album.models.mini.features import FeatureCache, FeatureSet, build_feature_set
from album.models.mini.recipe import Recipe
from album.models.mini.training_data import HOLDOUT_TAG_NOUNS, PreparedData, data_description, prepare
from album.models.mini.heads import ImageHead, TextHead, average_heads
from album.models.prompts import LABEL_TEMPLATES, label_prompts

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUT = REPO_ROOT / "resources" / "models" / "album-mini"
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"


def holdout_metrics(data: PreparedData, image_head: ImageHead, text_head: TextHead,
                    flip: bool = False) -> dict[str, float]:
    """On the held-out train photos: text→image recall, and tagging mAP for common caption nouns
    (prompt ensembles, as the product tags). `flip` averages in the mirrored view, as inference
    does with test_time_flip."""
    images = data.holdout_images
    caption_ids = np.concatenate([data.image_captions[int(i)] for i in images])
    caption_image = np.repeat(np.arange(len(images)), [len(data.image_captions[int(i)]) for i in images])
    with torch.no_grad():
        # The feature cache may hold the centre view only (TRAIN_VIEWS = 1): then there is no mirror.
        views = range(min(2, len(data.standardised))) if flip else (0,)
        image_vectors = sum(image_head.project(data.standardised[v, images], data.semantic[v, images]) for v in views)
        image_vectors = F.normalize(image_vectors, dim=-1).numpy()
        text_vectors = text_head(data.captions[caption_ids]).numpy()
        nouns, templates = data.tag_prompts.shape[:2]
        tag_vectors = text_head(data.tag_prompts.reshape(nouns * templates, -1)).reshape(nouns, templates, -1)
        tag_vectors = F.normalize(tag_vectors.mean(1), dim=-1).numpy()
    metrics = evaluation.text_to_image(image_vectors, text_vectors, caption_image)
    metrics["tag_mAP"] = evaluation.mean_average_precision(image_vectors, tag_vectors, data.tag_positives)
    return metrics


def gallery_metrics(data: PreparedData, image_head: ImageHead, text_head: TextHead) -> dict[str, float]:
    """Text→image recall on the 1,000-photo evaluation gallery (5 captions each), with the
    test-time flip, from the cached tower outputs: what bench.quality --gallery measures through
    the ONNX graphs. Heads bring their own feature statistics, so today's shipped heads and new
    ones are measured alike. Reported, never used to choose anything."""
    images = data.gallery_images
    caption_ids = np.concatenate([data.image_captions[int(i)] for i in images])
    caption_image = np.repeat(np.arange(len(images)), [len(data.image_captions[int(i)]) for i in images])
    with torch.no_grad():
        vectors = sum(image_head(data.raw[v, images], data.logits[v, images]) for v in range(min(2, len(data.raw))))
        image_vectors = F.normalize(vectors, dim=-1).numpy()
        text_vectors = text_head(data.captions[caption_ids]).numpy()
    return evaluation.text_to_image(image_vectors, text_vectors, caption_image)


def train_one(data: PreparedData, recipe: Recipe, seed: int, log=print) -> tuple[ImageHead, TextHead, dict]:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    image_head = ImageHead(recipe.dim, data.class_text, data.feature_mean, data.feature_std, data.feature_scale,
                           recipe.semantic_weight, recipe.semantic_temperature)
    text_head = TextHead(recipe.dim)
    log_scale = torch.nn.Parameter(torch.tensor(math.log(1 / recipe.init_temperature)))
    anchored = recipe.text_anchor > 0
    if anchored:
        # Start the text head as the identity and decay it towards the identity, not towards
        # zero: MiniLM's own geometry (kangaroo near wallaby) survives unless captions say otherwise.
        identity = torch.eye(recipe.dim, towers.TEXT_DIM)
        with torch.no_grad():
            text_head.proj.weight.copy_(identity)
            text_head.proj.bias.zero_()
    decayed = [*image_head.parameters(), *([text_head.proj.bias] if anchored else text_head.parameters())]
    groups = [{"params": decayed, "weight_decay": recipe.weight_decay},
              {"params": [log_scale], "weight_decay": 0.0}]
    if anchored:
        groups.append({"params": [text_head.proj.weight], "weight_decay": 0.0})
    optimiser = torch.optim.AdamW(groups, lr=recipe.lr)
    best = {"score": -1.0}
    best_state = None
    stale = 0
    for epoch in range(recipe.max_epochs):
        order = rng.permutation(data.epoch_images(recipe.flickr_repeats))
        class_order = rng.permutation(len(data.class_text))
        steps = len(order) // recipe.batch  # drop the ragged last batch: InfoNCE likes full batches
        for step in range(steps):
            images = order[step * recipe.batch:(step + 1) * recipe.batch]
            views = rng.integers(0, recipe.views, len(images))
            captions = [rng.choice(data.image_captions[int(i)]) for i in images]
            start = (step * recipe.prototypes_per_batch) % len(class_order)
            classes = class_order[start:start + recipe.prototypes_per_batch]
            # One random phrasing per class: a synonym in a template, or the definition.
            picks = torch.from_numpy(rng.random(len(classes))) * data.class_prompt_counts[classes]
            prompt_ids = data.class_prompt_table[classes, picks.long()]
            image_vectors = image_head.project(
                torch.cat([data.standardised[views, images], data.prototype_features[classes]]),
                torch.cat([data.semantic[views, images], data.class_text[classes]]))
            text_vectors = text_head(torch.cat([data.captions[captions], data.class_prompts[prompt_ids]]))
            logits = log_scale.exp() * image_vectors @ text_vectors.T
            target = torch.arange(len(logits))
            per_pair = (F.cross_entropy(logits, target, reduction="none")
                        + F.cross_entropy(logits.T, target, reduction="none")) / 2
            weights = torch.ones(len(logits))
            weights[len(images):] = recipe.prototype_weight
            loss = (per_pair * weights).sum() / weights.sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            with torch.no_grad():
                log_scale.clamp_(max=math.log(100.0))
                if anchored:
                    text_head.proj.weight.sub_(recipe.lr * recipe.text_anchor * (text_head.proj.weight - identity))
        metrics = holdout_metrics(data, image_head, text_head)  # selection: held-out train only
        score = (metrics["R@1"] + metrics["R@5"] + metrics["R@10"]) / 3
        if score > best["score"]:
            best = {"score": score, "epoch": epoch + 1, **metrics, "temperature": float(1 / log_scale.detach().exp())}
            best_state = ({k: v.clone() for k, v in image_head.state_dict().items()},
                          {k: v.clone() for k, v in text_head.state_dict().items()})
            stale = 0
        else:
            stale += 1
            if stale >= recipe.patience:
                break
    image_head.load_state_dict(best_state[0])
    text_head.load_state_dict(best_state[1])
    log(f"seed {seed}: best epoch {best['epoch']}, held-out t2i R@1 {best['R@1']:.1f} R@5 {best['R@5']:.1f} "
        f"R@10 {best['R@10']:.1f}, tag mAP {best['tag_mAP']:.1f}")
    return image_head, text_head, best


def _rounded(metrics: dict) -> dict:
    return {k: round(v, 2) for k, v in metrics.items()}


def save(out_dir: Path, image_head: ImageHead, text_head: TextHead, recipe: Recipe, metrics: dict,
         extra: dict | None = None) -> None:
    from safetensors.torch import save_file

    from album.models.mini.resources import RECIPE_FILE, RESOURCE_SCHEMA, WEIGHTS_FILE

    image_state = image_head.state_dict()
    # The big matrices in half precision (no measurable loss); statistics and biases in full.
    tensors = {f"image.{name}": image_state[name] for name in
               ("feature_mean", "feature_std", "feature_scale", "semantic_weight", "semantic_temperature",
                "proj.bias")}
    tensors["image.class_text"] = image_state["class_text"].half()
    tensors["image.proj.weight"] = image_state["proj.weight"].half()
    tensors["text.proj.weight"] = text_head.proj.weight.detach().half()
    tensors["text.proj.bias"] = text_head.proj.bias.detach()
    tower = towers.image_tower(recipe.image_tower)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(out_dir / WEIGHTS_FILE))
    info = {
        "schema": RESOURCE_SCHEMA,
        "model_id": "album-mini",
        "dim": recipe.dim,
        "seeds_averaged": len(recipe.seeds),
        "image_stages": list(recipe.stages),
        "test_time_flip": recipe.test_time_flip,
        "recipe": asdict(recipe),
        "holdout_metrics": metrics,
        **(extra or {}),
        "towers": {"image": {"package": tower.package, "version": towers.package_version(tower.package),
                             "timm_arch": tower.timm_arch, "size": tower.size,
                             "mean": towers.IMAGE_MEAN, "std": towers.IMAGE_STD},
                   "text": {"package": towers.TEXT_PACKAGE, "version": towers.package_version(towers.TEXT_PACKAGE),
                            "pooling": "mean", "max_tokens": towers.TEXT_MAX_TOKENS},
                   "fingerprint": towers.towers_fingerprint(tower.name)},
        "trained_with": {"torch": torch.__version__, "timm": towers.package_version("timm"),
                         "transformers": towers.package_version("transformers")},
    }
    (out_dir / RECIPE_FILE).write_text(json.dumps(info, indent=2) + "\n")


def save_vocabulary(out_dir: Path, features: FeatureSet, data: PreparedData) -> None:
    """Which words the heads learned from captions, and how often: tagging grounds the rarer ones
    in a dictionary (grounding.py). Counts over the captions of the photos trained on."""
    from album.models.mini import grounding

    fit = set(int(i) for i in data.fit_images)
    flickr = features.flickr
    captions = [caption for caption, image in zip(flickr.captions, flickr.caption_image) if int(image) in fit]
    source = f"flickr8k fit split, {len(captions)} captions"
    if features.web is not None:
        web = [caption for k, caption in enumerate(features.web.pairs.captions) if data.n_flickr + k in fit]
        captions += web
        source += f" + {len(web)} web captions"
    if features.captioned is not None:
        captions += features.captioned.photos.flat_captions
        source += f" + {len(features.captioned.photos.flat_captions)} human captions of other photos"
    grounding.write_vocabulary(out_dir / grounding.VOCABULARY_FILE, grounding.count_caption_words(captions), source)


def shipped_heads(resources_dir: Path):
    """(image head, text head) from resources, or None when there are none."""
    from safetensors.torch import load_file

    from album.models.mini.export import _heads_from_resources
    from album.models.mini.resources import RECIPE_FILE, WEIGHTS_FILE

    if not (resources_dir / WEIGHTS_FILE).is_file():
        return None
    info = json.loads((resources_dir / RECIPE_FILE).read_text())
    return _heads_from_resources(load_file(str(resources_dir / WEIGHTS_FILE)), info)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding flickr8k/")
    parser.add_argument("--web", type=Path, default=None,
                        help="the unpacked web pairs' data/ folder (see album/models/mini/webdata.py)")
    parser.add_argument("--captioned", type=Path, default=None,
                        help="a folder of human-captioned photos (see album/models/mini/captioned.py)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache", type=Path, default=None, help="feature cache root (default: user cache)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="override a Recipe field for an experiment, as JSON (e.g. --set semantic_temperature=0.5)")
    args = parser.parse_args(argv)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    started = time.time()

    def log(message: str) -> None:
        print(f"[{time.time() - started:6.1f}s] {message}", flush=True)

    if not (args.data / "flickr8k" / "captions.csv").is_file():
        parser.error(f"training data not found: {args.data / 'flickr8k' / 'captions.csv'} (use --data)")
    if args.web is not None and not any(args.web.glob("*/*.json")):
        parser.error(f"no web pairs (<shard>/<key>.json + .jpg) under {args.web}; see album/models/mini/webdata.py")
    recipe = Recipe()
    for assignment in args.set:
        name, _, value = assignment.partition("=")
        if name not in Recipe.__dataclass_fields__:
            parser.error(f"--set: Recipe has no field {name!r}")
        setattr(recipe, name, type(getattr(recipe, name))(json.loads(value)))
    if args.seeds:
        recipe.seeds = args.seeds
    towers.image_tower(recipe.image_tower)  # an unknown name fails before any work
    features = build_feature_set(args.data, args.cache, progress=log, image_tower=recipe.image_tower,
                                 web_dir=args.web, fit_captions=recipe.fit_captions, web_shards=recipe.web_shards,
                                 captioned_dir=args.captioned)
    tag_prompts = FeatureCache(args.cache, log, recipe.image_tower).texts(
        "holdout-tag-prompts", [p for noun in HOLDOUT_TAG_NOUNS for p in label_prompts(noun, LABEL_TEMPLATES)])
    data = prepare(features, recipe, tag_prompts)
    log(f"features ready: {len(data.fit_images)} fit photos ({int(data.is_web(data.fit_images).sum())} web), "
        f"{len(data.holdout_images)} for selection, {len(data.gallery_images)} in the evaluation gallery")
    before = shipped_heads(args.out)
    if before is not None:
        log(f"heads in {args.out} before retraining, evaluation gallery: {_rounded(gallery_metrics(data, *before))}")
    members = [train_one(data, recipe, seed, log) for seed in recipe.seeds]
    image_head, text_head = average_heads([m[0] for m in members]), average_heads([m[1] for m in members])
    metrics = {"seeds": [m[2] for m in members], "averaged": holdout_metrics(data, image_head, text_head),
               "averaged_with_flip": holdout_metrics(data, image_head, text_head, flip=True)}
    gallery = gallery_metrics(data, image_head, text_head)
    log(f"{len(members)} seeds averaged, on the selection photos: {_rounded(metrics['averaged'])}")
    log(f"  with test-time flip: {_rounded(metrics['averaged_with_flip'])}")
    log(f"new heads, evaluation gallery (1,000 photos, with flip): {_rounded(gallery)}")
    save(args.out, image_head, text_head, recipe, metrics, {"gallery_metrics": _rounded(gallery),
                                                            "data": data_description(features, data)})
    save_vocabulary(args.out, features, data)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
