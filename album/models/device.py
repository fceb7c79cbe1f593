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


def devices_present() -> list[str]:
    """The devices a model could run on here, 'cpu' first: what a settings page should offer."""
    import importlib.util

    present = ["cpu"]
    if importlib.util.find_spec("onnxruntime") is not None:
        from album.models import onnx_runtime

        ort = onnx_runtime.load()

        if "CUDAExecutionProvider" in ort.get_available_providers():
            present.append("cuda")
    if importlib.util.find_spec("torch") is not None:
        import torch

        if torch.cuda.is_available() and "cuda" not in present:
            present.append("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            present.append("mps")
    return present
