"""Which models album knows, how a name becomes a `ModelSource`, and loading one.

Kinds of model:
- built in: `album-mini` (the embedded default, works offline) and `random-tiny` (tests);
- open_clip pretrained tags `ARCH/TAG` (e.g. `ViT-B-32/laion2b_s34b_b79k`), downloaded on first
  use into the user cache dir, and `hf-hub:org/repo` open_clip repositories;
- a local checkpoint file for an open_clip architecture (`--model-file PATH --arch ARCH`);
- CLIP models exported to ONNX (album.models.onnx_clip): `onnx:org/repo` from the hub or `onnx:FOLDER`, each
  optionally `@DTYPE` (e.g. `@q8`). They run under ONNX Runtime, so they work without PyTorch: the installer
  has no torch, and these are its upgrades; the open_clip kinds need torch (a developer install).
A library stores the `ModelSource` of its model, so it can load it again by itself.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from album.config import cache_dir as default_cache_dir
from album.errors import ModelError
from album.models import onnx_clip
from album.models.base import EmbeddingModel
from album.models.device import pick_device
from album.resources import resources_dir

DEFAULT_MODEL_ID = "album-mini"

DownloadProgress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class ModelSource:
    model_id: str
    kind: str  # 'builtin', 'open_clip', 'hf-hub', 'file', 'onnx-hub' or 'onnx-dir'
    arch: str | None = None  # open_clip: the architecture; hf-hub and onnx-hub: the hub repository
    tag: str | None = None  # open_clip: the pretrained tag; onnx kinds: the dtype of the graphs (fp32, q8...)
    file: str | None = None  # file: the checkpoint; onnx-dir: the model folder

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

ONNX_KINDS = ("onnx-hub", "onnx-dir")

# Good upgrades for people with a network. ONNX exports first: they need no PyTorch, so they work in the
# installer too. Then open_clip models (a developer install with torch), roughly from fastest to best.
# Sizes: transformers.js' CLIP B/32 export is 352 MB (vision) + 254 MB (text) in fp32, 89 + 65 MB in q8.
SUGGESTED_HUB_MODELS = [
    ModelInfo("onnx:Xenova/clip-vit-base-patch32", "OpenAI CLIP ViT-B/32 for ONNX Runtime: a large step up from "
              "album-mini, no PyTorch needed", 610),
    ModelInfo("onnx:Xenova/clip-vit-base-patch32@q8", "the same CLIP ViT-B/32 with 8-bit weights: a quarter of the "
              "download, a little less accurate", 160),
    ModelInfo("MobileCLIP2-S0/dfndr2b", "Apple MobileCLIP2-S0: fast, a large step up from album-mini", 300),
    ModelInfo("ViT-B-32/laion2b_s34b_b79k", "OpenCLIP ViT-B/32 on LAION-2B: the classic", 610),
    ModelInfo("ViT-B-16-SigLIP2/webli", "Google SigLIP2 ViT-B/16: best quality here, slower", 1500),
]


@lru_cache(maxsize=None)  # shipped files do not change while album runs: hash once, not at every open
def builtin_version(model_id: str) -> str | None:
    """Which weights a built-in model has now: a short digest, or None for one that never changes.

    album-mini keeps its id across releases while its heads may be retrained; vectors the old
    heads made mean nothing to the new ones, so a library compares this with the version its
    vectors were made with (services/indexing/models.py) and re-embeds when they differ.
    """
    if model_id != DEFAULT_MODEL_ID:
        return None
    from album.models.mini.resources import WEIGHTS_FILE
    from album.models.mini.prebuilt import weights_digest

    weights = resources_dir() / "models" / DEFAULT_MODEL_ID / WEIGHTS_FILE
    return weights_digest(weights) if weights.is_file() else None


def available_models() -> list[ModelInfo]:
    return [ModelInfo(model_id, text) for model_id, text in BUILTIN.items()] + SUGGESTED_HUB_MODELS


def recommended_upgrade() -> ModelInfo:
    """What the app offers people on album-mini: the first suggested model that runs without PyTorch."""
    return next(m for m in SUGGESTED_HUB_MODELS if m.model_id.startswith(onnx_clip.PREFIX))


def hub_model_reachable(model_id: str, *, timeout: float = 3.0) -> bool:
    """Whether the hub answers for an ONNX hub model right now: one HEAD, no retries, honouring HF_ENDPOINT
    and HF_HUB_OFFLINE. False for models of other kinds."""
    source = resolve_model(model_id)
    if source.kind != "onnx-hub":
        return False
    from album.models import hub

    return hub.hub_reachable(source.arch, onnx_clip.TOKENIZER, timeout=timeout)


def resolve_model(name: str, *, model_file: str | Path | None = None, arch: str | None = None) -> ModelSource:
    """Turn what a user typed into a ModelSource, checking it names something real."""
    if model_file is not None:
        path = Path(model_file).expanduser().resolve()
        _require_torch(f"the checkpoint {path.name}")
        from album.models.checkpoint import file_model_id

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
    if name.startswith(onnx_clip.PREFIX):
        return _resolve_onnx(name.removeprefix(onnx_clip.PREFIX))
    if name.startswith("hf-hub:"):
        _require_torch(name)
        return ModelSource(name, "hf-hub", arch=name.removeprefix("hf-hub:"))
    if "/" in name:
        _require_torch(name)
        import open_clip

        arch, tag = name.split("/", 1)
        _check_arch(arch)
        tags = [t for a, t in open_clip.list_pretrained() if a == arch]
        if tag not in tags:
            raise ModelError(f"{arch} has no pretrained weights called {tag!r}; known: {', '.join(tags) or 'none'}")
        return ModelSource(name, "open_clip", arch=arch, tag=tag)
    known = ", ".join(list(BUILTIN) + [m.model_id for m in SUGGESTED_HUB_MODELS])
    raise ModelError(
        f"unknown model {name!r}: use one of {known}, onnx:org/repo or onnx:FOLDER, any open_clip ARCH/TAG, "
        "or hf-hub:org/repo"
    )


def _resolve_onnx(ref: str) -> ModelSource:
    """`onnx:FOLDER[@DTYPE]` when FOLDER exists (as huggingface's from_pretrained, a folder wins), else
    `onnx:ORG/REPO[@DTYPE]` on the hub."""
    target, dtype = onnx_clip.split_dtype(ref)
    folder = Path(target).expanduser()
    if target and folder.is_dir():
        files = onnx_clip.folder_files(folder.resolve(), dtype)
        return ModelSource(onnx_clip.folder_model_id(files), "onnx-dir", tag=dtype, file=str(files.folder))
    if not onnx_clip.REPO_ID.fullmatch(target):
        raise ModelError(
            f"onnx:{ref} names neither a folder nor a hub repository (ORG/NAME, e.g. onnx:Xenova/clip-vit-base-patch32)"
        )
    return ModelSource(onnx_clip.hub_model_id(target, dtype), "onnx-hub", arch=target, tag=dtype)


def _require_torch(model: str) -> None:
    """open_clip models run on PyTorch; an installed album (no torch) says what to use instead."""
    try:
        import open_clip  # noqa: F401 - imports torch
    except ImportError:
        raise ModelError(
            f"{model} is an open_clip model and needs PyTorch, which the album installer does not include; use "
            f"{SUGGESTED_HUB_MODELS[0].model_id} instead (Settings → Model, or `album model set "
            f"{SUGGESTED_HUB_MODELS[0].model_id}`), or install album from source with pip to use open_clip models"
        ) from None


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
    cache = Path(cache_dir) if cache_dir else default_cache_dir() / "models"
    fetch = {"cache_dir": cache, "progress": progress, "offline": offline}
    if source.kind in ONNX_KINDS:
        return _load_onnx(source, device, fetch)
    _require_torch(source.model_id)
    device = pick_device(device)
    from album.models import hub, openclip

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


def _load_onnx(source: ModelSource, device: str | None, fetch: dict) -> EmbeddingModel:
    """Never imports torch: this is the installer's way to a better model."""
    dtype = source.tag or onnx_clip.DEFAULT_DTYPE
    if source.kind == "onnx-hub":
        from album.models import hub

        folder = hub.onnx_clip_dir(source.arch, dtype, **fetch)
    else:
        folder = Path(source.file)
    return onnx_clip.load_onnx_clip(onnx_clip.folder_files(folder, dtype), model_id=source.model_id, device=device)


def _load_builtin(model_id: str, device: str | None) -> EmbeddingModel:
    if model_id == "random-tiny":
        _require_torch(model_id)
        from album.models.openclip import random_tiny

        return random_tiny(pick_device(device))
    from album.models.mini.model import load_album_mini

    # album-mini runs under ONNX Runtime on the CPU whatever device was picked: it is small
    # enough that a GPU would mostly wait for decoding anyway.
    return load_album_mini(resources_dir() / "models" / "album-mini", "cpu")
