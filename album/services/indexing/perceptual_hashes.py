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
from album.media.perceptual import from_signed, phash, to_signed, zoom_hashes
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
    def put(db, content_hash: str, value: int, zoom: tuple[int, int] | None = None) -> None:
        """Store one hash (and its zoom hashes) inside a caller's write transaction (e.g. the
        indexer's, at read time)."""
        inner, core = (to_signed(z) for z in zoom) if zoom else (None, None)
        db.execute(
            "INSERT OR REPLACE INTO perceptual_hashes (content_hash, phash, phash_inner, phash_core) VALUES (?, ?, ?, ?)",
            (content_hash, to_signed(value), inner, core),
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
        computed = self._compute_all(missing)
        known.update((h, v[0]) for h, v in computed.items())
        return known

    def with_zoom(self, paths_by_hash: dict[str, str]) -> dict[str, tuple[int, int, int]]:
        """(phash, *zoom_hashes) for these photos, for crop_distance; computed where missing
        (rows from before the zoom hashes existed), left out where the photo cannot be read."""
        hashes = list(dict.fromkeys(paths_by_hash))
        found: dict[str, tuple[int, int, int]] = {}
        stored_only: dict[str, int] = {}  # a phash without zoom hashes: keep it, add the zooms
        rows = execute_in(self._db.query, """SELECT content_hash, phash, phash_inner, phash_core FROM perceptual_hashes
                                              WHERE content_hash IN ({marks})""", hashes)
        for r in rows:
            if r[2] is None or r[3] is None:
                stored_only[r[0]] = from_signed(r[1])
            else:
                found[r[0]] = (from_signed(r[1]), from_signed(r[2]), from_signed(r[3]))
        missing = [(h, paths_by_hash[h]) for h in hashes if h not in found]
        if missing:
            computed = self._compute_all(missing, stored_only)
            found.update(computed)
        return found

    def _compute_all(
        self, missing: list[tuple[str, str]], stored: dict[str, int] | None = None
    ) -> dict[str, tuple[int, int, int]]:
        """Compute and store the hashes of these photos; a phash already `stored` is kept."""
        stored = stored or {}
        with ThreadPoolExecutor(self._workers, thread_name_prefix="album-phash") as pool:
            computed = {h: v for h, v in zip((h for h, _ in missing), pool.map(self._compute, missing)) if v is not None}
        with self._db.write() as db:
            for content_hash, (value, *zoom) in list(computed.items()):
                value = stored.get(content_hash, value)
                self.put(db, content_hash, value, tuple(zoom))
                computed[content_hash] = (value, *zoom)
        return computed

    def _compute(self, item: tuple[str, str]) -> tuple[int, int, int] | None:
        content_hash, path = item
        image = thumbnail_image(self._thumbnail_path(content_hash), path)
        if image is None:
            log.warning("cannot compute a perceptual hash of %s: neither its thumbnail nor the file can be read", path)
            return None
        return _all_hashes(image)


def thumbnail_image(thumbnail: Path, path: str) -> Image.Image | None:
    """A photo's cached thumbnail, or one made from its file when the thumbnail cannot be read;
    None when neither can."""
    try:
        with Image.open(thumbnail) as image:
            image.load()
            return image
    except (OSError, ValueError) as exc:
        log.debug("no usable thumbnail for %s (%s): decoding the file", path, exc)
    try:
        return make_thumbnail(decode_photo(Path(path).read_bytes(), path).image)
    except (OSError, AlbumError) as exc:
        log.debug("cannot read %s: %s", path, exc)
        return None


def _all_hashes(image: Image.Image) -> tuple[int, int, int]:
    grey = image.convert("L")
    return (phash(grey), *zoom_hashes(grey))
