"""What album-mini's heads are trained on: the cached tower outputs of train.py's data sources,
arranged once into tensors every seed shares (`prepare`), and a description of that data for the
recipe JSON (`data_description`).

Image rows: flickr8k's photos first (only the `fit` split trains; the selection and gallery photos
are held out, features.flickr_splits), then the web pairs (webdata.py), then the human-captioned
photos (captioned.py). Every photo carries its captions' rows; web pairs have one caption and one
view (their centre view stands in for the others).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.nn import functional as F

from album.models.mini import towers
from album.models.mini.features import FeatureSet, flickr_splits

if TYPE_CHECKING:
    from album.models.mini.recipe import Recipe

# Common concrete nouns of the captions: a tagging check on held-out train photos (a photo is
# positive when one of its captions names the noun), the stand-in for zero-shot tagging that
# training may look at, since Caltech is only a benchmark.
HOLDOUT_TAG_NOUNS = (
    "dog", "ball", "grass", "snow", "beach", "bike", "water", "pool", "rock", "mountain", "ocean", "sand", "car",
    "skateboard", "football", "tree", "tennis", "helmet", "road", "baby", "bench", "lake", "basketball", "fence",
    "city", "frisbee", "boat", "horse", "motorcycle", "river", "cliff", "fountain", "bird", "ice", "guitar",
    "surfboard", "flowers", "bridge", "hockey", "bed", "forest", "night", "sled", "trampoline", "stream", "fire",
    "hat", "sunglasses", "baseball", "soccer", "crowd", "playground", "wave", "building")


@dataclass
class PreparedData:
    """Tensors for training, precomputed once for every seed."""
    standardised: torch.Tensor  # [views, n_images, feature_dim]
    semantic: torch.Tensor  # [views, n_images, 384]
    captions: torch.Tensor  # [n_captions, 384]
    image_captions: dict[int, np.ndarray]  # image row → caption rows (flickr: 5, web: 1)
    fit_images: np.ndarray  # rows of the flickr fit split and the chosen web pairs
    holdout_images: np.ndarray  # the selection split (early stopping), flickr rows
    gallery_images: np.ndarray  # the evaluation gallery, flickr rows: measured, never selected on
    raw: torch.Tensor  # [views, n_images, feature_dim] unstandardised, for heads with other statistics
    logits: torch.Tensor  # [views, n_images, 1000]
    prototype_features: torch.Tensor  # [1000, feature_dim] pseudo standardised features
    class_text: torch.Tensor  # [1000, 384] what the semantic feature averages
    class_prompts: torch.Tensor  # [n_prompts, 384]
    class_prompt_table: torch.Tensor  # [1000, max_prompts] prompt ids per class (padded)
    class_prompt_counts: torch.Tensor  # [1000]
    feature_mean: torch.Tensor
    feature_std: torch.Tensor
    feature_scale: torch.Tensor
    tag_prompts: torch.Tensor  # [nouns, templates, 384]
    tag_positives: np.ndarray  # [holdout photos, nouns] bool
    n_flickr: int = 0  # image rows below this are flickr photos, then web pairs, then captioned photos
    captioned_from: int | None = None  # the first row of the human-captioned photos (None: there are none)

    def is_web(self, rows: np.ndarray) -> np.ndarray:
        end = self.captioned_from if self.captioned_from is not None else np.iinfo(np.int64).max
        return (rows >= self.n_flickr) & (rows < end)

    def epoch_images(self, flickr_repeats: int = 1) -> np.ndarray:
        """One epoch's photos: the human-captioned ones (flickr fit, captioned) `flickr_repeats`
        times, the web pairs once."""
        web = self.is_web(self.fit_images)
        return np.concatenate([np.tile(self.fit_images[~web], max(flickr_repeats, 1)), self.fit_images[web]])


def stage_columns(stages: tuple[int, ...]) -> np.ndarray:
    """Columns of the cached all-stage vector (stem = -1, then blocks 0-6) for the chosen stages."""
    offsets = np.concatenate([[0], np.cumsum(towers.STAGE_WIDTHS)])
    return np.concatenate([np.arange(offsets[k + 1], offsets[k + 2]) for k in stages]).astype(int)


def class_text_vectors(vectors: torch.Tensor, owner: np.ndarray, is_definition: np.ndarray) -> torch.Tensor:
    """Per class: the mean of its synonym prompts and its definition prompt, each normalised."""
    owner_t = torch.from_numpy(owner).long()
    def_mask = torch.from_numpy(is_definition.astype(bool))
    names = torch.zeros(1000, vectors.shape[1]).index_add_(0, owner_t[~def_mask], vectors[~def_mask])
    definitions = torch.zeros(1000, vectors.shape[1]).index_add_(0, owner_t[def_mask], vectors[def_mask])
    return F.normalize(F.normalize(names, dim=-1) + F.normalize(definitions, dim=-1), dim=-1)


def tag_positives(flickr, images: np.ndarray) -> np.ndarray:
    import re

    patterns = [re.compile(rf"\b{noun}(s|es)?\b") for noun in HOLDOUT_TAG_NOUNS]
    row = {int(image): r for r, image in enumerate(images)}
    positives = np.zeros((len(images), len(patterns)), bool)
    for caption, image in zip(flickr.captions, flickr.caption_image):
        if int(image) in row:
            text = caption.lower()
            positives[row[int(image)]] = positives[row[int(image)]] | [bool(p.search(text)) for p in patterns]
    return positives


def web_subset(n_pairs: int, recipe: "Recipe") -> np.ndarray:
    """The web pairs a recipe trains on: all, or a seeded share (nested: 25% ⊂ 50% ⊂ 100%)."""
    order = np.random.default_rng(recipe.web_subset_seed).permutation(n_pairs)
    return np.sort(order[:int(round(recipe.web_fraction * n_pairs))])


def prepare(features: FeatureSet, recipe: "Recipe", tag_prompt_vectors: np.ndarray) -> PreparedData:
    flickr = features.flickr
    splits = flickr_splits(flickr)  # gallery and selection photos never enter training
    holdout, fit = splits.selection, splits.fit
    columns = stage_columns(recipe.stages)
    sources = ([features.flickr_images] + ([features.web.images] if features.web is not None else [])
               + ([features.captioned.images] if features.captioned is not None else []))

    def stacked(field: str, cols=None) -> torch.Tensor:
        """[views, all image rows, ...]; a source with fewer views (web: centre only) repeats its
        centre view, so a random view of a web photo is always its centre."""
        arrays = []
        for source in sources:
            array = np.asarray(source[field][:recipe.views], dtype=np.float32)
            if cols is not None:
                array = array[..., cols]
            if len(array) < recipe.views:
                array = np.concatenate([array, np.repeat(array[:1], recipe.views - len(array), axis=0)])
            arrays.append(array)
        return torch.from_numpy(np.concatenate(arrays, axis=1))

    pooled, stages, logits = stacked("pooled"), stacked("stages", columns), stacked("logits")
    n_flickr = len(flickr.files)
    caption_vectors = [np.asarray(features.caption_vectors, dtype=np.float32)]
    image_captions: dict[int, list[int]] = {}
    for caption, image in enumerate(flickr.caption_image):
        image_captions.setdefault(int(image), []).append(caption)
    if features.web is not None:
        chosen = web_subset(len(features.web.pairs.files), recipe)
        first_caption = len(flickr.captions)
        for k in range(len(features.web.pairs.files)):  # web pair k: image row n_flickr + k, one caption
            image_captions[n_flickr + k] = [first_caption + k]
        caption_vectors.append(np.asarray(features.web.caption_vectors, dtype=np.float32))
        fit = np.concatenate([fit, n_flickr + chosen])
    captioned_from = None
    if features.captioned is not None:  # every photo trains, each with all its captions
        captioned_from = n_flickr + (len(features.web.pairs.files) if features.web is not None else 0)
        first_caption = sum(len(v) for v in caption_vectors)
        for k, image in enumerate(features.captioned.photos.caption_image):
            image_captions.setdefault(captioned_from + int(image), []).append(first_caption + k)
        caption_vectors.append(np.asarray(features.captioned.caption_vectors, dtype=np.float32))
        fit = np.concatenate([fit, captioned_from + np.arange(len(features.captioned.photos.files))])
    raw = torch.cat([pooled, stages], dim=-1)
    fit_raw = raw[:, fit].reshape(-1, raw.shape[-1])
    mean, std = fit_raw.mean(0), fit_raw.std(0).clamp(min=1e-4)
    n_pooled, n_stages = pooled.shape[-1], stages.shape[-1]
    # Each block at norm ~1 after standardising, whatever its width.
    scale = torch.cat([torch.full((n_pooled,), n_pooled ** -0.5), torch.full((n_stages,), max(n_stages, 1) ** -0.5)])
    standardised = (raw - mean) / std * scale
    class_prompts = F.normalize(torch.from_numpy(np.array(features.class_prompt_vectors, dtype=np.float32)), dim=-1)
    class_text = class_text_vectors(class_prompts, features.class_prompt_owner, features.class_prompt_is_definition)
    semantic = (logits / recipe.semantic_temperature).softmax(-1) @ class_text
    # Class prototypes. A classifier row w_c raises logit c along w_c·f = (w_c*std)·z: that
    # direction, at a typical norm, is where a photo of class c sits among standardised pooled
    # features. Its earlier-stage part is predicted from it by ridge regression on real photos.
    classifier = towers.load_image_tower(recipe.image_tower).classifier.weight.detach()
    fit_view = standardised[0, fit]
    typical_norm = fit_view[:, :n_pooled].norm(dim=-1).mean()
    pooled_part = F.normalize(classifier * std[:n_pooled], dim=-1) * typical_norm
    x, y = fit_view[:, :n_pooled], fit_view[:, n_pooled:]
    ridge = torch.linalg.solve(x.T @ x + torch.eye(n_pooled), x.T @ y)
    prototypes = torch.cat([pooled_part, pooled_part @ ridge], dim=-1)
    owners = features.class_prompt_owner
    per_class = [np.flatnonzero(owners == k) for k in range(1000)]
    table = torch.zeros(1000, max(len(p) for p in per_class), dtype=torch.long)
    for k, ids in enumerate(per_class):
        table[k, :len(ids)] = torch.from_numpy(ids)
    return PreparedData(
        standardised=standardised, semantic=semantic,
        captions=torch.from_numpy(np.concatenate(caption_vectors)),
        image_captions={k: np.array(v) for k, v in image_captions.items()}, fit_images=fit, holdout_images=holdout,
        gallery_images=splits.gallery, raw=raw, logits=logits,
        prototype_features=prototypes, class_text=class_text, class_prompts=class_prompts,
        class_prompt_table=table, class_prompt_counts=torch.tensor([len(p) for p in per_class]),
        feature_mean=mean, feature_std=std, feature_scale=scale,
        tag_prompts=torch.from_numpy(np.asarray(tag_prompt_vectors, dtype=np.float32)).reshape(
            len(HOLDOUT_TAG_NOUNS), -1, towers.TEXT_DIM),
        tag_positives=tag_positives(flickr, holdout), n_flickr=n_flickr, captioned_from=captioned_from)


def data_description(features: FeatureSet, data: PreparedData) -> dict:
    from album.models.mini import webdata

    described = {"flickr8k": {"fit_photos": int((data.fit_images < data.n_flickr).sum()),
                              "selection_photos": len(data.holdout_images),
                              "gallery_photos (never trained or selected on)": len(data.gallery_images)}}
    if features.web is not None:
        repo, commit, folder = webdata.SOURCE
        described["web"] = {"source": repo, "commit": commit, "folder": folder,
                            "pairs_used": int(data.is_web(data.fit_images).sum()),
                            "pairs_kept": len(features.web.pairs.files), "dropped": features.web.pairs.dropped}
    if features.captioned is not None:
        from album.models.mini import captioned

        photos = features.captioned.photos
        described["captioned"] = {"sources": [{"source": repo, "commit": commit, "paths": paths}
                                              for repo, commit, paths in captioned.SOURCES],
                                  "photos": len(photos.files), "captions": len(photos.flat_captions),
                                  "skipped": photos.skipped}
    return described
