"""ONNX Runtime, imported one way: with its telemetry off.

ONNX Runtime's own code (1.29+) looks up a telemetry host (mobile.events.data.microsoft.com)
some seconds after its first session runs. `album/__init__.py` sets ORT_DISABLE_TELEMETRY, the
full opt-out, which the runtime reads once when it initialises; `load()` also turns its
telemetry events off through the API, which still helps where something imported the runtime
before album could set the switch. Every module that runs an ONNX graph takes the runtime from
here instead of importing it.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_telemetry_off = False


def load():
    """The onnxruntime module, its telemetry turned off (once per process, before any session)."""
    global _telemetry_off
    import onnxruntime

    with _lock:
        if not _telemetry_off:
            onnxruntime.disable_telemetry_events()
            _telemetry_off = True
    return onnxruntime
