"""A tiny CLIP exported to ONNX as transformers.js lays it out (the files of e.g. Xenova/clip-vit-base-patch32).

Shared by tests/test_models_onnx.py and packaging/check-bundle.sh (which serves it from a fake hub
to the installed app). Needs the development install: torch, transformers, open_clip.
"""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import torch

from album.models import onnx_clip

REPO = "album-test/tiny-clip-onnx"
IMAGE_SIZE = 32
# The preprocessor_config.json of openai/clip-vit-base-patch32 (the older, int spelling), at the tiny size.
PREPROCESSOR = {
    "crop_size": IMAGE_SIZE, "do_center_crop": True, "do_normalize": True, "do_resize": True,
    "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": list(onnx_clip.CLIP_MEAN),
    "image_std": list(onnx_clip.CLIP_STD), "resample": 3, "size": IMAGE_SIZE,
}


def clip_tokenizer():
    """The real CLIP tokenizer (49,408 BPE tokens) as transformers builds it, from open_clip's vocabulary file."""
    from open_clip.tokenizer import bytes_to_unicode, default_bpe
    from transformers import CLIPTokenizer

    lines = gzip.open(default_bpe()).read().decode("utf-8").split("\n")[1 : 49152 - 256 - 2 + 1]
    merges = [tuple(line.split()) for line in lines]
    symbols = list(bytes_to_unicode().values())
    specials = ["<|startoftext|>", "<|endoftext|>"]  # ids 49406 and 49407, as in every CLIP
    vocab = [*symbols, *(s + "</w>" for s in symbols), *("".join(m) for m in merges), *specials]
    return CLIPTokenizer(vocab={token: i for i, token in enumerate(vocab)}, merges=merges)


def export(module, example, path: Path, inputs: list[str], output: str, axes: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on transformers' shape checks
        torch.onnx.export(module.eval(), example, str(path), input_names=inputs, output_names=[output],
                          dynamic_axes=axes, opset_version=17, dynamo=False)


class TextTower(torch.nn.Module):
    def __init__(self, model, with_mask: bool):
        super().__init__()
        self.model, self.with_mask = model, with_mask

    def forward(self, input_ids, attention_mask=None):
        return self.model(input_ids=input_ids.long(), attention_mask=attention_mask).text_embeds


class VisionTower(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model(pixel_values=pixel_values).image_embeds


def write_tiny_onnx_clip(folder: Path):
    """Write a seeded tiny CLIP's ONNX export (fp32 and q8) with its tokenizer and configs into `folder`.

    Returns the torch text and vision towers and the tokenizer, to compare against.
    """
    from transformers import CLIPConfig, CLIPTextModelWithProjection, CLIPVisionModelWithProjection

    tokenizer = clip_tokenizer()
    tokenizer.save_pretrained(folder)  # tokenizer.json (no padding, no truncation in it) + tokenizer_config.json
    towers = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
              "projection_dim": 24}
    config = CLIPConfig(text_config={**towers, "vocab_size": 49408, "max_position_embeddings": 77},
                        vision_config={**towers, "image_size": IMAGE_SIZE, "patch_size": 16}, projection_dim=24)
    config.save_pretrained(folder)
    (folder / onnx_clip.PREPROCESSOR).write_text(json.dumps(PREPROCESSOR))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        text = CLIPTextModelWithProjection(config.text_config).eval()
        vision = CLIPVisionModelWithProjection(config.vision_config).eval()
    # transformers.js' split export: input_ids alone → text_embeds; pixel_values → image_embeds.
    ids = torch.tensor([[49406, 320, 2368, 49407]])
    export(TextTower(text, False), (ids,), folder / "onnx/text_model.onnx", ["input_ids"], "text_embeds",
           {"input_ids": {0: "batch_size", 1: "sequence_length"}, "text_embeds": {0: "batch_size"}})
    export(VisionTower(vision), (torch.zeros(1, 3, IMAGE_SIZE, IMAGE_SIZE),), folder / "onnx/vision_model.onnx",
           ["pixel_values"], "image_embeds", {"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}})
    from onnxruntime.quantization import QuantType, quantize_dynamic

    for tower in ("vision", "text"):  # real 8-bit weights, named as transformers.js names its q8 files
        quantize_dynamic(str(folder / f"onnx/{tower}_model.onnx"), str(folder / f"onnx/{tower}_model_quantized.onnx"),
                         weight_type=QuantType.QUInt8)
    return text, vision, tokenizer


def served_files(folder: Path) -> dict[str, bytes]:
    """The folder as the fake hub serves a repository: {relative path: bytes}."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
