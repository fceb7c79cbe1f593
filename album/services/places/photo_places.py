"""Where photos were taken: offline reverse geocoding into `photo_places`, and place names → photos.

Reverse: `reverse_geocoder` (GeoNames towns of 1,000+ people in a KD-tree, offline) names the
nearest town, its first-level region ('Tuscany') and the country code of each photo with GPS.
Forward: a `Gazetteer` (gazetteer.py) reads what the user typed into candidate `Place`s;
`PhotoPlaces` matches them against the photos: cities by name or by distance from the city's
centre, regions and countries by name within the right country.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from album.services.places.gazetteer import COMMON_WORDS, Gazetteer, Place, normalise_name, place_rank
from album.services.places.geo import distance_km
from album.store.chunks import execute_in
from album.store.database import Database

__all__ = ["Gazetteer", "PhotoPlace", "PhotoPlaces", "Place", "PlaceMatch", "normalise_name", "reverse_geocode"]

log = logging.getLogger(__name__)

_FILL_BATCH = 10_000


@dataclass(frozen=True)
class PhotoPlace:
    """What reverse geocoding says about one photo (one `photo_places` row)."""

    city: str | None
    region: str | None
    country: str | None
    country_code: str | None

    def describe(self) -> str:
        return ", ".join(part for part in (self.city, self.region, self.country) if part)


def reverse_geocode(coordinates: Sequence[tuple[float, float]]) -> list[tuple[str, str, str]]:
    """(town, first-level region, country code) nearest to each (lat, lon)."""
    if not coordinates:
        return []
    import reverse_geocoder

    # mode=1: a single-process KD-tree (mode 2 starts a multiprocessing pool per query).
    # verbose=False: otherwise the package prints 'Loading formatted geocoded file...' to stdout
    # when it loads; asking it not to is cleaner than swapping sys.stdout under other threads.
    geocoder = reverse_geocoder.RGeocoder(mode=1, verbose=False)
    rows = geocoder.query([(float(lat), float(lon)) for lat, lon in coordinates])
    return [(row["name"], row["admin1"], row["cc"]) for row in rows]


@dataclass(frozen=True)
class PlaceMatch:
    """The place a phrase was taken to mean, the photos taken there, and the other readings."""

    place: Place | None  # None: no place of that name has photos (see `candidates`)
    photo_ids: np.ndarray
    candidates: tuple[Place, ...]  # every reading of the phrase, most likely first


class PhotoPlaces:
    """The `photo_places` table: filled lazily from GPS, matched against named places."""

    def __init__(
        self,
        database: Database,
        gazetteer: Gazetteer,
        geocode: Callable[[Sequence[tuple[float, float]]], list[tuple[str, str, str]]] = reverse_geocode,
    ):
        self._db = database
        self._gazetteer = gazetteer
        self._geocode = geocode
        self._fill_lock = threading.Lock()
        self._known_lock = threading.Lock()
        self._known: tuple[tuple, dict[str, list[Place]]] = ((), {})  # (table state, places by name)

    def fill_missing(self) -> int:
        """Reverse-geocode the photos with GPS that have no place yet; returns how many."""
        filled = 0
        with self._fill_lock:
            while True:
                rows = self._db.query(
                    """SELECT p.id, p.gps_lat, p.gps_lon FROM photos p
                       WHERE p.status = 'ok' AND p.gps_lat IS NOT NULL AND p.gps_lon IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM photo_places pp WHERE pp.photo_id = p.id)
                       LIMIT ?""",
                    (_FILL_BATCH,),
                )
                if not rows:
                    return filled
                named = self._geocode([(r["gps_lat"], r["gps_lon"]) for r in rows])
                values = [
                    (r["id"], town or None, region or None, self._gazetteer.country_name(code), code or None)
                    for r, (town, region, code) in zip(rows, named)
                ]
                with self._db.write() as db:
                    db.conn.executemany(
                        """INSERT OR REPLACE INTO photo_places (photo_id, city, region, country, country_code)
                           VALUES (?, ?, ?, ?, ?)""",
                        values,
                    )
                filled += len(values)
                log.info("reverse-geocoded %d photos", len(values))

    def of(self, photo_ids: Sequence[int]) -> dict[int, PhotoPlace]:
        ids = [int(i) for i in photo_ids]
        if not ids:
            return {}
        rows = execute_in(self._db.query, "SELECT photo_id, city, region, country, country_code FROM photo_places "
                          "WHERE photo_id IN ({marks})", ids)
        return {r[0]: PhotoPlace(r[1], r[2], r[3], r[4]) for r in rows}

    def count_without_location(self) -> int:
        return self._db.query(
            "SELECT count(*) FROM photos WHERE status = 'ok' AND (gps_lat IS NULL OR gps_lon IS NULL)"
        )[0][0]

    def lookup(self, phrase: str, *, strict: bool = False) -> list[Place]:
        """Places called `phrase` (see `Gazetteer.lookup`), then places only this library knows:
        a town too small for the gazetteer, a region under an older name."""
        places = self._gazetteer.lookup(phrase, strict=strict)
        if strict and normalise_name(phrase) in COMMON_WORDS:
            return places
        return places + [p for p in self._library_places(phrase) if p not in places]

    def match(self, candidates: Sequence[Place]) -> PlaceMatch:
        """The first reading of a place name, in `candidates` order, that has photos.

        'Paris' means Paris, France (the most populous) unless the library has photos in Paris,
        Texas and none in Paris, France: a user who typed 'Paris' over a library without any
        French photos meant the place they have been to.
        """
        self.fill_missing()
        for place in candidates:
            ids = self.photos_in(place)
            if ids.size:
                return PlaceMatch(place, ids, tuple(candidates))
        return PlaceMatch(None, np.empty(0, np.int64), tuple(candidates))

    def photos_in(self, place: Place) -> np.ndarray:
        if place.kind == "country":
            rows = self._db.query("SELECT photo_id FROM photo_places WHERE country_code = ?", (place.country_code,))
            return _ids(rows)
        column = "city" if place.kind == "city" else "region"
        named = [
            r[0] for r in self._db.query(
                f"SELECT DISTINCT {column} FROM photo_places WHERE country_code = ? AND {column} IS NOT NULL",
                (place.country_code,),
            )
            if normalise_name(r[0]) in place.names
        ]
        ids = set()
        if named:
            rows = execute_in(self._db.query, f"SELECT photo_id FROM photo_places WHERE country_code = ? AND {column} IN "
                              "({marks})", named, (place.country_code,))
            ids.update(r[0] for r in rows)
        if place.kind == "city" and place.lat is not None:
            ids.update(self._within(place.lat, place.lon, place.radius_km))
        return np.array(sorted(ids), dtype=np.int64)

    def _within(self, lat: float, lon: float, radius_km: float) -> list[int]:
        # A bounding box in SQL, then the great-circle distance on what it lets through.
        dlat = radius_km / 111.0
        dlon = radius_km / (111.0 * max(math.cos(math.radians(lat)), 0.01))
        rows = self._db.query(
            """SELECT id, gps_lat, gps_lon FROM photos WHERE status = 'ok'
               AND gps_lat BETWEEN ? AND ? AND gps_lon BETWEEN ? AND ?""",
            (lat - dlat, lat + dlat, lon - dlon, lon + dlon),
        )
        return [r[0] for r in rows if distance_km(lat, lon, r[1], r[2]) <= radius_km]

    def _library_places(self, phrase: str) -> list[Place]:
        return self._known_places().get(normalise_name(phrase), [])

    def _known_places(self) -> dict[str, list[Place]]:
        """The library's own place names, re-read only when photo_places has changed."""
        state = tuple(self._db.query("SELECT count(*), max(photo_id) FROM photo_places")[0])
        with self._known_lock:
            if self._known[0] == state:
                return self._known[1]
            known: dict[str, list[Place]] = {}
            rows = self._db.query("SELECT DISTINCT city, region, country, country_code FROM photo_places")
            for city, region, country, code in rows:
                for kind, name in (("city", city), ("region", region), ("country", country)):
                    key = normalise_name(name or "")
                    if len(key) < 3:
                        continue
                    place = Place(kind, name, code or "", country or "", frozenset({key}), region=region)
                    entries = known.setdefault(key, [])
                    if place not in entries:
                        entries.append(place)
            known = {key: sorted(places, key=place_rank) for key, places in known.items()}
            self._known = (state, known)
            return known




def _ids(rows) -> np.ndarray:
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
