"""Finding events in a timeline of photos: trips away from home, and busy days.

Pure functions over arrays (no database), so the rules can be tested and timed on their own.

1. Home is where photos are taken on the most distinct days (not the most photos: one trip
   with a thousand photos must not become home), unless the user set it.
2. A trip is a run of photos taken away from home (more than `away_km` from it) with no photo
   at home in between and no gap longer than `trip_gap_s`: the nights of a trip, and a day
   without photos, do not cut it. Photos without GPS taken during a trip belong to it.
3. Everything else is counted by day (a day ends at 5 am: a party's last photos at 1 am still
   belong to it). A day with many photos is busy (a party, a wedding, a day out); busy days at
   most `chain_days` apart chain into one event (a weekend, or a trip in a library without
   GPS), taking the quiet days between them along. Quiet days on their own, the everyday
   photos of a life, stay out of events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from album.services.places import distance_km

HOUR = 3600
DAY = 86_400


@dataclass(frozen=True)
class GroupingRules:
    away_km: float = 60.0  # further than this from home is away (a day trip to the next city counts)
    trip_gap_s: int = 48 * HOUR  # away photos this close, with no photo at home between, are one trip
    min_trip_photos: int = 5  # fewer away photos are an errand, not a trip
    busy_day_photos: int = 6  # a day (outside trips) with this many photos is busy: an event
    chain_days: int = 2  # busy days this close (the next day, or one quiet day between) are one event
    day_starts_hour: int = 5  # photos before 5 am belong to the evening before
    home_cell_deg: float = 0.25  # ~25 km squares for finding home


DEFAULT_RULES = GroupingRules()


@dataclass(frozen=True)
class Timeline:
    """Dated photos in capture order. `times` are seconds of local time (as the camera kept it);
    `lat`/`lon` are NaN where a photo has no GPS."""

    ids: np.ndarray  # int64
    times: np.ndarray  # int64
    lat: np.ndarray  # float64
    lon: np.ndarray  # float64

    @classmethod
    def build(cls, ids, times, lat, lon) -> "Timeline":
        ids, times = np.asarray(ids, np.int64), np.asarray(times, np.int64)
        lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
        order = np.lexsort((ids, times))
        return cls(ids[order], times[order], lat[order], lon[order])

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def has_gps(self) -> np.ndarray:
        return ~(np.isnan(self.lat) | np.isnan(self.lon))


@dataclass(frozen=True)
class Home:
    lat: float
    lon: float
    source: str  # 'user' or 'auto'


@dataclass(frozen=True)
class FoundEvent:
    """Positions (into the Timeline) of one event's photos, in capture order."""

    members: np.ndarray
    away: bool


def find_home(timeline: Timeline, rules: GroupingRules = DEFAULT_RULES) -> Home | None:
    """The ~25 km square where photos were taken on the most distinct days; None without GPS."""
    located = timeline.has_gps
    if not located.any():
        return None
    lat, lon = timeline.lat[located], timeline.lon[located]
    cells = np.stack([np.floor(lat / rules.home_cell_deg), np.floor(lon / rules.home_cell_deg)], 1).astype(np.int64)
    days = timeline.times[located] // DAY
    cell_days = np.unique(np.column_stack([cells, days]), axis=0)
    unique_cells, counts = np.unique(cell_days[:, :2], axis=0, return_counts=True)
    best = unique_cells[np.argmax(counts)]
    inside = (cells == best).all(axis=1)
    return Home(float(np.median(lat[inside])), float(np.median(lon[inside])), "auto")


def find_events(timeline: Timeline, home: Home | None, rules: GroupingRules = DEFAULT_RULES) -> list[FoundEvent]:
    """The events of a timeline, in capture order."""
    n = len(timeline)
    if n == 0:
        return []
    located = timeline.has_gps
    away = np.zeros(n, bool)
    at_home = np.zeros(n, bool)
    if home is not None and located.any():
        dist = np.full(n, np.nan)
        dist[located] = distance_km(timeline.lat[located], timeline.lon[located], home.lat, home.lon)
        away = located & (dist > rules.away_km)
        at_home = located & ~away
    trips = _trips(timeline.times, away, at_home, located, rules)
    taken = np.zeros(n, bool)
    for trip in trips:
        taken[trip.members] = True
    events = trips + _busy_runs(timeline.times, np.flatnonzero(~taken), rules)
    return sorted(events, key=lambda e: int(e.members[0]))


def _trips(times: np.ndarray, away: np.ndarray, at_home: np.ndarray, located: np.ndarray,
           rules: GroupingRules) -> list[FoundEvent]:
    away_at = np.flatnonzero(away)
    if away_at.size == 0:
        return []
    # Between two consecutive away photos: is the gap short, and was no photo taken at home?
    home_so_far = np.cumsum(at_home)
    gaps = np.diff(times[away_at])
    home_between = home_so_far[away_at[1:]] - home_so_far[away_at[:-1]] > 0
    cuts = np.flatnonzero((gaps > rules.trip_gap_s) | home_between) + 1
    trips = []
    for run in np.split(away_at, cuts):
        if run.size < rules.min_trip_photos:
            continue
        first, last = int(run[0]), int(run[-1])
        # Photos without GPS taken during the trip (another camera, a scan) belong to it.
        span = np.arange(first, last + 1)
        members = span[away[span] | ~located[span]]
        trips.append(FoundEvent(members, True))
    return trips


def _busy_runs(times: np.ndarray, positions: np.ndarray, rules: GroupingRules) -> list[FoundEvent]:
    """Events among photos outside trips: chains of busy days (see the module docstring)."""
    if positions.size == 0:
        return []
    days = (times[positions] - rules.day_starts_hour * HOUR) // DAY
    unique_days, starts, counts = np.unique(days, return_index=True, return_counts=True)
    busy = np.flatnonzero(counts >= rules.busy_day_photos)
    if busy.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(unique_days[busy]) > rules.chain_days) + 1
    events = []
    for chain in np.split(busy, cuts):
        first, last = chain[0], chain[-1]
        # From the first busy day's first photo to the last one's last: quiet days between come along.
        events.append(FoundEvent(positions[starts[first] : starts[last] + counts[last]], False))
    return events
