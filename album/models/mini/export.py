"""Exporting album-mini's towers and heads as ONNX graphs (needs torch): at first load in a
development install (model.py), or once at build time for installers (prebuilt.py).
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from pathlib import Path

from album.models.mini import towers
from album.models.mini.resources import RECIPE_FILE, WEIGHTS_FILE, recipe_image_tower

EXPORT_VERSION = 2  # bump when the exported graphs change shape or meaning


def _heads_from_resources(weights: dict, info: dict):
    """Rebuild the image and text heads (torch modules) from the shipped tensors."""
    from album.models.mini.heads import ImageHead, TextHead

    dim = int(info["dim"])
    image = ImageHead(dim, weights["image.class_text"].float(), weights["image.feature_mean"],
                      weights["image.feature_std"], weights["image.feature_scale"],
                      float(weights["image.semantic_weight"]), float(weights["image.semantic_temperature"]))
    image.proj.load_state_dict({"weight": weights["image.proj.weight"].float(), "bias": weights["image.proj.bias"]})
    text = TextHead(dim, text_dim=weights["text.proj.weight"].shape[1])
    text.proj.load_state_dict({"weight": weights["text.proj.weight"].float(), "bias": weights["text.proj.bias"]})
    return image.eval(), text.eval()


def export_onnx(resources_dir: Path, image_path: Path, text_path: Path) -> None:
    """Write the image graph (pixels → embedding) and text graph (tokens → embedding) as ONNX."""
    import torch
    from safetensors.torch import load_file

    info = json.loads((resources_dir / RECIPE_FILE).read_text())
    image_head, text_head = _heads_from_resources(load_file(str(resources_dir / WEIGHTS_FILE)), info)
    tower = recipe_image_tower(info)
    net = towers.load_image_tower(tower.name)
    text_tower = towers.load_text_tower()
    stages = tuple(int(k) for k in info["image_stages"])

    class ImageGraph(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net, self.head = net, image_head

        def forward(self, pixels):
            stage_features, pooled, logits = towers.image_tower_outputs(self.net, pixels, stages)
            return self.head(torch.cat([pooled, stage_features], dim=1), logits)

    class TextGraph(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert, self.head = text_tower.model, text_head

        def forward(self, input_ids, attention_mask):
            states = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            return self.head(towers.mean_pool(states, attention_mask))

    for path in (image_path, text_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    tokens = text_tower.tokenize(["a photo of a cat", "two dogs play in the snow"])
    jobs = [(ImageGraph(), (torch.zeros(1, 3, tower.size, tower.size),), ["pixels"],
             {"pixels": {0: "n"}, "embedding": {0: "n"}}, image_path),
            (TextGraph(), (tokens["input_ids"], tokens["attention_mask"]), ["input_ids", "attention_mask"],
             {"input_ids": {0: "n", 1: "tokens"}, "attention_mask": {0: "n", 1: "tokens"}, "embedding": {0: "n"}},
             text_path)]
    for module, example, inputs, axes, path in jobs:
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        # The tracer warns about shape-dependent Python branches in transformers' masking code;
        # the exported graphs are checked against torch for several batch and text lengths.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module.eval(), example, str(tmp), input_names=inputs, output_names=["embedding"],
                              dynamic_axes=axes, opset_version=17, dynamo=False)
        os.replace(tmp, path)  # atomic: a concurrent loader sees the old file or the whole new one
