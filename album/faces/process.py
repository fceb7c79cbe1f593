"""`FaceEngineProcess`: the face engine in a child process, so that the app's threads keep the GIL.

dlib's Python bindings hold the GIL while they load their models (~0.5 s) and while they detect,
align and describe (0.1-0.3 s a photo on a CPU). Inside the app's process each of those froze the
window for as long: bench/gui_indexing.py measured GUI stalls of 0.2-0.4 s all through a face
pass. In a child process the app's face thread only waits on a pipe, which releases the GIL.

A crash inside dlib now ends the child, not the app: that photo is reported as failed and the next
one starts a fresh child. The child lives while a face pass needs it (`close()` ends it) and runs
at the face pass's lower priority. It is started with "spawn", as on macOS and Windows, so it
never inherits the app's threads (Qt's, the index run's) in a half-held state; the bundle's
launcher calls `multiprocessing.freeze_support()` for it.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from PIL import Image

from album.faces.engine import DetectedFace, FaceEngine, FaceSettings
from album.faces.models import DESCRIPTOR_FILE, LANDMARKS_FILE, FacesUnavailable, model_file
from album.priority import FACE_PASS_NICENESS

_engine: FaceEngine | None = None  # in the child: loaded by the first request


def _child_start() -> None:
    # Ctrl-C in a terminal reaches the whole process group: the app decides what stops (it cancels
    # the pass and ends this child), so the child must not die mid-photo and fail that photo.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        os.nice(FACE_PASS_NICENESS)  # the whole child yields to indexing and the window


def _child_engine(settings: FaceSettings) -> FaceEngine:
    global _engine
    if _engine is None:
        _engine = FaceEngine(settings)
    return _engine


def _child_pid(settings: FaceSettings) -> int:
    _child_engine(settings)
    return os.getpid()


def _child_find(settings: FaceSettings, image: Image.Image) -> list[DetectedFace]:
    return _child_engine(settings).find(image)


class FaceEngineProcess:
    """`FaceEngine`'s `find` answered by a child process; `find` is safe from one thread at a time."""

    def __init__(self, settings: FaceSettings = FaceSettings()):
        self.settings = settings
        # What is missing is said now, in the app's process, without loading any model.
        try:
            importlib.import_module("dlib")  # 20 ms; its models load in the child
        except ImportError as exc:
            raise FacesUnavailable(f"dlib is not installed ({exc}); people are off") from exc
        model_file(LANDMARKS_FILE), model_file(DESCRIPTOR_FILE)
        self._pool: ProcessPoolExecutor | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, settings: FaceSettings = FaceSettings()) -> "FaceEngineProcess":
        return cls(settings)

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs, else None."""
        return self._pid

    def find(self, image: Image.Image) -> list[DetectedFace]:
        """The faces in an upright RGB image, largest first (see `FaceEngine.find`). A crash of the
        child raises RuntimeError for this image; the next call starts a new child."""
        with self._lock:
            pool = self._started()
            try:
                return pool.submit(_child_find, self.settings, image).result()
            except BrokenProcessPool as exc:
                self._close()
                raise RuntimeError("the face detector stopped on this photo (its process ended)") from exc

    def close(self) -> None:
        """End the child (a later `find` starts another)."""
        with self._lock:
            self._close()

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_child_start)
            try:
                self._pid = pool.submit(_child_pid, self.settings).result()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            self._pool = pool
        return self._pool

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool, self._pid = None, None
