"""Whether pairs of the library's photos are one capture, measured on first need and kept in SQLite.

The duplicate finder asks this of the pairs its perceptual hashes call "the same photo, edited"
(album/media/capture_match.py says why the hashes alone are not enough, and how it is measured).
Keyed by the pair's content hashes, like the thumbnails it is measured on: a renamed or copied
photo reuses the result, an edited one is measured anew. Rows measured by an older method are
measured again. A photo whose thumbnail is missing is read from its file instead; a pair that
cannot be read at all is left out (and measured again next time).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Iterable

from album.errors import Cancelled
from album.media.capture_match import METHOD, CaptureMatch, match_captures
from album.progress import CancelToken
from album.services.indexing import thumbnail_image
from album.store.chunks import execute_in
from album.store.database import Database

log = logging.getLogger(__name__)

Pair = tuple[str, str]  # content hashes, the smaller first
_CHUNK = 64  # pairs measured between cancel checks, and stored in one transaction


def pair_of(hash_a: str, hash_b: str) -> Pair:
    return (hash_a, hash_b) if hash_a < hash_b else (hash_b, hash_a)


class CaptureCheckCache:
    """`get(...)` answers from the `capture_checks` table, measuring and storing what is missing.

    One pair at a time, on the caller's thread: a check (~12 ms, thumbnails read included) is
    many small numpy steps that hold the GIL, and two worker threads measured no faster.
    """

    def __init__(self, database: Database, thumbnail_path: Callable[[str], Path]):
        self._db = database
        self._thumbnail_path = thumbnail_path

    def get(self, pairs: Iterable[Pair], paths: dict[str, str],
            cancel: CancelToken | None = None) -> dict[Pair, CaptureMatch]:
        """Results for these pairs of content hashes (`paths`: a path of each content).

        Each pair is measured with its smaller hash as the picture the other is lined up on, so
        a result does not depend on the order a caller asks in.
        """
        wanted = list(dict.fromkeys(pair_of(*p) for p in pairs))
        found = self._stored(wanted)
        missing = [p for p in wanted if p not in found]
        for start in range(0, len(missing), _CHUNK):
            if cancel and cancel.cancelled:
                raise Cancelled("duplicate search cancelled")
            chunk = missing[start : start + _CHUNK]
            measured = {pair: m for pair, m in zip(chunk, (self._measure(p, paths) for p in chunk)) if m is not None}
            self._store(measured)
            found.update(measured)
        return found

    def _stored(self, pairs: list[Pair]) -> dict[Pair, CaptureMatch]:
        if not pairs:
            return {}
        wanted = set(pairs)
        firsts = sorted({a for a, _ in pairs})
        rows = execute_in(self._db.query, """SELECT hash_a, hash_b, aligned, agreement, patches FROM capture_checks
                                              WHERE method = ? AND hash_a IN ({marks})""", firsts, (METHOD,))
        return {
            (r[0], r[1]): CaptureMatch(bool(r[2]), float(r[3]), int(r[4]), float("nan"), float("nan"))
            for r in rows if (r[0], r[1]) in wanted
        }

    def _measure(self, pair: Pair, paths: dict[str, str]) -> CaptureMatch | None:
        images = [thumbnail_image(self._thumbnail_path(h), paths[h]) for h in pair]
        if any(image is None for image in images):
            log.debug("cannot compare %s with %s: a picture cannot be read", paths[pair[0]], paths[pair[1]])
            return None
        return match_captures(*images)

    def _store(self, measured: dict[Pair, CaptureMatch]) -> None:
        if not measured:
            return
        with self._db.write() as db:
            db.conn.executemany(
                """INSERT OR REPLACE INTO capture_checks (hash_a, hash_b, method, aligned, agreement, patches)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [(a, b, METHOD, int(m.aligned), m.agreement, m.patches) for (a, b), m in measured.items()],
            )
