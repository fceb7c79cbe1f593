"""Which models album knows, how a name becomes a `ModelSource`, and loading one.

Kinds of model:
- built in: `album-mini` (the embedded default, works offline) and `random-tiny` (tests);
- open_clip pretrained tags `ARCH/TAG` (e.g. `ViT-B-32/laion2b_s34b_b79k`), downloaded on first
  use into the user cache dir, and `hf-hub:org/repo` open_clip repositories;
- a local checkpoint file for an open_clip architecture (`--model-file PATH --arch ARCH`).
A library stores the `ModelSource` of its model, so it can load it again by itself.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from album.config import cache_dir as default_cache_dir
from album.errors import ModelError
from album.models.base import EmbeddingModel
from album.models.device import pick_device
from album.resources import resources_dir

DEFAULT_MODEL_ID = "album-mini"

DownloadProgress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class ModelSource:
    model_id: str
    kind: str  # 'builtin', 'open_clip', 'hf-hub' or 'file'
    arch: str | None = None
    tag: str | None = None
    file: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ModelSource":
        return cls(**json.loads(text))


@dataclass(frozen=True)
class ModelInfo:
    """A model offered to the user (CLI `model list`, the settings dialog)."""

    model_id: str
    description: str
    download_mb: int = 0  # approximate size of the weights (fp32 parameters x 4 bytes); 0: none


BUILTIN = {
    "album-mini": "embedded default: EfficientNet-Lite0 + MiniLM aligned on real captioned photos; offline",
    "random-tiny": "tiny open_clip model with seeded random weights (tests and pipeline benchmarks only)",
}

# Good upgrades for people with a network, roughly from fastest to best.
SUGGESTED_HUB_MODELS = [
    ModelInfo("MobileCLIP2-S0/dfndr2b", "Apple MobileCLIP2-S0: fast, a large step up from album-mini", 300),
    ModelInfo("ViT-B-32/laion2b_s34b_b79k", "OpenCLIP ViT-B/32 on LAION-2B: the classic", 610),
    ModelInfo("ViT-B-16-SigLIP2/webli", "Google SigLIP2 ViT-B/16: best quality here, slower", 1500),
]


def available_models() -> list[ModelInfo]:
    return [ModelInfo(model_id, text) for model_id, text in BUILTIN.items()] + SUGGESTED_HUB_MODELS


def resolve_model(name: str, *, model_file: str | Path | None = None, arch: str | None = None) -> ModelSource:
    """Turn what a user typed into a ModelSource, checking it names something real."""
    if model_file is not None:
        from album.models.checkpoint import file_model_id

        path = Path(model_file).expanduser().resolve()
        # `album model set ARCH/TAG --model-file PATH`: the tag still matters, because open_clip
        # keeps preprocessing (mean/std, resize mode) and QuickGELU on the tag, not the arch.
        named_arch, _, tag = (name or "").partition("/")
        arch = arch or named_arch or None
        if not arch:
            raise ModelError("a model file needs its architecture: --arch ARCH (e.g. ViT-B-32)")
        _check_arch(arch)
        return ModelSource(file_model_id(arch, path), "file", arch=arch, tag=tag or None, file=str(path))
    if name in BUILTIN:
        return ModelSource(name, "builtin")
    if name.startswith("hf-hub:"):
        return ModelSource(name, "hf-hub", arch=name.removeprefix("hf-hub:"))
    if "/" in name:
        import open_clip

        arch, tag = name.split("/", 1)
        _check_arch(arch)
        tags = [t for a, t in open_clip.list_pretrained() if a == arch]
        if tag not in tags:
            raise ModelError(f"{arch} has no pretrained weights called {tag!r}; known: {', '.join(tags) or 'none'}")
        return ModelSource(name, "open_clip", arch=arch, tag=tag)
    known = ", ".join(list(BUILTIN) + [m.model_id for m in SUGGESTED_HUB_MODELS])
    raise ModelError(f"unknown model {name!r}: use one of {known}, any open_clip ARCH/TAG, or hf-hub:org/repo")


def _check_arch(arch: str) -> None:
    import open_clip

    if arch not in open_clip.list_models():
        raise ModelError(f"open_clip has no architecture called {arch!r}")


def load_model(
    source: ModelSource | str,
    device: str | None = None,
    *,
    cache_dir: Path | None = None,
    progress: DownloadProgress | None = None,
    offline: bool = False,
) -> EmbeddingModel:
    """Load a model, downloading its weights first if it is a hub model not yet in the cache."""
    if isinstance(source, str):
        source = resolve_model(source)
    if source.kind == "builtin":
        return _load_builtin(source.model_id, device)
    device = pick_device(device)
    cache = Path(cache_dir) if cache_dir else default_cache_dir() / "models"
    from album.models import hub, openclip

    fetch = {"cache_dir": cache, "progress": progress, "offline": offline}
    if source.kind == "hf-hub":
        folder = hub.hf_hub_model_dir(source.arch, **fetch)
        return openclip.load_hf_hub_dir(folder, model_id=source.model_id, device=device)
    # Some archs (SigLIP) need an HF tokenizer: fetched once like the weights; None for the rest.
    tokenizer_dir = hub.open_clip_tokenizer_dir(source.arch, **fetch)
    if source.kind == "open_clip":
        weights = hub.open_clip_weights(source.arch, source.tag, **fetch)
    elif source.kind == "file":
        weights = Path(source.file)
    else:
        raise ModelError(f"unknown kind of model source: {source.kind!r}")
    return openclip.load_open_clip(
        source.arch, weights, model_id=source.model_id, tag=source.tag, tokenizer_dir=tokenizer_dir, device=device
    )


def _load_builtin(model_id: str, device: str | None) -> EmbeddingModel:
    if model_id == "random-tiny":
        from album.models.openclip import random_tiny

        return random_tiny(pick_device(device))
    from album.models.mini.model import load_album_mini

    # album-mini runs under ONNX Runtime on the CPU whatever device was picked: it is small
    # enough that a GPU would mostly wait for decoding anyway.
    return load_album_mini(resources_dir() / "models" / "album-mini", "cpu")
