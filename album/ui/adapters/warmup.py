"""Loading the library's model and vector index once, whichever pool needs them first (and the
place-name index and the model's query dictionary right after, in the background).

`Library.model` and `Library.vector_index()` load lazily and are not guarded against two
threads loading at once (the search pool and the indexing pool may both ask first). Every
background job that needs them calls `ensure()`, which loads them under one lock; after that
they are cached in the library and the lock is never contended again.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_collections_held = 0
_collections_lock = threading.Lock()


@contextmanager
def _long_lived_objects():
    """No garbage collections while this builds objects that live as long as the app; afterwards
    they are frozen out of every later collection.

    Loading a model or the place-name index creates a few hundred thousand long-lived objects, and
    every full collection on the way walks all of them, 0.1-0.5 s holding the GIL: the GUI thread
    freezes whichever thread collects (bench/gui.py). Counted, so that two loads that overlap (a
    model switch while the query warm-up runs) re-enable collections only when both are done.
    """
    global _collections_held
    with _collections_lock:
        _collections_held += 1
        gc.disable()
    try:
        yield
    finally:
        with _collections_lock:
            _collections_held -= 1
            gc.freeze()
            if _collections_held == 0:
                gc.enable()


class LibraryWarmup:
    def __init__(self, library):
        self._library = library
        self._lock = threading.Lock()
        self._ready = threading.Event()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def ensure(self) -> None:
        if self._ready.is_set():
            return
        with self._lock:
            if self._ready.is_set():
                return
            with _long_lived_objects():  # torch, open_clip, tokenizers
                model = self._library.model
                self._library.vector_index()
            self._ready.set()
        # The place-name index takes ~3 s to build; a query naming a place ('dog at the beach' asks
        # whether 'the beach' is one) would otherwise pay it. Built beside the first jobs, not
        # before them; a query that needs it meanwhile waits on the gazetteer's own lock.
        threading.Thread(target=self._warm_query_paths, args=(model,), name="query-warmup", daemon=True).start()

    def _warm_query_paths(self, model) -> None:
        # Both read big JSON files gradually (album/jsonfiles.py) so that the GUI thread keeps
        # turning while they load beside the first index run.
        with _long_lived_objects():
            self._library.gazetteer.load()
            # album-mini reads its dictionary on the first phrase query ('fireworks'): ~1 s otherwise.
            warm_up = getattr(model, "warm_up", None)
            if warm_up is not None:
                warm_up()

    def invalidate(self) -> None:
        """The library switched models: the next job loads the new one (under the lock)."""
        self._ready.clear()
