"""open_clip models behind the EmbeddingModel interface."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image

from album.errors import ModelError
from album.media.pixels import crop_to_aspect
from album.models.base import l2_normalise


class OpenClipModel:
    """Wraps an open_clip CLIP model, its eval transform and its tokenizer."""

    def __init__(self, model_id: str, model: torch.nn.Module, transform, tokenizer, device: str):
        self.model_id = model_id
        self.device = device
        self._model = model.to(device).eval()
        self._pil_steps, self._mean, self._std = _split_transform(transform)
        self._shapes = _shapes_used(self._pil_steps)
        self._tokenizer = tokenizer
        with torch.inference_mode():
            probe = self._model.encode_text(tokenizer(["a photo"]).to(device))
        self.dim = int(probe.shape[-1])

    def preprocess(self, image: Image.Image) -> torch.Tensor:
        # Runs on decode worker threads. Tensor ops there would each start torch's intra-op
        # thread pool and fight the model for the cores (measured: 45 ms instead of 0.7 ms per
        # photo), so the resize/crop stay in PIL and the normalisation is done in NumPy.
        image = crop_to_aspect(image, *self._shapes)
        for step in self._pil_steps:
            image = step(image)
        pixels = np.asarray(image.convert("RGB"), dtype=np.float32) * (1 / 255)
        pixels = (pixels - self._mean) / self._std
        return torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))

    def encode_preprocessed(self, batch: Sequence[torch.Tensor]) -> np.ndarray:
        with torch.inference_mode():
            features = self._model.encode_image(torch.stack(list(batch)).to(self.device))
        return l2_normalise(features.float().cpu().numpy())

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        return self.encode_preprocessed([self.preprocess(image.convert("RGB")) for image in images])

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        with torch.inference_mode():
            features = self._model.encode_text(self._tokenizer(list(texts)).to(self.device))
        return l2_normalise(features.float().cpu().numpy())


def _split_transform(transform) -> tuple[list, np.ndarray, np.ndarray]:
    """open_clip's eval Compose → (its PIL steps, mean, std) for the NumPy path above."""
    from torchvision import transforms as T

    pil_steps, mean, std = [], np.zeros(3, np.float32), np.ones(3, np.float32)
    for step in getattr(transform, "transforms", [transform]):
        name = type(step).__name__
        if isinstance(step, T.Normalize):
            mean, std = np.asarray(step.mean, np.float32), np.asarray(step.std, np.float32)
        elif isinstance(step, T.ToTensor) or name in ("MaybeToTensor", "MaybeConvertMode"):
            continue  # conversion happens in preprocess()
        else:
            pil_steps.append(step)  # Resize, CenterCrop, ResizeKeepRatio, ...: PIL in, PIL out
    return pil_steps, mean, std


def _shapes_used(pil_steps: list) -> tuple[float, float]:
    """The shapes (width / height) of picture that open_clip's eval transform makes use of.

    preprocess() cuts a picture's centre to them first. Without that, its shortest-edge Resize made
    a 1 x 100000 picture 224 x 22,400,000 (15 GB) for a CenterCrop to keep 224 x 224, and its
    'longest' mode asked for a picture 0 pixels wide. Photos of ordinary shapes are not touched.
    """
    from torchvision import transforms as T

    crop = next((step for step in pil_steps if type(step) is T.CenterCrop), None)
    if crop is not None:
        # Only the centre of the crop's shape is kept; twice that leaves the resize's filter the
        # pixels around it, and the resize stays within twice the crop's size.
        height, width = crop.size
        return width / height / 2, width / height * 2
    # Squash and 'longest' (letterbox) modes: their output is bounded already; narrower than 1 to
    # its longest side, a side of the resized picture would round to 0 pixels.
    sizes = [side for step in pil_steps for side in _sides(getattr(step, "size", None))]
    longest = max(sizes, default=224)
    return 1 / longest, float(longest)


def _sides(size) -> list[int]:
    if isinstance(size, int):
        return [size]
    return [side for side in size if isinstance(side, int)] if isinstance(size, (list, tuple)) else []


def random_tiny(device: str = "cpu", seed: int = 0) -> OpenClipModel:
    """A tiny CLIP with seeded random weights: deterministic and fast, but it understands nothing.

    It exercises the whole open_clip path without a download, for tests and pipeline benchmarks.
    """
    import open_clip
    from open_clip.model import CLIP

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = CLIP(
            embed_dim=64,
            vision_cfg={"image_size": 64, "layers": 2, "width": 64, "patch_size": 16, "head_width": 32},
            text_cfg={"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
        )
    transform = open_clip.image_transform(64, is_train=False)
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    return OpenClipModel("random-tiny" if seed == 0 else f"random-tiny-{seed}", model, transform, tokenizer, device)


# Weight files open_clip looks for in a model folder, best first (open_clip.factory._find_checkpoint_in_dir).
_FOLDER_WEIGHTS = (
    "open_clip_model.safetensors", "open_clip_pytorch_model.safetensors", "open_clip_pytorch_model.bin",
    "open_clip_pytorch_model.pth", "model.safetensors", "pytorch_model.bin", "pytorch_model.pth", "model.pth",
)


def load_open_clip(
    arch: str,
    weights: Path | None,
    *,
    model_id: str,
    tag: str | None = None,
    tokenizer_dir: Path | None = None,
    device: str = "cpu",
) -> OpenClipModel:
    """An open_clip architecture with the weights of a local file (None: random weights). No network.

    `arch` is an open_clip model name ('ViT-B-32') or 'local-dir:FOLDER' (a folder holding an
    open_clip_config.json). `tag` names the pretrained tag the file came from: open_clip attaches the
    preprocessing (mean, std, resize mode) and QuickGELU setting to the tag, not to the architecture.
    `tokenizer_dir` holds the Hugging Face tokenizer for archs that use one (hub.open_clip_tokenizer_dir).

    The weights are read by checkpoint.load_state_dict_file instead of open_clip's loader: both refuse
    pickled code, but ours also accepts {"model": ...} wrappers and says how the keys mismatch.
    """
    import open_clip

    from album.models.checkpoint import apply_state_dict, load_state_dict_file

    model_cfg = _model_config(arch)
    tokenizer = _tokenizer(arch, model_cfg.get("text_cfg", {}), tokenizer_dir)
    tag_cfg = open_clip.get_pretrained_cfg(arch, tag) if tag else {}
    try:
        model, _, transform = open_clip.create_model_and_transforms(
            arch,
            pretrained=None,
            load_weights=False,  # a local-dir's own weights go through load_state_dict_file below
            pretrained_text=False,  # HF text towers would otherwise download their own weights
            force_quick_gelu=bool(tag_cfg.get("quick_gelu", False)),
            image_mean=tag_cfg.get("mean"),
            image_std=tag_cfg.get("std"),
            image_interpolation=tag_cfg.get("interpolation"),
            image_resize_mode=tag_cfg.get("resize_mode"),
        )
    except (OSError, RuntimeError, ValueError, KeyError, TypeError) as error:
        # e.g. an HF text tower whose config is not cached; transformers raises OSError for it.
        raise ModelError(f"could not build the open_clip model {arch}: {error}") from None
    if weights is not None:
        apply_state_dict(model, load_state_dict_file(Path(weights)), arch=arch, source=Path(weights))
    return OpenClipModel(model_id, model, transform, tokenizer, device)


def load_hf_hub_dir(
    folder: Path, *, model_id: str, tokenizer_dir: Path | None = None, device: str = "cpu"
) -> OpenClipModel:
    """An 'hf-hub:' model from its downloaded folder (hub.hf_hub_model_dir): config + weights, no network."""
    folder = Path(folder)
    weights = next((folder / name for name in _FOLDER_WEIGHTS if (folder / name).is_file()), None)
    if weights is None:
        raise ModelError(f"{folder} holds no open_clip weights (expected {_FOLDER_WEIGHTS[0]} or similar)")
    return load_open_clip(f"local-dir:{folder}", weights, model_id=model_id, tokenizer_dir=tokenizer_dir, device=device)


def _model_config(arch: str) -> dict:
    import difflib

    import open_clip

    try:
        config = open_clip.get_model_config(arch)
    except (OSError, ValueError) as error:
        raise ModelError(f"cannot read the open_clip config of {arch}: {error}") from None
    if config is None:
        close = difflib.get_close_matches(arch, open_clip.list_models(), n=4, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ModelError(f"{arch!r} is not an open_clip architecture{hint}")
    return config


def _tokenizer(arch: str, text_cfg: dict, tokenizer_dir: Path | None):
    import open_clip

    from album.models.hub import TOKENIZER_CORE

    hf_name = text_cfg.get("hf_tokenizer_name")
    if not hf_name:
        return open_clip.get_tokenizer(arch)  # the BPE vocabulary ships inside open_clip: never downloads
    # open_clip would fetch an HF tokenizer from the hub on the spot; album loads it from a folder only.
    folders = [Path(tokenizer_dir)] if tokenizer_dir else []
    if arch.startswith("local-dir:"):
        folders.append(Path(arch.removeprefix("local-dir:")))
    folder = next((f for f in folders if any((f / name).is_file() for name in TOKENIZER_CORE)), None)
    if folder is None:
        raise ModelError(
            f"the model {arch} needs the text tokenizer of the hub repository {hf_name}, which is not in "
            "album's cache; it is downloaded with the model when there is a connection"
        )
    from open_clip.tokenizer import DEFAULT_CONTEXT_LENGTH, HFTokenizer

    try:
        return HFTokenizer(
            str(folder),
            context_length=text_cfg.get("context_length", DEFAULT_CONTEXT_LENGTH),
            tokenizer_mode=text_cfg.get("tokenizer_mode"),
            local_files_only=True,
            **text_cfg.get("tokenizer_kwargs", {}),
        )
    except (OSError, ValueError, ImportError) as error:
        raise ModelError(f"cannot load the tokenizer of {arch} from {folder}: {error}") from None
