"""album: a smart photo album. `from album import Library` is the headless API."""

import os

__version__ = "0.1.0"

# album is offline: no request leaves the machine unless the user asks for a download. Libraries
# that phone home read these switches once, when they start, so they are set before any of them
# is imported (every album module imports this package first; child processes inherit them).
# ONNX Runtime (1.29+) looks up its telemetry host some seconds after its first session unless
# ORT_DISABLE_TELEMETRY is set before it initialises; huggingface_hub reports downloads.
for _switch in ("ORT_DISABLE_TELEMETRY", "HF_HUB_DISABLE_TELEMETRY"):
    os.environ.setdefault(_switch, "1")


def __getattr__(name: str):
    # Imported lazily so `album --version` and the GUI's first paint do not wait for torch.
    if name == "Library":
        from album.library import Library

        return Library
    raise AttributeError(name)


__all__ = ["Library", "__version__"]
