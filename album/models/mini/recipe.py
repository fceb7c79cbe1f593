"""The training recipe: the towers, head sizes and hyperparameters `train.py` fits album-mini's
heads with, and what `training_data.prepare` builds the data for. Saved into the recipe JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from album.models.mini import towers


@dataclass
class Recipe:
    # A key of towers.IMAGE_TOWERS, e.g. --set 'image_tower="lite1"' (its features are extracted
    # afresh, ~10 min; Lite1 measured +2.8 Flickr R@1 but -1.6 Caltech top-1, so Lite0 stays).
    image_tower: str = towers.DEFAULT_IMAGE_TOWER
    dim: int = 384  # = MiniLM's width, so the text head can be anchored to the identity
    stages: tuple[int, ...] = (3, 4, 5, 6)  # earlier stages whose pooled outputs join the feature
    lr: float = 1e-3
    weight_decay: float = 0.5
    batch: int = 512
    prototypes_per_batch: int = 128
    prototype_weight: float = 3.0
    semantic_weight: float = 3.0
    semantic_temperature: float = 1.0  # softmax temperature of the ImageNet logits
    text_anchor: float = 5.0  # > 0: text head starts at and decays towards the identity (dim 384)
    init_temperature: float = 0.07
    max_epochs: int = 60
    patience: int = 8
    views: int = 4  # cached views per photo trained on (features.TRAIN_VIEWS; web pairs repeat their one)
    web_fraction: float = 1.0  # share of the kept web pairs used (a seeded subset), for the data curve
    web_subset_seed: int = 7
    # Each flickr fit photo appears this often per epoch (web pairs once): at 1 the 15.8k web pairs
    # pulled the heads away from Flickr-style captions (val-500 R@1 27.0 vs 30.2 at 3; see train.py).
    flickr_repeats: int = 3
    # Captions per flickr fit photo (of 5; the gallery and selection photos keep all 5 either way).
    # All 5: 2 saved ~2 min of encoding on a quiet machine and cost retrieval quality.
    fit_captions: int = 5
    web_shards: tuple[str, ...] = ()  # the web shards trained on (webdata.py); () = all
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2, 3])
    test_time_flip: bool = True  # embed each photo and its mirror image, average (2x image cost)
