"""All of the GUI's thread plumbing: background work on purpose-built pools, results back on the GUI thread.

The rule the rest of `album/ui` follows: a widget never does slow work (disk, SQLite, the model)
on the GUI thread. It calls `tasks.run_task(POOL, func, on_done=..., on_error=...)`; `func` runs
on that pool's threads and returns typed data (ids, dataclasses, QImages), never UI strings;
`on_done` / `on_error` run later on the GUI thread, where widgets may be touched.

Pools are separate by purpose (after MusicBrainz Picard), so a long job of one kind never
queues another kind behind it:
- `INDEXING` (1 thread): index runs; one at a time, as the core's index lock wants anyway;
- `SEARCH` (1 thread): searches and library listings; a newer one supersedes an older one;
- `THUMBNAILS` (2 threads): decoding thumbnails and full-size photos for the viewer;
- `MODEL` (1 thread): loading and switching models, label previews, re-tagging;
- `FILES` (1 thread): moving files (trash, undo, export), never queued behind an index run;
- `NETWORK`: quick network checks (is the model hub there?), never queued behind a model load.
  Each runs on its own daemon thread that nothing waits for: closing the app must not wait
  for a hub that does not answer, and a check has nothing to save.

`SynchronousTasks` has the same interface and runs everything at once on the calling thread,
for tests that want determinism rather than threads.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from album.progress import CancelToken

log = logging.getLogger(__name__)

INDEXING = "indexing"
SEARCH = "search"
THUMBNAILS = "thumbnails"
MODEL = "model"
FILES = "files"
NETWORK = "network"
POOL_SIZES = {INDEXING: 1, SEARCH: 1, THUMBNAILS: 2, MODEL: 1, FILES: 1}
DETACHED = {NETWORK}  # run on daemon threads, outside the pools shutdown waits for

Callback = Callable[[Any], None]


class Task:
    """A handle on submitted work: `discard()` drops its result (e.g. a search that was overtaken)."""

    def __init__(self, name: str):
        self.name = name
        self.discarded = False
        self.finished = threading.Event()

    def discard(self) -> None:
        self.discarded = True


def _raise(error: BaseException) -> None:
    # No on_error given: re-raise on the GUI thread, where the application's excepthook (and
    # pytest-qt's exception capture in tests) reports it instead of it vanishing in a worker.
    raise error


class _Runnable(QRunnable):
    def __init__(self, func: Callable[[], Any], task: Task, post: Callable, on_done, on_error):
        super().__init__()
        self.setAutoDelete(True)
        self._func, self._task, self._post = func, task, post
        self._on_done, self._on_error = on_done, on_error

    def run(self) -> None:  # on a pool thread
        try:
            if self._task.discarded:
                return
            result = self._func()
        except BaseException as error:  # noqa: BLE001 - handed to on_error on the GUI thread
            log.debug("task %s failed", self._task.name, exc_info=True)
            self._post(self._task, self._on_error, error)
        else:
            self._post(self._task, self._on_done, result)
        finally:
            self._task.finished.set()


class TaskPools(QObject):
    """Thread pools by purpose; create it on the GUI thread (it delivers results there)."""

    _deliver = Signal(object)

    def __init__(self, sizes: dict[str, int] = POOL_SIZES, parent: QObject | None = None):
        super().__init__(parent)
        self._pools: dict[str, QThreadPool] = {}
        for name, size in sizes.items():
            pool = QThreadPool(self)
            pool.setMaxThreadCount(size)
            pool.setObjectName(f"album-{name}")
            self._pools[name] = pool
        # Emitted from worker threads; the receiver lives on the GUI thread, so Qt queues it.
        self._deliver.connect(self._on_deliver)
        self._closed = False

    def run_task(
        self,
        pool: str,
        func: Callable[[], Any],
        on_done: Callback | None = None,
        on_error: Callback | None = None,
        *,
        name: str = "",
    ) -> Task:
        task = Task(name or getattr(func, "__name__", "task"))
        runnable = _Runnable(func, task, self._post, on_done, on_error or _raise)
        if pool in DETACHED:
            threading.Thread(target=runnable.run, name=f"album-{pool}", daemon=True).start()
        else:
            self._pools[pool].start(runnable)
        return task

    def call_in_gui(self, callback: Callable[..., None], *args) -> None:
        """Run `callback(*args)` soon on the GUI thread; callable from any thread (e.g. progress)."""
        if not self._closed:
            self._deliver.emit((None, lambda _: callback(*args), None))

    def _post(self, task: Task, callback: Callback | None, value: Any) -> None:
        if callback is not None and not self._closed:
            self._deliver.emit((task, callback, value))

    @Slot(object)
    def _on_deliver(self, payload) -> None:
        task, callback, value = payload
        if task is not None and task.discarded:
            return
        callback(value)

    def active(self, pool: str) -> int:
        return self._pools[pool].activeThreadCount()

    def wait(self, pool: str | None = None, timeout_ms: int = 30_000) -> bool:
        """Block until the pool(s) are idle (tests, shutdown); results are still delivered later."""
        pools = [self._pools[pool]] if pool else list(self._pools.values())
        return all(p.waitForDone(timeout_ms) for p in pools)

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Drop queued work, wait for running work, and deliver nothing more."""
        for pool in self._pools.values():
            pool.clear()
        self.wait(timeout_ms=timeout_ms)
        self._closed = True


class SynchronousTasks:
    """Same interface as TaskPools; everything runs immediately on the calling thread (tests)."""

    def run_task(self, pool, func, on_done=None, on_error=None, *, name: str = "") -> Task:
        task = Task(name or getattr(func, "__name__", "task"))
        try:
            result = func()
        except Exception as error:  # noqa: BLE001
            (on_error or _raise)(error)
        else:
            if on_done is not None:
                on_done(result)
        task.finished.set()
        return task

    def call_in_gui(self, callback, *args) -> None:
        callback(*args)

    def active(self, pool: str) -> int:
        return 0

    def wait(self, pool=None, timeout_ms: int = 0) -> bool:
        return True

    def shutdown(self, timeout_ms: int = 0) -> None:
        pass


class PausableToken(CancelToken):
    """A CancelToken that can also pause the work that checks it.

    The core checks `cancelled` between items, so waiting inside that check while paused holds
    the worker exactly where it would have noticed a cancel: nothing half-done, and the work
    carries on from there on `resume()`. (The core's CancelToken has no pause; see the report.)
    """

    def __init__(self) -> None:
        super().__init__()
        self._running = threading.Event()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def cancel(self) -> None:
        super().cancel()
        self._running.set()  # a paused run must wake up to notice it was cancelled

    @property
    def cancel_requested(self) -> bool:
        """Whether cancel() was called, without waiting (for the GUI thread)."""
        return CancelToken.cancelled.fget(self)

    @property
    def cancelled(self) -> bool:
        self._running.wait()
        return self.cancel_requested
