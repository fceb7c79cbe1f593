"""Loading the library's model and vector index once, whichever pool needs them first; and the
place-name index and the model's query dictionary in the background once no index run is going.

`Library.model` and `Library.vector_index()` load lazily and are not guarded against two
threads loading at once (the search pool and the indexing pool may both ask first). Every
background job that needs them calls `ensure()`, which loads them under one lock; after that
they are cached in the library and the lock is never contended again.
"""

from __future__ import annotations

import gc
import logging
import threading
from contextlib import contextmanager

from album.priority import INDEXING_NICENESS, lower_thread_priority

log = logging.getLogger(__name__)

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
        self._queries_warmed = False  # for the model loaded now (`invalidate` starts over)
        self._queries_lock = threading.Lock()  # not `_lock`, which a model load holds for seconds

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
                self._library.model  # loads it
                self._library.vector_index()
            self._ready.set()

    def warm_queries(self) -> None:
        """Read what a first query would otherwise wait for, on a background thread, once per model:
        the place-name index (~1 s to build; 'dog at the beach' asks whether 'the beach' is a place)
        and the model's dictionary (album-mini reads it on the first phrase query such as
        'fireworks': ~1 s). A query that needs them meanwhile waits on their own locks.

        The window calls this when an index run ends, or after the model loads if none is going.
        Run beside an index run, this pure-Python work made the run take twice as long on two
        cores (60 photos: 5.7 s against 3.0 s), and with the decoding threads it held the GUI
        thread off the GIL for 150-300 ms at a time (bench/gui_indexing.py).
        """
        with self._queries_lock:
            if self._queries_warmed:
                return
            self._queries_warmed = True
        threading.Thread(target=self._warm_query_paths, name="query-warmup", daemon=True).start()

    def _warm_query_paths(self) -> None:
        lower_thread_priority(INDEXING_NICENESS)  # background work: the window first
        try:
            self.ensure()
            model = self._library.model
            # Both read big JSON files gradually (album/jsonfiles.py): the GUI thread keeps the GIL.
            with _long_lived_objects():
                self._library.gazetteer.load()
                warm_up = getattr(model, "warm_up", None)
                if warm_up is not None:
                    warm_up()
        except Exception as error:  # e.g. the window closed the library meanwhile
            # Only a head start: a query that needs these reads them itself.
            log.info("query warm-up stopped: %s", error)

    def invalidate(self) -> None:
        """The library switched models: the next job loads the new one (under the lock)."""
        self._ready.clear()
        with self._queries_lock:
            self._queries_warmed = False
