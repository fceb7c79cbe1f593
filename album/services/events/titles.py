"""Titles a person would write for an event: "Tokyo and Kyoto, 1–7 Mar 2020", "24 Dec 2020",
"Party, 14 Sep 2019".

Places: reverse geocoding names the nearest town of 1,000 people, which inside a big city is a
ward or a suburb ('Shinjuku', 'Boulogne-Billancourt'). People name the city, so a photo is
given the most populous city whose reach (the gazetteer's radius, ~30 km for Tokyo) covers it,
and falls back to the reverse-geocoded town, region or country.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

import numpy as np

from album.services.places import Gazetteer, Place
from album.services.places import distance_km
from album.services.places import PhotoPlace

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# Photos taken before this hour belong to the evening before: a party that ends at 1 am is
# "24 Dec", not "24–25 Dec".
DAY_STARTS_AT_HOUR = 5
PLACE_SHARE = 0.15  # a place must hold this share of a trip's located photos to be named
PLACES_COVER = 0.6  # the named places together must hold this share, else name a wider area
MAX_PLACES = 3
TAG_SHARE = 0.5  # a tag on at least half an event's photos...
TAG_LIFT = 2.0  # ...and twice as common there as in the whole library stands out


def date_range(start: datetime, end: datetime) -> str:
    """'24 Dec 2020', '1–7 Mar 2020', '28 Feb – 3 Mar 2020', '28 Dec 2019 – 2 Jan 2020'."""
    first = start.date()
    last = max(first, (end - timedelta(hours=DAY_STARTS_AT_HOUR)).date())
    if first == last:
        return f"{first.day} {MONTHS[first.month - 1]} {first.year}"
    if first.year != last.year:
        return f"{first.day} {MONTHS[first.month - 1]} {first.year} – {last.day} {MONTHS[last.month - 1]} {last.year}"
    if first.month != last.month:
        return f"{first.day} {MONTHS[first.month - 1]} – {last.day} {MONTHS[last.month - 1]} {last.year}"
    return f"{first.day}–{last.day} {MONTHS[first.month - 1]} {first.year}"


def join_names(names: Sequence[str]) -> str:
    """'Tokyo', 'Tokyo and Kyoto', 'Rome, Florence and Venice'."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class NamedSpot:
    """What a trip title may call the place of one photo, from narrow to wide."""

    city: str | None
    region: str | None
    country: str | None


def trip_places(spots: Sequence[NamedSpot]) -> list[str]:
    """The places to name for a trip's located photos (in capture order): up to three cities
    that hold most photos, in the order visited; else regions; else countries."""
    located = [s for s in spots if s.city or s.region or s.country]
    if not located:
        return []
    for level in ("city", "region", "country"):
        names = [getattr(s, level) for s in located]
        counts = Counter(n for n in names if n)
        chosen = [n for n, c in counts.items() if c >= PLACE_SHARE * len(located)]
        if 1 <= len(chosen) <= MAX_PLACES and sum(counts[n] for n in chosen) >= PLACES_COVER * len(located):
            first_seen = {n: names.index(n) for n in chosen}
            return sorted(chosen, key=first_seen.__getitem__)
    counts = Counter(s.country for s in located if s.country)
    return [n for n, _ in counts.most_common(MAX_PLACES)]


def standout_tag(event_tags: Sequence[Sequence[str]], library_share: dict[str, float]) -> str | None:
    """The tag that stands out in an event (on most of its photos, and much more common there
    than in the library as a whole), or None. `event_tags` holds each photo's visible tags."""
    if not event_tags:
        return None
    counts = Counter(tag for tags in event_tags for tag in set(tags))
    best, best_share = None, 0.0
    for tag, count in counts.items():
        share = count / len(event_tags)
        if share >= TAG_SHARE and share >= TAG_LIFT * library_share.get(tag, 0.0) and share > best_share:
            best, best_share = tag, share
    return best


def event_title(start: datetime, end: datetime, places: Sequence[str], tag: str | None) -> str:
    dates = date_range(start, end)
    if places:
        return f"{join_names(places)}, {dates}"
    if tag:
        return f"{tag[:1].upper()}{tag[1:]}, {dates}"
    return dates


class CityFinder:
    """The city people would name for a GPS position: the most populous gazetteer city whose
    radius covers it. Cities sit in a grid of 1° cells, so a look-up weighs only the few around;
    answers are remembered per ~1 km square, since a trip's photos gather in a few places."""

    def __init__(self, gazetteer: Gazetteer):
        self._gazetteer = gazetteer
        self._grid: dict[tuple[int, int], tuple[list[Place], np.ndarray]] | None = None
        self._known: dict[tuple[float, float], Place | None] = {}
        self._neighbourhoods: dict[tuple[int, int], tuple[list[Place], np.ndarray]] = {}
        self._lock = threading.Lock()

    def city_at(self, lat: float, lon: float) -> Place | None:
        key = (round(lat, 2), round(lon, 2))
        if key not in self._known:
            self._known[key] = self._look_up(lat, lon)
        return self._known[key]

    def _look_up(self, lat: float, lon: float) -> Place | None:
        places, table = self._around(math.floor(lat), math.floor(lon))
        if not places:
            return None
        distance = distance_km(table[:, 0], table[:, 1], lat, lon)
        covering = np.flatnonzero(distance <= table[:, 2])
        if covering.size == 0:
            return None
        return places[int(covering[np.argmax(table[covering, 3])])]

    def _around(self, cell_lat: int, cell_lon: int) -> tuple[list[Place], np.ndarray]:
        """The cities in a cell and its eight neighbours (lat, lon, radius_km, population), kept."""
        key = (cell_lat, cell_lon)
        if key not in self._neighbourhoods:
            grid = self._cells()
            places: list[Place] = []
            tables = [np.empty((0, 4))]
            for dlat in (-1, 0, 1):
                for dlon in (-1, 0, 1):
                    found = grid.get((cell_lat + dlat, (cell_lon + dlon + 180) % 360 - 180))
                    if found:
                        places += found[0]
                        tables.append(found[1])
            self._neighbourhoods[key] = (places, np.concatenate(tables))
        return self._neighbourhoods[key]

    def _cells(self) -> dict[tuple[int, int], tuple[list[Place], np.ndarray]]:
        with self._lock:
            if self._grid is None:
                cells: dict[tuple[int, int], list[Place]] = {}
                for city in self._gazetteer.cities():
                    cells.setdefault((math.floor(city.lat), math.floor(city.lon)), []).append(city)
                self._grid = {
                    key: (cities, np.array([[c.lat, c.lon, c.radius_km, c.population] for c in cities], np.float64))
                    for key, cities in cells.items()
                }
            return self._grid


def spot_for(city: Place | None, place: PhotoPlace | None) -> NamedSpot:
    """A photo's names: the covering city (else the reverse-geocoded town), its region, country."""
    region = (place.region if place else None) or (city.region if city else None)
    country = (place.country if place else None) or (city.country if city else None)
    return NamedSpot(city.name if city else (place.city if place else None), region, country)
