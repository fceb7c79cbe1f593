"""Perceptual hashes of the library's photos, computed on first need and kept in SQLite.

Keyed by content hash, like the thumbnails they are computed from: a renamed or copied photo
reuses its hash, and an edited one gets a new one. They are computed from the 320-px thumbnail
(always the same input for the same content, and ~20x cheaper to decode than the original);
a photo whose thumbnail is missing is decoded from its file instead.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable

from PIL import Image

from album.errors import AlbumError
from album.media.decode import decode_photo
from album.media.perceptual import from_signed, phash, to_signed
from album.media.thumbnails import make_thumbnail
from album.store.chunks import execute_in
from album.store.database import Database

log = logging.getLogger(__name__)

_WORKERS = 2  # JPEG decoding releases the GIL: two threads keep two cores busy


class PerceptualHashCache:
    """`get(...)` answers from the `perceptual_hashes` table, computing and storing what is missing."""

    def __init__(
        self,
        database: Database,
        thumbnail_path: Callable[[str], Path],
        *,
        workers: int = _WORKERS,
    ):
        self._db = database
        self._thumbnail_path = thumbnail_path
        self._workers = workers

    @staticmethod
    def put(db, content_hash: str, value: int) -> None:
        """Store one hash inside a caller's write transaction (e.g. the indexer's, at read time)."""
        db.execute(
            "INSERT OR REPLACE INTO perceptual_hashes (content_hash, phash) VALUES (?, ?)",
            (content_hash, to_signed(value)),
        )

    def stored(self, content_hashes: Iterable[str]) -> dict[str, int]:
        hashes = list(dict.fromkeys(content_hashes))
        rows = execute_in(self._db.query, "SELECT content_hash, phash FROM perceptual_hashes WHERE content_hash IN ({marks})",
                          hashes)
        return {row[0]: from_signed(row[1]) for row in rows}

    def get(self, paths_by_hash: dict[str, str]) -> dict[str, int]:
        """Hashes for these photos ({content_hash: a path of that content}), unsigned 64-bit.

        A photo that can be read neither from its thumbnail nor from its file is left out (and
        logged): it simply cannot be confirmed as a near duplicate.
        """
        known = self.stored(paths_by_hash)
        missing = [(h, p) for h, p in paths_by_hash.items() if h not in known]
        if not missing:
            return known
        with ThreadPoolExecutor(self._workers, thread_name_prefix="album-phash") as pool:
            computed = [(h, v) for h, v in zip((h for h, _ in missing), pool.map(self._compute, missing)) if v is not None]
        with self._db.write() as db:
            for content_hash, value in computed:
                self.put(db, content_hash, value)
        known.update(computed)
        return known

    def _compute(self, item: tuple[str, str]) -> int | None:
        content_hash, path = item
        thumbnail = self._thumbnail_path(content_hash)
        try:
            with Image.open(thumbnail) as image:
                return phash(image)
        except (OSError, ValueError) as exc:
            log.debug("no usable thumbnail for %s (%s): decoding the file", path, exc)
        try:
            photo = decode_photo(Path(path).read_bytes(), path)
            return phash(make_thumbnail(photo.image))
        except (OSError, AlbumError) as exc:
            log.warning("cannot compute a perceptual hash of %s: %s", path, exc)
            return None
