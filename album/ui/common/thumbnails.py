"""Thumbnails for the grid: decoded on the thumbnail pool, kept in an LRU cache of QPixmaps.

The view asks for a thumbnail each time it paints a cell. A cache hit is returned at once; a
miss queues the content hash and returns None (the cell paints a placeholder), and a worker
decodes a batch of queued thumbnails, newest requests first: while the user scrolls fast, the
cells on screen now matter more than the ones scrolled past, and requests beyond `MAX_WANTED`
are forgotten (a cell that comes back on screen asks again).

QImage may be built on any thread, QPixmap only on the GUI thread: workers return QImages and
the conversion happens here, on delivery.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage, QPixmap

from album.media.thumbnails import NotAContentHash
from album.ui.common.image_reading import read_scaled
from album.ui.common.tasks import THUMBNAILS

MAX_WANTED = 400  # queued requests kept; older ones are dropped
BATCH = 12  # thumbnails decoded per task: fewer round trips to the GUI thread
IN_FLIGHT = 2  # tasks at once: the thumbnail pool's thread count
_MISSING = object()  # no thumbnail file (yet), or an unreadable one: the cell shows a placeholder


class ThumbnailLoader(QObject):
    """Content hash → QPixmap, loaded lazily in the background; `loaded` lists hashes just cached."""

    loaded = Signal(list)

    def __init__(
        self,
        tasks,
        path_for: Callable[[str], Path],
        box: QSize,
        device_pixel_ratio: float = 1.0,
        capacity: int = 600,  # ~90 MB of 224-px pixmaps: ten screens of a full-HD grid
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._tasks = tasks
        self._path_for = path_for
        self._ratio = device_pixel_ratio
        self._box = QSize(round(box.width() * device_pixel_ratio), round(box.height() * device_pixel_ratio))
        self._capacity = capacity
        self._cache: OrderedDict[str, object] = OrderedDict()
        self._wanted: OrderedDict[str, None] = OrderedDict()
        self._in_flight = 0
        self._loading: set[str] = set()

    def pixmap(self, content_hash: str) -> QPixmap | None:
        """The cached thumbnail, or None: then it is queued and `loaded` will say when it is ready."""
        cached = self._cache.get(content_hash)
        if cached is not None:
            self._cache.move_to_end(content_hash)
            return None if cached is _MISSING else cached
        if content_hash not in self._loading:
            self._wanted[content_hash] = None
            self._wanted.move_to_end(content_hash)
            while len(self._wanted) > MAX_WANTED:
                self._wanted.popitem(last=False)
            self._pump()
        return None

    @property
    def busy(self) -> bool:
        """Thumbnails are queued or being decoded."""
        return bool(self._wanted) or self._in_flight > 0

    def is_missing(self, content_hash: str) -> bool:
        return self._cache.get(content_hash) is _MISSING

    def forget(self, content_hash: str | None = None) -> None:
        """Drop one cached thumbnail (or all): e.g. after it was written anew."""
        if content_hash is None:
            self._cache.clear()
        else:
            self._cache.pop(content_hash, None)

    def _pump(self) -> None:
        while self._in_flight < IN_FLIGHT and self._wanted:
            batch = []
            while self._wanted and len(batch) < BATCH:
                batch.append(self._wanted.popitem(last=True)[0])  # newest first
            self._loading.update(batch)
            self._in_flight += 1
            paths = [(h, self._safe_path(h)) for h in batch]
            box = self._box
            self._tasks.run_task(
                THUMBNAILS,
                lambda paths=paths: [(h, read_scaled(p, box) if p else None) for h, p in paths],
                self._on_decoded,
                self._on_failed,
                name="thumbnails",
            )

    def _safe_path(self, content_hash: str) -> Path | None:
        try:
            return self._path_for(content_hash)
        except NotAContentHash:
            return None

    def _on_decoded(self, results: list[tuple[str, QImage | None]]) -> None:
        self._in_flight -= 1
        ready = []
        for content_hash, image in results:
            self._loading.discard(content_hash)
            if image is None:
                self._cache[content_hash] = _MISSING
            else:
                pixmap = QPixmap.fromImage(image)
                pixmap.setDevicePixelRatio(self._ratio)
                self._cache[content_hash] = pixmap
            ready.append(content_hash)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        self._pump()
        self.loaded.emit(ready)

    def _on_failed(self, error: BaseException) -> None:
        # read_scaled returns None for unreadable files; anything raised is a bug worth seeing.
        self._in_flight -= 1
        self._pump()
        raise error
