"""Which models album knows, and loading one by id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from album.errors import ModelError
from album.models.base import EmbeddingModel
from album.models.device import pick_device

# The embedded model `album-mini` becomes the default once it ships (its issue); until then the
# deterministic tiny model keeps every code path runnable offline.
DEFAULT_MODEL_ID = "random-tiny"


@dataclass(frozen=True)
class ModelSpec:
    model_id: str
    description: str
    load: Callable[[str], EmbeddingModel]


def _random_tiny(device: str) -> EmbeddingModel:
    from album.models.openclip import random_tiny

    return random_tiny(device)


_BUILTIN = [
    ModelSpec("random-tiny", "tiny open_clip model with seeded random weights (tests, pipeline benchmarks)", _random_tiny),
]


def available_models() -> list[ModelSpec]:
    return list(_BUILTIN)


def load_model(model_id: str, device: str | None = None) -> EmbeddingModel:
    device = pick_device(device)
    for spec in _BUILTIN:
        if spec.model_id == model_id:
            return spec.load(device)
    known = ", ".join(s.model_id for s in _BUILTIN)
    raise ModelError(f"unknown model {model_id!r}; known models: {known}")
