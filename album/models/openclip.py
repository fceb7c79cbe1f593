"""open_clip models behind the EmbeddingModel interface."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from PIL import Image

from album.models.base import l2_normalise


class OpenClipModel:
    """Wraps an open_clip CLIP model, its eval transform and its tokenizer."""

    def __init__(self, model_id: str, model: torch.nn.Module, transform, tokenizer, device: str):
        self.model_id = model_id
        self.device = device
        self._model = model.to(device).eval()
        self._pil_steps, self._mean, self._std = _split_transform(transform)
        self._tokenizer = tokenizer
        with torch.inference_mode():
            probe = self._model.encode_text(tokenizer(["a photo"]).to(device))
        self.dim = int(probe.shape[-1])

    def preprocess(self, image: Image.Image) -> torch.Tensor:
        # Runs on decode worker threads. Tensor ops there would each start torch's intra-op
        # thread pool and fight the model for the cores (measured: 45 ms instead of 0.7 ms per
        # photo), so the resize/crop stay in PIL and the normalisation is done in NumPy.
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
