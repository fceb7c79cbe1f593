"""Where models run: CUDA when there is a GPU, Apple's MPS on a Mac, else the CPU."""

from __future__ import annotations


def pick_device(requested: str | None = None) -> str:
    """`requested` ('cpu', 'cuda', 'cuda:1', 'mps') wins when it is usable; 'auto'/None picks."""
    if requested and requested != "auto":
        return requested
    import torch  # here, not at module level: opening a library must not wait for torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"
