"""Embedding models: the interface, the registry and the loaders."""

from album.models.base import EmbeddingModel, l2_normalise
from album.models.registry import (
    DEFAULT_MODEL_ID,
    ModelInfo,
    ModelSource,
    available_models,
    load_model,
    resolve_model,
)

__all__ = [
    "DEFAULT_MODEL_ID", "EmbeddingModel", "ModelInfo", "ModelSource", "available_models", "l2_normalise",
    "load_model", "resolve_model",
]
