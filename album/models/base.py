"""The interface every embedding model implements, so the indexer never knows which one it runs."""

from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np
from PIL import Image


@runtime_checkable
class EmbeddingModel(Protocol):
    """A CLIP-style model: images and texts map into one space of L2-normalised vectors.

    `preprocess` runs on decode worker threads (it must be thread-safe and cheap); the indexing
    thread stacks what it returns and calls `encode_preprocessed` on full batches.
    """

    model_id: str
    dim: int
    device: str

    def preprocess(self, image: Image.Image) -> Any:
        """Turn one RGB image into the model's input (a tensor or array for one image)."""

    def encode_preprocessed(self, batch: Sequence[Any]) -> np.ndarray:
        """Encode outputs of `preprocess`: float32 [n, dim], each row L2-normalised."""

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Encode RGB images: float32 [n, dim], each row L2-normalised."""

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts: float32 [n, dim], each row L2-normalised."""


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32; zero rows stay zero instead of becoming NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
