"""`IndexingController`: runs index runs on the indexing pool and keeps the folders watched.

The GUI's side of indexing: progress arrives as the core's typed `Progress` and is posted to
the GUI thread; pause/resume/cancel go through a `PausableToken`; `photosChanged` fires now and
then while photos are being added, so the grid can show them before the run ends. After the
first run the `LibraryWatcher` takes over (it indexes changed files by itself, on its thread).
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QTimer, Signal

from album.errors import LibraryError
from album.priority import INDEXING_NICENESS, lower_thread_priority
from album.ui.common.tasks import INDEXING, PausableToken

log = logging.getLogger(__name__)

IDLE, RUNNING, PAUSED, CANCELLING = "idle", "indexing", "paused", "cancelling"
RETRY_MS = 1500  # the watcher (or another album) holds the index lock: try again this soon


class IndexingController(QObject):
    progressed = Signal(object)  # album.progress.Progress
    runFinished = Signal(object)  # album.services.indexing.IndexSummary
    runFailed = Signal(object)  # the exception
    stateChanged = Signal(str)  # IDLE, RUNNING, PAUSED, CANCELLING
    photosChanged = Signal()  # the set of indexed photos changed: views may reload
    watchingChanged = Signal(str)  # the watcher's mode: 'native', 'polling', 'mixed' or 'stopped'

    def __init__(self, context, *, watch: bool = True, refresh_seconds: float = 1.0, parent=None):
        super().__init__(parent)
        self._context = context
        self._library = context.library
        self._tasks = context.tasks
        self._watch = watch
        self._refresh_seconds = refresh_seconds
        self._token: PausableToken | None = None
        self._state = IDLE
        self._queued: list | None = None  # paths of a run asked for while one was going (None: none)
        self._last_refresh = 0.0
        self._watcher = None
        self.last_summary = None

    @property
    def state(self) -> str:
        return self._state

    @property
    def watch_mode(self) -> str:
        return self._watcher.mode if self._watcher is not None else "stopped"

    def folder_watch_mode(self, folder: str) -> str:
        """How one folder is watched: 'native', 'polling', or 'stopped' (not watched yet)."""
        return self._watcher.modes.get(folder, "stopped") if self._watcher is not None else "stopped"

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)

    # --- runs -----------------------------------------------------------------------------------

    def start(self, paths: list | None = None) -> None:
        """Index everything (or only `paths`); a request during a run is done right after it."""
        if self._state != IDLE:
            if self._queued is None or paths is None:
                self._queued = [] if paths is None else list(paths)
            else:
                self._queued.extend(paths)
            return
        token = self._token = PausableToken()
        library, warmup, post = self._library, self._context.warmup, self._tasks.call_in_gui

        def run():
            lower_thread_priority(INDEXING_NICENESS)  # the window first (album/priority.py)
            warmup.ensure()
            return library.index(paths, progress=lambda p: post(self._on_progress, p), cancel=token)

        self._set_state(RUNNING)
        self._tasks.run_task(INDEXING, run, self._on_done, self._on_error, name="index")

    def pause(self) -> None:
        if self._token is not None and self._state == RUNNING:
            self._token.pause()
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self._token is not None and self._state == PAUSED:
            self._token.resume()
            self._set_state(RUNNING)

    def cancel(self) -> None:
        if self._token is not None and self._state in (RUNNING, PAUSED):
            self._queued = None
            self._token.cancel()
            self._set_state(CANCELLING)

    def _on_progress(self, progress) -> None:
        if self._state == IDLE:
            return  # a late report from a finished run
        self.progressed.emit(progress)
        now = time.monotonic()
        if progress.phase == "indexing" and now - self._last_refresh >= self._refresh_seconds:
            self._last_refresh = now
            self.photosChanged.emit()

    def _on_done(self, summary) -> None:
        self.last_summary = summary
        self._token = None
        self._set_state(IDLE)
        self.runFinished.emit(summary)
        self.photosChanged.emit()
        if self._watch and self._watcher is None and not summary.cancelled:
            self.start_watching()
        self._next()
        self._warm_queries_when_idle()

    def _on_error(self, error: BaseException) -> None:
        self._token = None
        self._set_state(IDLE)
        if isinstance(error, LibraryError) and "indexing" in str(error):
            # The watcher is indexing what just changed (the core's lock says so): retry shortly.
            QTimer.singleShot(RETRY_MS, self.start)
            return
        log.error("indexing failed: %s", error)
        self.runFailed.emit(error)
        self._next()
        self._warm_queries_when_idle()

    def _warm_queries_when_idle(self) -> None:
        # What a first query needs is read once no run is going: beside a run it slowed the run
        # and stalled the window (LibraryWarmup.warm_queries).
        if self._state == IDLE:
            self._context.warmup.warm_queries()

    def _next(self) -> None:
        if self._queued is not None:
            paths, self._queued = self._queued, None
            self.start(paths or None)

    # --- watching -------------------------------------------------------------------------------

    def start_watching(self) -> None:
        """Start the LibraryWatcher (off the GUI thread: scheduling watches on a big tree takes time)."""
        from album.scan.watcher import LibraryWatcher

        post = self._tasks.call_in_gui
        watcher = self._watcher = LibraryWatcher(
            self._library,
            on_indexed=lambda summary: post(self._on_watcher_indexed, summary),
            reconcile_at_start=False,  # the run that just finished was the reconciling scan
        )
        self._tasks.run_task(INDEXING, watcher.start, lambda _: self.watchingChanged.emit(watcher.mode),
                             self.runFailed.emit, name="watch")

    def folders_changed(self) -> None:
        """Folders were added or removed: index them now, and watch the new ones."""
        self.start()
        if self._watcher is not None:
            watcher = self._watcher
            self._tasks.run_task(INDEXING, watcher.sync_folders, lambda _: self.watchingChanged.emit(watcher.mode),
                                 self.runFailed.emit, name="watch folders")

    def _on_watcher_indexed(self, summary) -> None:
        if summary.indexed or summary.removed or summary.moved:
            self.photosChanged.emit()

    def shutdown(self) -> None:
        """Cancel the run and stop watching (blocks briefly; called when the window closes)."""
        if self._token is not None:
            self._token.cancel()
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
