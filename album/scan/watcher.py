"""Watching library folders and indexing what changes, a little after it stops changing.

Events from watchdog only mark paths as dirty. A worker thread waits until a path has been
quiet for `debounce` seconds and, for files, until its size and time have stayed the same for
`settle` seconds (a photo still being copied keeps growing), then hands the batch of paths to
`Library.index(paths=...)`, the same incremental code a full scan runs. At start it runs one
reconciling scan of every folder, so changes made while album was not running are caught too.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from album.errors import LibraryError
from album.media.formats import is_supported
from album.scan.walker import is_skipped_folder

log = logging.getLogger(__name__)

_MAX_HOLD = 10.0  # seconds a settled path may wait for files that are still being copied


class _DirtyPaths(FileSystemEventHandler):
    """Collects changed paths with the time of their latest event; called on watchdog's thread."""

    def __init__(self, accept: Callable[[Path, bool], bool]):
        self._accept = accept
        self._lock = threading.Lock()
        self._dirty: dict[Path, float] = {}
        self.wakeup = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write", "attrib"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's entries changed: the entries' own events say which
        paths = [event.src_path] + ([event.dest_path] if getattr(event, "dest_path", "") else [])
        for raw in paths:
            path = Path(raw.decode() if isinstance(raw, bytes) else raw)
            if self._accept(path, event.is_directory):
                self.mark(path)

    def mark(self, path: Path) -> None:
        with self._lock:
            self._dirty[path] = time.monotonic()
        self.wakeup.set()

    def quiet_since(self, seconds: float) -> list[Path]:
        """Paths with no event for `seconds`, removed from the dirty set."""
        now = time.monotonic()
        with self._lock:
            quiet = [p for p, t in self._dirty.items() if now - t >= seconds]
            for path in quiet:
                del self._dirty[path]
        return quiet

    def pending(self) -> int:
        with self._lock:
            return len(self._dirty)


class LibraryWatcher:
    """Keeps a library in step with its folders until `stop()`."""

    def __init__(
        self,
        library,
        *,
        debounce: float = 1.0,
        settle: float = 1.0,
        poll_interval: float = 2.0,
        on_indexed: Callable[[object], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        observer_factory: Callable[[], BaseObserver] = Observer,
        reconcile_at_start: bool = True,
    ):
        self._library = library
        self._debounce = debounce
        self._settle = settle
        self._poll_interval = poll_interval
        self._on_indexed = on_indexed
        self._on_error = on_error
        self._observer_factory = observer_factory
        self._reconcile = reconcile_at_start
        self._dirty = _DirtyPaths(self._is_interesting)
        self._native: BaseObserver | None = None
        self._polling: BaseObserver | None = None  # created for the first folder native watching refuses
        self.modes: dict[str, str] = {}  # folder → 'native' or 'polling'
        self._watched: set[Path] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # path -> (size, mtime_ns, first seen at that size): files waiting to stop growing
        self._settling: dict[Path, tuple[int, int, float]] = {}
        self._held: dict[Path, float] = {}  # ready paths waiting for the rest of their batch
        self.idle = threading.Event()  # set whenever nothing is waiting to be indexed

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """'native' or 'polling' when every folder is watched that way, 'mixed', or 'stopped'."""
        kinds = set(self.modes.values())
        return kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "stopped")

    def start(self) -> None:
        self._start_observers()
        self._thread = threading.Thread(target=self._run, name="album-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._dirty.wakeup.set()
        for observer in (self._native, self._polling):
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=60)
        self.modes = {}

    def sync_folders(self) -> None:
        """Start watching folders added to the library since `start()` (and index them)."""
        if self._native is None and self._polling is None:
            return  # not started
        for folder in self._library.list_folders():
            if folder.path not in self._watched:
                self._watch(folder.path)
                self._dirty.mark(folder.path)

    def _start_observers(self) -> None:
        try:
            self._native = self._observer_factory()
            self._native.start()
        except OSError as exc:
            log.warning("native file watching is unavailable (%s); polling every %.0fs", exc, self._poll_interval)
            self._native = None
        for folder in self._library.list_folders():
            self._watch(folder.path)

    def _watch(self, folder: Path) -> None:
        """Watch natively where the system lets us; poll only the folders it refuses.

        Typically the inotify watch limit (ENOSPC) on one big tree, or a network share: the
        other folders keep instant, cheap native events instead of all being polled.
        """
        if self._native is not None:
            try:
                self._native.schedule(self._dirty, str(folder), recursive=True)
                self.modes[str(folder)] = "native"
                self._watched.add(folder)
                return
            except OSError as exc:
                log.warning("cannot watch %s natively (%s); polling it every %.0fs", folder, exc, self._poll_interval)
        if self._polling is None:
            self._polling = PollingObserver(timeout=self._poll_interval)
            self._polling.start()
        self._polling.schedule(self._dirty, str(folder), recursive=True)
        self.modes[str(folder)] = "polling"
        self._watched.add(folder)

    # --- the worker ---------------------------------------------------------------------------

    def _run(self) -> None:
        if self._reconcile:
            # Files modified during the last moments may still be being written: they go
            # through the same settle check as files the watcher sees change.
            self._index(None, defer_younger_than=self._settle)
        while not self._stop.is_set():
            ready = self._ready_paths()
            if ready:
                # Folder scopes (a folder copied or moved in) may hold files still being written.
                self._index(ready, defer_younger_than=self._settle)
            self.idle_check()
            self._dirty.wakeup.wait(0.2)
            self._dirty.wakeup.clear()

    def idle_check(self) -> None:
        if self._dirty.pending() == 0 and not self._settling and not self._held:
            self.idle.set()
        else:
            self.idle.clear()

    def _ready_paths(self) -> list[Path]:
        """Paths to index now: quiet, settled, and released together as one batch.

        A move shows up as a deletion plus a new file (or folder) that appears elsewhere.
        Releasing everything in one batch, once nothing is still settling, lets one index run
        see both sides and keep the photo's vector instead of embedding the "new" file again.
        A long-running copy cannot hold the batch back for more than `_MAX_HOLD` seconds.
        """
        now = time.monotonic()
        for path in self._dirty.quiet_since(self._debounce):
            self._settling.setdefault(path, (-1, -1, now))
        for path, (size, mtime_ns, since) in list(self._settling.items()):
            try:
                st = path.stat()
                is_dir = path.is_dir()
            except OSError:
                st, is_dir = None, False  # deleted, or the source of a move
            if st is None or is_dir:
                self._held.setdefault(path, now)
                del self._settling[path]
            elif (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
                self._settling[path] = (st.st_size, st.st_mtime_ns, now)  # still being written
            elif now - since >= self._settle:
                self._held.setdefault(path, now)
                del self._settling[path]
        # Released when nothing is settling and no event is still being debounced: a folder
        # made and a photo moved into it are one burst of events, and the photo's old path must
        # be in the same index run as its new one, or the move reads as a delete plus a new photo.
        quiet = not self._settling and self._dirty.pending() == 0
        if self._held and (quiet or now - min(self._held.values()) > _MAX_HOLD):
            # The hold ran out while files still settle (new ones keep arriving): a file not
            # written to for `settle` seconds is not being copied (a renamed or moved photo
            # keeps its time), so it goes with this batch, beside the deleted side of its move.
            for path in list(self._settling):
                try:
                    written_long_ago = time.time() - path.stat().st_mtime >= self._settle
                except OSError:
                    continue
                if written_long_ago:
                    self._held.setdefault(path, now)
                    del self._settling[path]
            ready = list(self._held)
            self._held.clear()
            return ready
        return []

    def _index(self, paths: list[Path] | None, defer_younger_than: float | None = None) -> None:
        try:
            summary = self._library.index(paths, defer_younger_than=defer_younger_than)
        except LibraryError as exc:
            # Another process is indexing: try these paths again shortly.
            log.info("watcher deferred: %s", exc)
            for path in paths or [f.path for f in self._library.list_folders()]:
                self._dirty.mark(path)
            self._stop.wait(1.0)
            return
        except Exception as exc:  # noqa: BLE001 - the watcher must outlive one bad run
            log.exception("indexing changed files failed")
            if self._on_error:
                self._on_error(exc)
            return
        for path in summary.deferred:
            self._dirty.mark(Path(path))
        if self._on_indexed:
            self._on_indexed(summary)

    def _is_interesting(self, path: Path, is_dir: bool) -> bool:
        for skipped in (self._library.path, *self._library.excluded_folders()):
            if path == skipped or skipped in path.parents:
                return False
        folder = next((f for f in self._watched if f == path or f in path.parents), None)
        if folder is None:
            return False
        # Only the parts below the library folder count: the folder itself may live anywhere.
        if any(is_skipped_folder(part) for part in path.relative_to(folder).parts):
            return False
        return is_dir or is_supported(path)
