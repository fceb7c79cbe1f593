"""Albums: manual ones (a set of photos) and smart ones (a saved query that stays up to date).

A smart album stores its query, not its photos: opening it runs the query again, so photos
indexed since appear in it without anyone updating it. Exporting copies (or links) files into
a folder (export.py); nothing is ever moved out of the user's folders.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from album.errors import AlbumError
from album.services.albums.export import ExportError, ExportSummary, export_files
from album.store.chunks import execute_in
from album.store.database import Database

__all__ = ["Album", "AlbumService", "ExportError", "ExportSummary", "SmartQuery", "UnknownAlbum"]


class UnknownAlbum(AlbumError):
    """No album has that name."""


@dataclass(frozen=True)
class SmartQuery:
    """What a smart album shows: every part is optional and all given parts must match."""

    text: str = ""
    tags: tuple[str, ...] = ()
    place: str | None = None  # a city, region or country name, as in search ("Tuscany")
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    people: tuple[int, ...] = ()  # person ids: all must be in the photo

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v not in ("", (), None)})

    @classmethod
    def from_json(cls, text: str) -> "SmartQuery":
        data = json.loads(text)
        data["tags"] = tuple(data.get("tags", ()))
        data["people"] = tuple(data.get("people", ()))
        return cls(**data)


@dataclass(frozen=True)
class Album:
    id: int
    name: str
    kind: str  # 'manual', 'smart' or 'event' (found by album: see services/events/service.py)
    query: SmartQuery | None = None


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


class AlbumService:
    def __init__(self, database: Database, run_query: Callable[[SmartQuery], list[int]], events=None):
        """`run_query` evaluates a smart query to photo ids (the search service does it);
        `events` (an EventService) takes the user's decisions about event albums."""
        self._db = database
        self._run_query = run_query
        self._events = events

    # --- albums ---------------------------------------------------------------------------------

    def list(self) -> list[Album]:
        rows = self._db.query("SELECT id, name, kind, query FROM albums ORDER BY name")
        return [self._album(row) for row in rows]

    def get(self, name: str) -> Album:
        rows = self._db.query("SELECT id, name, kind, query FROM albums WHERE name = ?", (name,))
        if not rows:
            raise UnknownAlbum(f"there is no album called {name!r}")
        return self._album(rows[0])

    @staticmethod
    def _album(row) -> Album:
        query = SmartQuery.from_json(row["query"]) if row["query"] else None
        return Album(row["id"], row["name"], row["kind"], query)

    def create(self, name: str, photo_ids: Iterable[int] = ()) -> Album:
        """A manual album, optionally with photos (e.g. the current selection)."""
        album_id = self._insert(name, "manual", None)
        self.add_photos(name, photo_ids)
        return Album(album_id, name, "manual")

    def create_smart(self, name: str, query: SmartQuery) -> Album:
        if query == SmartQuery():
            raise AlbumError("a smart album needs a query: some text, tags, a place, dates or a person")
        return Album(self._insert(name, "smart", query.to_json()), name, "smart", query)

    def _insert(self, name: str, kind: str, query: str | None) -> int:
        name = name.strip()
        if not name:
            raise AlbumError("an album needs a name")
        with self._db.write() as db:
            if db.execute("SELECT 1 FROM albums WHERE name = ?", (name,)).fetchone():
                raise AlbumError(f"there is already an album called {name!r}")
            return db.execute(
                "INSERT INTO albums (name, kind, query, created_at) VALUES (?, ?, ?, ?)",
                (name, kind, query, _now()),
            ).lastrowid

    def delete(self, name: str) -> None:
        """Forget the album; its photos stay in the library and on disk.

        An event album is hidden instead: deleted, the next regrouping would bring it back."""
        album = self.get(name)
        if album.kind == "event" and self._events is not None:
            self._events.hide(name)
            return
        with self._db.write() as db:
            db.execute("DELETE FROM albums WHERE id = ?", (album.id,))

    def rename(self, name: str, new_name: str) -> None:
        """Rename an album; an event's new name is kept as a decision that survives regrouping."""
        album = self.get(name)
        if album.kind == "event" and self._events is not None:
            self._events.rename(name, new_name)
            return
        new_name = new_name.strip()
        if not new_name:
            raise AlbumError("an album needs a name")
        with self._db.write() as db:
            if new_name != name and db.execute("SELECT 1 FROM albums WHERE name = ?", (new_name,)).fetchone():
                raise AlbumError(f"there is already an album called {new_name!r}")
            db.execute("UPDATE albums SET name = ? WHERE id = ?", (new_name, album.id))

    def add_photos(self, name: str, photo_ids: Iterable[int]) -> None:
        album = self._manual(name)
        with self._db.write() as db:
            db.conn.executemany(
                "INSERT OR IGNORE INTO album_photos (album_id, photo_id, added_at) VALUES (?, ?, ?)",
                [(album.id, photo_id, _now()) for photo_id in photo_ids],
            )

    def remove_photos(self, name: str, photo_ids: Iterable[int]) -> None:
        album = self._manual(name)
        with self._db.write() as db:
            db.conn.executemany(
                "DELETE FROM album_photos WHERE album_id = ? AND photo_id = ?",
                [(album.id, photo_id) for photo_id in photo_ids],
            )

    def _manual(self, name: str) -> Album:
        album = self.get(name)
        if album.kind == "event":
            raise AlbumError(f"{name!r} is an event album found by album: merge or split it instead of "
                             "changing its photos, or make a manual album from its photos")
        if album.kind != "manual":
            raise AlbumError(f"{name!r} is a smart album: change its query instead of its photos")
        return album

    def photo_ids(self, name: str) -> list[int]:
        """The album's photos now: a manual album's in the order added, a smart album's query run,
        an event's in the order taken."""
        album = self.get(name)
        if album.kind == "smart":
            return self._run_query(album.query)
        if album.kind == "event":  # in the order they were taken
            rows = self._db.query(
                """SELECT ap.photo_id FROM album_photos ap JOIN photos p ON p.id = ap.photo_id
                   WHERE ap.album_id = ? ORDER BY p.taken_at, p.id""",
                (album.id,),
            )
            return [row[0] for row in rows]
        rows = self._db.query(
            "SELECT photo_id FROM album_photos WHERE album_id = ? ORDER BY added_at, photo_id", (album.id,)
        )
        return [row[0] for row in rows]

    # --- export ---------------------------------------------------------------------------------

    def export(self, name: str, destination: Path, *, link: bool = False) -> ExportSummary:
        """Copy (or symlink) the album's files into `destination`; re-running adds only what is new."""
        ids = self.photo_ids(name)
        paths = _paths(self._db, ids)
        return export_files([Path(paths[photo_id]) for photo_id in ids], destination, link=link)

    # --- auto-organise --------------------------------------------------------------------------

    def organise_by_tags(self, min_photos: int = 3) -> list[Album]:
        """One smart album per tag that at least `min_photos` photos carry."""
        rows = self._db.query(
            "SELECT tag, count(*) AS n FROM tags WHERE hidden = 0 GROUP BY tag HAVING n >= ? ORDER BY tag",
            (min_photos,),
        )
        return self._create_missing([(row["tag"].capitalize(), SmartQuery(tags=(row["tag"],))) for row in rows])

    def organise_by_place_and_month(self, min_photos: int = 3) -> list[Album]:
        """Smart albums such as "Tuscany, October 2008" for places and months with enough photos."""
        rows = self._db.query(
            """SELECT coalesce(pl.region, pl.city, pl.country) AS place, substr(p.taken_at, 1, 7) AS month
               FROM photos p JOIN photo_places pl ON pl.photo_id = p.id
               WHERE p.status = 'ok' AND p.taken_at IS NOT NULL"""
        )
        counts = Counter((row["place"], row["month"]) for row in rows if row["place"] and row["month"])
        wanted = []
        for (place, month), n in sorted(counts.items(), key=lambda item: (item[0][1], item[0][0])):
            if n < min_photos:
                continue
            year, number = int(month[:4]), int(month[5:7])
            first = date(year, number, 1)
            last = date(year + number // 12, number % 12 + 1, 1).toordinal() - 1
            query = SmartQuery(place=place, date_from=first.isoformat(), date_to=date.fromordinal(last).isoformat())
            wanted.append((f"{place}, {MONTHS[number - 1]} {year}", query))
        return self._create_missing(wanted)

    def sync_person_albums(self, named: dict[int, str]) -> None:
        """One smart album per named person ({person id: name}), named after them; albums of
        persons no longer named (or merged away) go. The album holds a query by person id, so
        it stays current as faces are found, and a rename renames it."""
        current = {album.query.people[0]: album for album in self.list()
                   if album.kind == "smart" and album.query and len(album.query.people) == 1
                   and album.query == SmartQuery(people=album.query.people)}
        taken = {album.name.lower() for album in self.list()}
        with self._db.write() as db:
            for person_id, album in current.items():
                if person_id not in named:
                    db.execute("DELETE FROM albums WHERE id = ?", (album.id,))
                    taken.discard(album.name.lower())
            for person_id, name in sorted(named.items()):
                album = current.get(person_id)
                if album is not None and album.name == name:
                    continue
                wanted = name if name.lower() not in taken or (album and album.name.lower() == name.lower()) \
                    else f"{name} (person {person_id})"
                if album is not None:
                    taken.discard(album.name.lower())
                    db.execute("UPDATE albums SET name = ? WHERE id = ?", (wanted, album.id))
                else:
                    db.execute("INSERT INTO albums (name, kind, query, created_at) VALUES (?, 'smart', ?, ?)",
                               (wanted, SmartQuery(people=(person_id,)).to_json(), _now()))
                taken.add(wanted.lower())

    def _create_missing(self, wanted: list[tuple[str, SmartQuery]]) -> list[Album]:
        existing = {album.name for album in self.list()}
        return [self.create_smart(name, query) for name, query in wanted if name not in existing]


def _paths(database: Database, ids: list[int]) -> dict[int, str]:
    return {row["id"]: row["path"] for row in execute_in(database.query, "SELECT id, path FROM photos WHERE id IN ({marks})", ids)}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
