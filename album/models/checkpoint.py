"""Local checkpoint files: weights read without unpickling code, and an id that follows the bytes."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Mapping

import torch

from album.errors import ModelError
from album.models.digest import files_digest

_WRAPPER_KEYS = ("state_dict", "model")  # training scripts save {"state_dict": ...} or {"model": ...}


def load_state_dict_file(path: Path) -> dict[str, torch.Tensor]:
    """Read the tensors of a .safetensors file or a torch state dict, on the CPU.

    Torch files go through `torch.load(weights_only=True)`, which only rebuilds tensors and plain
    containers: a file that would run code when unpickled is refused, never executed.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    if _is_safetensors(path):
        return _load_safetensors(path)
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        # torch's weights-only unpickler names the first class or function it would have had to import.
        refused = re.search(r"GLOBAL (\S+?)[ ,]", str(error))
        if refused:
            raise ModelError(
                f"{path} contains pickled Python objects besides tensors ({refused.group(1)}); album refuses to "
                "load them because unpickling can run arbitrary code. Save the weights alone "
                "(model.state_dict(), or a .safetensors file)."
            ) from None
        raise ModelError(f"{path} is not a model checkpoint (not a safetensors or torch file)") from None
    except RuntimeError as error:
        if "TorchScript" in str(error):
            raise ModelError(
                f"{path} is a TorchScript archive, not a state dict; use the open_clip weights of the same model "
                "(a .safetensors or state-dict file) instead"
            ) from None
        raise ModelError(f"{path} is not a model checkpoint: {_first_line(error)}") from None
    except (EOFError, KeyError, ValueError, OSError) as error:
        raise ModelError(f"{path} is not a model checkpoint (not a safetensors or torch file): {error!r}") from None
    return _plain_state_dict(loaded, path)


def file_model_id(arch: str, path: Path) -> str:
    """`ARCH@<sha256 prefix>`: stable for the same bytes, new when the file changes, whatever its name."""
    return f"{arch}@{files_digest([Path(path)])}"


def apply_state_dict(model: torch.nn.Module, state_dict: Mapping[str, torch.Tensor], *, arch: str, source: Path) -> None:
    """Load weights into an open_clip model, with a countable explanation when they belong to another arch."""
    state_dict = _open_clip_layout(model, dict(state_dict))
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    reshaped = [k for k in expected if k in state_dict and state_dict[k].shape != expected[k].shape]
    if missing or unexpected or reshaped:
        parts = [f"{len(missing)} missing", f"{len(unexpected)} unexpected", f"{len(reshaped)} with other shapes"]
        example = (missing or unexpected or reshaped)[0]
        raise ModelError(
            f"the weights in {source} do not fit the architecture {arch} ({', '.join(parts)} of "
            f"{len(expected)} tensors, e.g. {example!r}); check --arch, or that the file is an open_clip "
            "checkpoint of that model"
        )
    model.load_state_dict(state_dict, strict=True)


def _open_clip_layout(model: torch.nn.Module, state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The conversions open_clip's own `load_checkpoint` applies, so files it loads load here too."""
    from open_clip.convert import convert_state_dict
    from open_clip.model import convert_to_custom_text_state_dict, resize_pos_embed, resize_text_pos_embed

    state_dict = convert_state_dict(model, state_dict)  # Apple's MobileCLIP layout → open_clip's
    if "positional_embedding" in state_dict and not hasattr(model, "positional_embedding"):
        state_dict = convert_to_custom_text_state_dict(state_dict)  # pre-2.0 open_clip text layout
    for key in ("logit_scale", "logit_bias"):
        param = getattr(model, key, None)
        if key in state_dict and param is not None and param.ndim != state_dict[key].ndim:
            state_dict[key] = state_dict[key].reshape(param.shape)
    if "logit_bias" not in state_dict and getattr(model, "logit_bias", None) is not None and "logit_scale" in state_dict:
        state_dict["logit_bias"] = torch.zeros_like(state_dict["logit_scale"])  # CLIP weights in a SigLIP model
    position_ids = "text.transformer.embeddings.position_ids"  # dropped from HF text towers in transformers 4.31
    if position_ids in state_dict and position_ids not in model.state_dict():
        del state_dict[position_ids]
    resize_pos_embed(state_dict, model)
    resize_text_pos_embed(state_dict, model)
    return state_dict


def _is_safetensors(path: Path) -> bool:
    """By name, or by header (8-byte little-endian length, then a JSON object) for renamed files."""
    if path.suffix == ".safetensors":
        return True
    with path.open("rb") as stream:
        head = stream.read(9)
    return len(head) == 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < path.stat().st_size


def _load_safetensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return _strip_module_prefix(load_file(path, device="cpu"))
    except (SafetensorError, OSError, ValueError) as error:
        raise ModelError(f"{path} is not a readable safetensors file: {error}") from None


def _plain_state_dict(loaded: object, path: Path) -> dict[str, torch.Tensor]:
    while isinstance(loaded, Mapping):
        inner = next((loaded[k] for k in _WRAPPER_KEYS if isinstance(loaded.get(k), Mapping)), None)
        if inner is None:
            break
        loaded = inner
    if not isinstance(loaded, Mapping) or not loaded:
        raise ModelError(f"{path} is not a model checkpoint: it holds a {type(loaded).__name__}, not named tensors")
    not_tensors = [k for k, v in loaded.items() if not isinstance(v, torch.Tensor)]
    if not_tensors:
        raise ModelError(
            f"{path} is not a plain state dict: {len(not_tensors)} entries are not tensors (e.g. {not_tensors[0]!r})"
        )
    return _strip_module_prefix(dict(loaded))


def _strip_module_prefix(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    # DataParallel / DistributedDataParallel save every key as "module.<name>".
    if state_dict and all(k.startswith("module.") for k in state_dict):
        return {k[len("module."):]: v for k, v in state_dict.items()}
    return state_dict


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
