"""The `events` and `event_decisions` tables, and the photo facts event grouping reads.

An event is an album of kind 'event' (so listing, showing, exporting and the search's album
filter treat it like any album) plus an `events` row with its dates, places and cover.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Sequence

import numpy as np

from album.store.database import Database


# Capture times taken from a file's modification time: often when it was copied, so not trusted
# to make events. Every other source (EXIF, XMP, IPTC, maker notes) is the camera's word.
UNSURE_SOURCES = ("file", None)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class DatedPhotos:
    """Every photo that can be placed in time, as arrays; and how many could not."""

    ids: np.ndarray
    times: np.ndarray  # seconds of local capture time
    lat: np.ndarray
    lon: np.ndarray
    hashes: list[str | None]
    unsure: int  # dated only by file time: not trusted to make events
    undated: int


@dataclass(frozen=True)
class StoredEvent:
    album_id: int
    name: str  # the album's name: the title, or the user's name for it
    title: str  # the title album gave it
    away: bool
    starts_at: str
    ends_at: str
    places: tuple[str, ...]
    cover_photo_id: int | None
    photo_count: int


@dataclass(frozen=True)
class Decision:
    id: int
    action: str  # 'rename', 'hide', 'merge' or 'split'
    hashes: frozenset[str]
    anchor: str | None
    value: str | None


class EventRepository:
    def __init__(self, database: Database):
        self._db = database

    # --- what grouping reads ----------------------------------------------------------------

    def dated_photos(self, windows: Sequence[tuple[str, str]] | None = None) -> DatedPhotos:
        """Photos with a capture time: all of them, or those taken inside the windows (ISO bounds)."""
        where, params = "", []
        if windows:
            where = " AND (" + " OR ".join("taken_at BETWEEN ? AND ?" for _ in windows) + ")"
            params = [bound for window in windows for bound in window]
        rows = self._db.query(
            f"""SELECT id, taken_at, taken_at_source, gps_lat, gps_lon, content_hash FROM photos
                WHERE status = 'ok'{where}""",
            tuple(params),
        )
        exif = [r for r in rows if r[1] and r[2] not in UNSURE_SOURCES]
        unsure = sum(1 for r in rows if r[1] and r[2] in UNSURE_SOURCES)
        times = np.array([r[1][:19] for r in exif], dtype="datetime64[s]").astype(np.int64)
        return DatedPhotos(
            np.array([r[0] for r in exif], np.int64), times,
            np.array([np.nan if r[3] is None else r[3] for r in exif], np.float64),
            np.array([np.nan if r[4] is None else r[4] for r in exif], np.float64),
            [r[5] for r in exif], unsure, len(rows) - len(exif) - unsure,
        )

    def date_counts(self) -> dict[str, int]:
        """How many photos have an EXIF capture time, only a file time, or no date."""
        row = self._db.query(
            """SELECT sum(taken_at IS NOT NULL AND coalesce(taken_at_source, 'file') != 'file'),
                      sum(taken_at IS NOT NULL AND coalesce(taken_at_source, 'file') = 'file'),
                      sum(taken_at IS NULL) FROM photos WHERE status = 'ok'"""
        )[0]
        return {"dated": row[0] or 0, "unsure": row[1] or 0, "undated": row[2] or 0}

    def capture_times(self, photo_ids: Sequence[int]) -> list[int]:
        """The EXIF capture times (seconds) of these photos."""
        found = []
        for chunk in _chunks(photo_ids):
            found += [r[0] for r in self._db.query(
                f"""SELECT taken_at FROM photos WHERE coalesce(taken_at_source, 'file') != 'file' AND taken_at IS NOT NULL
                    AND id IN ({','.join('?' * len(chunk))})""",
                tuple(chunk),
            )]
        if not found:
            return []
        return np.array([t[:19] for t in found], dtype="datetime64[s]").astype(np.int64).tolist()

    def visible_tags(self, photo_ids: Sequence[int]) -> dict[int, list[str]]:
        tags: dict[int, list[str]] = {}
        for chunk in _chunks(photo_ids):
            rows = self._db.query(
                f"SELECT photo_id, tag FROM tags WHERE hidden = 0 AND photo_id IN ({','.join('?' * len(chunk))})",
                tuple(chunk),
            )
            for photo_id, tag in rows:
                tags.setdefault(photo_id, []).append(tag)
        return tags

    def tag_shares(self) -> dict[str, float]:
        """Each visible tag's share of the library's photos."""
        total = self._db.query("SELECT count(*) FROM photos WHERE status = 'ok'")[0][0] or 1
        rows = self._db.query("SELECT tag, count(*) FROM tags WHERE hidden = 0 GROUP BY tag")
        return {tag: n / total for tag, n in rows}

    def positions(self, photo_ids: Sequence[int]) -> dict[int, tuple[float, float]]:
        """(lat, lon) of the photos that have GPS."""
        found = []
        for chunk in _chunks(photo_ids):
            found += self._db.query(
                f"""SELECT id, gps_lat, gps_lon FROM photos WHERE gps_lat IS NOT NULL AND gps_lon IS NOT NULL
                    AND id IN ({','.join('?' * len(chunk))})""",
                tuple(chunk),
            )
        return {r[0]: (r[1], r[2]) for r in found}

    def photo_ids(self, album_id: int) -> list[int]:
        """An event's photos in the order they were taken."""
        rows = self._db.query(
            """SELECT ap.photo_id FROM album_photos ap JOIN photos p ON p.id = ap.photo_id
               WHERE ap.album_id = ? ORDER BY p.taken_at, p.id""",
            (album_id,),
        )
        return [r[0] for r in rows]

    def taken_all(self) -> list[tuple[int, str | None]]:
        """(id, taken_at) of every photo, newest first."""
        rows = self._db.query(
            "SELECT id, taken_at FROM photos WHERE status = 'ok' ORDER BY coalesce(taken_at, '') DESC, id DESC"
        )
        return [(r[0], r[1]) for r in rows]

    def vectors(self, model_id: str, photo_ids: Sequence[int]) -> dict[int, np.ndarray]:
        found = {}
        for chunk in _chunks(photo_ids):
            rows = self._db.query(
                f"SELECT photo_id, vector FROM embeddings WHERE model_id = ? AND photo_id IN ({','.join('?' * len(chunk))})",
                (model_id, *chunk),
            )
            found.update((r[0], np.frombuffer(r[1], np.float32)) for r in rows)
        return found

    def content_hashes(self, photo_ids: Sequence[int]) -> dict[int, str]:
        found = {}
        for chunk in _chunks(photo_ids):
            rows = self._db.query(
                f"SELECT id, content_hash FROM photos WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk)
            )
            found.update((r[0], r[1]) for r in rows if r[1])
        return found

    # --- events -----------------------------------------------------------------------------

    def events(self, windows: Sequence[tuple[str, str]] | None = None) -> list[StoredEvent]:
        """Every event, or those overlapping the windows (ISO bounds), oldest first."""
        where, params = "", []
        if windows:
            where = "WHERE " + " OR ".join("(e.starts_at <= ? AND e.ends_at >= ?)" for _ in windows)
            params = [bound for a, b in windows for bound in (b, a)]
        rows = self._db.query(
            f"""SELECT e.album_id, a.name, e.title, e.away, e.starts_at, e.ends_at, e.places,
                       e.cover_photo_id, e.photo_count
                FROM events e JOIN albums a ON a.id = e.album_id {where} ORDER BY e.starts_at, e.album_id""",
            tuple(params),
        )
        return [
            StoredEvent(r[0], r[1], r[2], bool(r[3]), r[4], r[5], tuple(json.loads(r[6] or "[]")), r[7], r[8])
            for r in rows
        ]

    def members(self, album_ids: Sequence[int] | None = None) -> dict[int, set[int]]:
        """Each event album's photo ids (of all events, or of these)."""
        members: dict[int, set[int]] = {}
        if album_ids is None:
            rows = self._db.query(
                "SELECT ap.album_id, ap.photo_id FROM album_photos ap JOIN events e ON e.album_id = ap.album_id"
            )
        else:
            rows = []
            for chunk in _chunks(album_ids):
                rows += self._db.query(
                    f"SELECT album_id, photo_id FROM album_photos WHERE album_id IN ({','.join('?' * len(chunk))})",
                    tuple(chunk),
                )
        for album_id, photo_id in rows:
            members.setdefault(album_id, set()).add(photo_id)
        return members

    def totals(self) -> tuple[int, int]:
        """(events, photos in them)."""
        row = self._db.query("SELECT count(*), coalesce(sum(photo_count), 0) FROM events")[0]
        return row[0], row[1]

    def event_spans_to_redo(self, changed: Sequence[int]) -> list[tuple[str, str]]:
        """(starts_at, ends_at) of events that lost photos since they were written, or hold
        one of the `changed` photos."""
        rows = self._db.query(
            """SELECT starts_at, ends_at FROM events e
               WHERE photo_count != (SELECT count(*) FROM album_photos ap WHERE ap.album_id = e.album_id)"""
        )
        for chunk in _chunks(changed):
            rows += self._db.query(
                f"""SELECT e.starts_at, e.ends_at FROM events e JOIN album_photos ap ON ap.album_id = e.album_id
                    WHERE ap.photo_id IN ({','.join('?' * len(chunk))})""",
                tuple(chunk),
            )
        return [(r[0], r[1]) for r in rows]

    def event_spans_overlapping(self, windows: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(e.starts_at, e.ends_at) for e in self.events(windows)] if windows else []

    def album_names(self) -> set[str]:
        return {r[0] for r in self._db.query("SELECT name FROM albums")}

    def save(self, db, album_id: int | None, name: str, event: StoredEvent, photo_ids: Iterable[int],
             old_members: set[int] | None = None) -> int:
        """Create (album_id None) or update an event album; call inside `Database.write()`."""
        now = _now()
        if album_id is None:
            album_id = db.execute(
                "INSERT INTO albums (name, kind, query, created_at) VALUES (?, 'event', NULL, ?)", (name, now)
            ).lastrowid
        else:
            db.execute("UPDATE albums SET name = ? WHERE id = ?", (name, album_id))
        db.execute(
            """INSERT OR REPLACE INTO events (album_id, away, starts_at, ends_at, title, places, cover_photo_id,
                                              photo_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (album_id, int(event.away), event.starts_at, event.ends_at, event.title, json.dumps(list(event.places)),
             event.cover_photo_id, event.photo_count),
        )
        new = set(photo_ids)
        old = old_members or set()
        db.conn.executemany("DELETE FROM album_photos WHERE album_id = ? AND photo_id = ?",
                            [(album_id, p) for p in old - new])
        db.conn.executemany("INSERT OR IGNORE INTO album_photos (album_id, photo_id, added_at) VALUES (?, ?, ?)",
                            [(album_id, p, now) for p in new - old])
        return album_id

    @staticmethod
    def delete(db, album_ids: Iterable[int]) -> None:
        db.conn.executemany("DELETE FROM albums WHERE id = ? AND kind = 'event'", [(a,) for a in album_ids])

    @staticmethod
    def rename_album(db, album_id: int, name: str) -> None:
        db.execute("UPDATE albums SET name = ? WHERE id = ?", (name, album_id))

    # --- the user's decisions ---------------------------------------------------------------

    def decisions(self) -> list[Decision]:
        rows = self._db.query("SELECT id, action, hashes, anchor, value FROM event_decisions ORDER BY id")
        return [Decision(r[0], r[1], frozenset(json.loads(r[2])), r[3], r[4]) for r in rows]

    def add_decision(self, action: str, hashes: Iterable[str], anchor: str | None = None,
                     value: str | None = None) -> int:
        with self._db.write() as db:
            return db.execute(
                "INSERT INTO event_decisions (action, hashes, anchor, value, decided_at) VALUES (?, ?, ?, ?, ?)",
                (action, json.dumps(sorted(set(hashes))), anchor, value, _now()),
            ).lastrowid

    def remove_decision(self, decision_id: int) -> None:
        with self._db.write() as db:
            db.execute("DELETE FROM event_decisions WHERE id = ?", (decision_id,))

    # --- on this day --------------------------------------------------------------------------

    def taken_on_days(self, month_days: Sequence[str], before_year: int) -> list[tuple[int, str]]:
        """(id, taken_at) of photos taken on these months and days ('03-14') in earlier years, newest first."""
        rows = self._db.query(
            f"""SELECT id, taken_at FROM photos WHERE status = 'ok' AND coalesce(taken_at_source, 'file') != 'file'
                AND substr(taken_at, 6, 5) IN ({','.join('?' * len(month_days))})
                AND CAST(substr(taken_at, 1, 4) AS INTEGER) < ?
                ORDER BY taken_at DESC, id""",
            (*month_days, before_year),
        )
        return [(r[0], r[1]) for r in rows]


def _chunks(ids: Sequence[int], size: int = 500):
    ids = [int(i) for i in ids]
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
