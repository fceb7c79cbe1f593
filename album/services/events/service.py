"""Events and trips: albums that organise themselves, and stay organised as photos arrive.

`organise()` groups every photo with a capture date (grouping.py), applies the user's
decisions, and brings the event albums up to date: an event that gained photos keeps its album
(and the user's name for it), new events get albums, events that are gone lose theirs. Only
what changed is written, and titles and covers are worked out only for events that changed,
so running it after every index run is cheap.

The user's decisions (rename, merge, split at a photo, hide) are stored with the content
hashes of the photos they were about, not photo ids or album ids: they survive re-indexing,
renamed files, and regrouping, and are applied again in the order they were made.
"""

from __future__ import annotations

import calendar
import json
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from album.errors import AlbumError
from album.services.albums import UnknownAlbum
from album.services.events.covers import choose_cover
from album.services.events.decisions import EventGroup, apply_decisions, assign_names, match_albums
from album.services.events.grouping import DAY, DEFAULT_RULES, GroupingRules, Home, Timeline, find_events, find_home
from album.services.events.titles import CityFinder, event_title, spot_for, standout_tag, trip_places
from album.services.places import Gazetteer
from album.services.indexing import PerceptualHashCache
from album.services.places import PhotoPlaces
from album.store.database import Database
from album.store.events import EventRepository, StoredEvent
from album.store.settings import SettingsRepository

log = logging.getLogger(__name__)

HOME_SETTING = "events_home"
FOUND_HOME_SETTING = "events_home_found"  # home as last worked out from the photos (JSON, null: no GPS)
SAMPLE = 60  # photos of an event weighed for its places, standout tag and cover
# Why a library has no events (EventsSummary.reason); the CLI and GUI put it in words.
NO_PHOTOS, NO_CAPTURE_DATES, NO_BUSY_DAYS = "no_photos", "no_capture_dates", "no_busy_days"


@dataclass
class EventsSummary:
    events: int = 0  # visible events after the run
    created: int = 0
    updated: int = 0
    removed: int = 0
    hidden: int = 0
    photos_in_events: int = 0
    dated: int = 0  # photos with an EXIF capture date: the ones grouped
    unsure: int = 0  # dated only by file time: left out
    undated: int = 0
    home: dict | None = None  # {"lat", "lon", "source"}
    reason: str | None = None  # why there are no events: NO_PHOTOS, NO_CAPTURE_DATES, NO_BUSY_DAYS
    seconds: float = 0.0

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Event:
    album_id: int
    name: str
    title: str
    away: bool  # a trip away from home
    starts_at: datetime
    ends_at: datetime
    places: tuple[str, ...]
    cover_photo_id: int | None
    photo_count: int

    def to_json(self) -> dict:
        return {"name": self.name, "title": self.title, "kind": "event", "trip": self.away,
                "starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat(),
                "places": list(self.places), "cover_photo_id": self.cover_photo_id, "photos": self.photo_count}


@dataclass(frozen=True)
class OnThisDay:
    year: int
    photo_ids: list[int]


@dataclass(frozen=True)
class TimelineSection:
    """A stretch of the library: one event, or the other photos of a month."""

    title: str
    event: Event | None
    photo_ids: list[int]
    starts_at: str


class EventService:
    def __init__(
        self,
        database: Database,
        places: PhotoPlaces,
        gazetteer: Gazetteer,
        settings: SettingsRepository,
        thumbnail_for_hash: Callable[[str], Path],
        model_id: Callable[[], str | None],
        rules: GroupingRules = DEFAULT_RULES,
        today: Callable[[], date] = date.today,
    ):
        self._db = database
        self._repo = EventRepository(database)
        self._places = places
        self._cities = CityFinder(gazetteer)
        self._settings = settings
        self._thumbnail_for_hash = thumbnail_for_hash
        self._phashes = PerceptualHashCache(database, thumbnail_for_hash)
        self._model_id = model_id
        self.rules = rules
        self._today = today  # the local date 'On this day' is about

    # --- home ---------------------------------------------------------------------------------

    def home(self) -> Home | None:
        """Where the user set home; None when album works it out from the photos."""
        stored = self._settings.get(HOME_SETTING)
        if not stored:
            return None
        data = json.loads(stored)
        return Home(float(data["lat"]), float(data["lon"]), "user")

    def set_home(self, lat: float | None, lon: float | None = None) -> None:
        """Set home (None: work it out from where most photos are taken); regroup on the next run."""
        self._settings.set(FOUND_HOME_SETTING, None)  # the next run regroups the whole library
        if lat is None or lon is None:
            self._settings.set(HOME_SETTING, None)
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise AlbumError(f"not a position on Earth: {lat}, {lon}")
        else:
            self._settings.set(HOME_SETTING, json.dumps({"lat": lat, "lon": lon}))

    # --- organising ---------------------------------------------------------------------------

    def organise(self, *, refresh: bool = False, changed: Sequence[int] | None = None) -> EventsSummary:
        """Group the library into events and bring the event albums up to date.

        changed: the photos an index run added or re-read (None: regroup the whole library).
        Only the stretches of time around them are regrouped, widened until no event crosses
        their edges, so a run that adds a few photos costs little however big the library.
        refresh: work out every event's title and cover again (e.g. after tags changed), not
        only those of events whose photos changed.
        """
        started = time.monotonic()
        windows = None if changed is None or refresh else self._windows(changed)
        if windows is None:
            photos = self._repo.dated_photos()
            summary = EventsSummary(dated=len(photos.ids), unsure=photos.unsure, undated=photos.undated)
            timeline = Timeline.build(photos.ids, photos.times, photos.lat, photos.lon)
            found = find_home(timeline, self.rules)
            self._settings.set(FOUND_HOME_SETTING, json.dumps(found.__dict__ if found else None))
            home = self.home() or found
            stored, members = self._repo.events(), self._repo.members()
        elif not windows:  # nothing dated changed and no event lost photos
            summary = EventsSummary(**self._repo.date_counts())
            summary.events, summary.photos_in_events = self._repo.totals()
            summary.seconds = round(time.monotonic() - started, 3)
            return summary
        else:
            photos = self._repo.dated_photos(windows)
            summary = EventsSummary(**self._repo.date_counts())
            timeline = Timeline.build(photos.ids, photos.times, photos.lat, photos.lon)
            home = self._found_home()
            stored = self._repo.events(windows)
            members = self._repo.members([e.album_id for e in stored])
        if home:
            summary.home = {"lat": round(home.lat, 5), "lon": round(home.lon, 5), "source": home.source}
        hashes = dict(zip(photos.ids.tolist(), photos.hashes))
        times = dict(zip(timeline.ids.tolist(), timeline.times.tolist()))
        groups = [EventGroup(timeline.ids[e.members].tolist(), e.away) for e in find_events(timeline, home, self.rules)]
        on_trips = {p for g in groups if g.away for p in g.photo_ids}
        groups = apply_decisions(groups, self._repo.decisions(), hashes, times)
        for group in groups:  # a merged or split event is a trip when most of its photos were
            group.away = 2 * sum(p in on_trips for p in group.photo_ids) >= len(group.photo_ids)
        visible = [g for g in groups if not g.hidden]
        summary.hidden = len(groups) - len(visible)
        self._write(visible, times, refresh, summary, {e.album_id: e for e in stored}, members)
        summary.events, summary.photos_in_events = self._repo.totals()
        if not summary.events:
            summary.reason = (NO_PHOTOS if not (summary.dated or summary.unsure or summary.undated)
                              else NO_CAPTURE_DATES if not summary.dated else NO_BUSY_DAYS)
        summary.seconds = round(time.monotonic() - started, 3)
        return summary

    def _found_home(self) -> Home | None:
        user = self.home()
        if user:
            return user
        found = json.loads(self._settings.get(FOUND_HOME_SETTING) or "null")
        return Home(**found) if found else None

    def _windows(self, changed: Sequence[int]) -> list[tuple[str, str]] | None:
        """Stretches of time (ISO bounds) to regroup after `changed` photos were indexed; None
        when the whole library should be regrouped."""
        if self._settings.get(FOUND_HOME_SETTING) is None:
            return None  # never grouped as a whole: home is not known yet
        margin = max(self.rules.trip_gap_s, (self.rules.chain_days + 1) * DAY) + DAY
        spans = [(t, t) for t in self._repo.capture_times(changed)]
        # Events that lost photos (deleted files), or hold a changed photo that may have moved in time.
        spans += [(_seconds(a), _seconds(b)) for a, b in self._repo.event_spans_to_redo(changed)]
        intervals = _merged([(a - margin, b + margin) for a, b in spans])
        while True:  # widen until no event crosses an edge
            widened = intervals + [
                (_seconds(a) - margin, _seconds(b) + margin)
                for a, b in self._repo.event_spans_overlapping([(_iso(x), _iso(y)) for x, y in intervals])
            ]
            widened = _merged(widened)
            if widened == intervals:
                return [(_iso(a), _iso(b)) for a, b in intervals]
            intervals = widened

    def _write(self, groups: list[EventGroup], times: dict[int, int], refresh: bool, summary: EventsSummary,
               stored: dict[int, StoredEvent], members: dict[int, set[int]]) -> None:
        match_albums(groups, members)
        changed = [g for g in groups if g.album_id is None or refresh or set(g.photo_ids) != members.get(g.album_id)
                   or g.away != stored[g.album_id].away]  # e.g. home moved: a day at home became a trip
        self._describe(changed, times)
        changed_ids = {id(g) for g in changed}
        for group in groups:
            if id(group) not in changed_ids:
                old = stored[group.album_id]
                group.title, group.places, group.cover = old.title, old.places, old.cover_photo_id
        gone = set(stored) - {g.album_id for g in groups}
        assign_names(groups, self._repo.album_names() - {e.name for e in stored.values()})
        renamed = {id(g) for g in groups if g.album_id in stored and stored[g.album_id].name != g.name}
        with self._db.write() as db:
            EventRepository.delete(db, gone)
            for group in groups:  # free every changing name first: two events may swap names
                if id(group) in renamed:
                    EventRepository.rename_album(db, group.album_id, f"\x00event {group.album_id}")
            for group in groups:
                if id(group) in changed_ids or id(group) in renamed:
                    record = StoredEvent(
                        group.album_id or 0, group.name, group.title, group.away,
                        _iso(times[group.photo_ids[0]]), _iso(times[group.photo_ids[-1]]), group.places,
                        group.cover, len(group.photo_ids),
                    )
                    existed = group.album_id is not None
                    group.album_id = self._repo.save(db, group.album_id, group.name, record, group.photo_ids,
                                                     members.get(group.album_id) if existed else None)
                    summary.updated += existed
                    summary.created += not existed
        summary.removed = len(gone)

    def _describe(self, groups: list[EventGroup], times: dict[int, int]) -> None:
        """Titles, places and covers for these groups, from up to SAMPLE photos of each, every
        fact loaded in one pass for all groups."""
        if not groups:
            return
        samples = {id(g): _evenly(g.photo_ids, SAMPLE) for g in groups}
        sampled = [p for g in groups for p in samples[id(g)]]
        on_trips = [p for g in groups if g.away for p in samples[id(g)]]
        at_home = [p for g in groups if not g.away for p in samples[id(g)]]
        if on_trips:
            self._places.fill_missing()
        positions = self._repo.positions(on_trips)
        known = self._places.of(list(positions))
        tags = self._repo.visible_tags(at_home)
        tag_shares = self._repo.tag_shares() if at_home else {}
        hashes = self._repo.content_hashes(sampled)
        stored = self._phashes.stored(hashes.values())
        phashes = {p: stored[h] for p, h in hashes.items() if h in stored}
        model_id = self._model_id()
        vectors = self._repo.vectors(model_id, sampled) if model_id else {}

        def thumbnail(photo_id: int) -> Path | None:
            return self._thumbnail_for_hash(hashes[photo_id]) if photo_id in hashes else None

        for group in groups:
            sample = samples[id(group)]
            start, end = _datetime(times[group.photo_ids[0]]), _datetime(times[group.photo_ids[-1]])
            tag = None
            if group.away:
                spots = [spot_for(self._cities.city_at(*positions[p]), known.get(p)) for p in sample if p in positions]
                group.places = tuple(trip_places(spots))
            else:
                group.places = ()
                tag = standout_tag([tags.get(p, []) for p in sample], tag_shares)
            group.title = event_title(start, end, group.places, tag)
            group.cover = choose_cover(sample, vectors, phashes, thumbnail)
        log.info("described %d events", len(groups))

    # --- reading ------------------------------------------------------------------------------

    def list(self) -> list[Event]:
        """The visible events, oldest first."""
        return [_event(e) for e in self._repo.events()]

    def get(self, name: str) -> Event:
        for event in self.list():
            if event.name == name:
                return event
        raise UnknownAlbum(f"there is no event called {name!r}")

    def cover_hashes(self, events: Sequence[Event]) -> dict[int, str]:
        """Content hash (the thumbnail's key) of each event's cover, by album id."""
        hashes = self._repo.content_hashes([e.cover_photo_id for e in events if e.cover_photo_id is not None])
        return {e.album_id: hashes[e.cover_photo_id] for e in events if e.cover_photo_id in hashes}

    def hidden(self) -> list[str]:
        """Titles of the events the user hid (to show them again with `unhide`)."""
        return [d.value or "" for d in self._repo.decisions() if d.action == "hide"]

    def photo_ids(self, name: str) -> list[int]:
        """An event's photos in the order they were taken."""
        return self._repo.photo_ids(self.get(name).album_id)

    def on_this_day(self, day: date | None = None) -> list[OnThisDay]:
        """Photos taken on this day's date in earlier years, most recent year first.

        29 February's photos come back on 28 February in the years without one.
        """
        day = day or self._today()
        month_days = [f"{day.month:02d}-{day.day:02d}"]
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            month_days.append("02-29")
        by_year: dict[int, list[int]] = {}
        for photo_id, taken_at in self._repo.taken_on_days(month_days, day.year):
            by_year.setdefault(int(taken_at[:4]), []).append(photo_id)
        return [OnThisDay(year, ids) for year, ids in by_year.items()]

    def timeline(self) -> list[TimelineSection]:
        """The library by event, newest first: each event, and between them each month's other photos."""
        events = self.list()
        in_event = self._repo.members()
        event_of = {p: e for e in events for p in in_event.get(e.album_id, ())}
        sections: dict[object, TimelineSection] = {}
        for photo_id, taken_at in self._repo.taken_all():
            event = event_of.get(photo_id)
            key = event.album_id if event else (taken_at[:7] if taken_at else "undated")
            if key not in sections:
                title = event.name if event else _month_title(taken_at)
                sections[key] = TimelineSection(title, event, [], event.starts_at.isoformat() if event else (taken_at or ""))
            sections[key].photo_ids.append(photo_id)
        return sorted(sections.values(), key=lambda s: s.starts_at, reverse=True)

    # --- the user's decisions -----------------------------------------------------------------

    def rename(self, name: str, new_name: str) -> EventsSummary:
        new_name = new_name.strip()
        if not new_name:
            raise AlbumError("an event needs a name")
        if new_name != name and new_name in self._repo.album_names():
            raise AlbumError(f"there is already an album called {new_name!r}")
        self._repo.add_decision("rename", self._hashes_of(name), value=new_name)
        return self.organise()

    def hide(self, name: str) -> EventsSummary:
        event = self.get(name)
        self._repo.add_decision("hide", self._hashes_of(name), value=event.title)
        return self.organise()

    def unhide(self, title: str) -> EventsSummary:
        decisions = [d for d in self._repo.decisions() if d.action == "hide" and d.value == title]
        if not decisions:
            raise AlbumError(f"no hidden event is called {title!r}")
        for decision in decisions:
            self._repo.remove_decision(decision.id)
        return self.organise()

    def merge(self, names: Sequence[str]) -> EventsSummary:
        if len(set(names)) < 2:
            raise AlbumError("name two or more events to merge")
        hashes = set().union(*(self._hashes_of(name) for name in names))
        self._repo.add_decision("merge", hashes)
        return self.organise()

    def split(self, name: str, photo_id: int) -> EventsSummary:
        """Split an event in two: the photos from `photo_id` on become an event of their own."""
        ids = self.photo_ids(name)
        if photo_id not in ids:
            raise AlbumError(f"that photo is not in the event {name!r}")
        if photo_id == ids[0]:
            raise AlbumError(f"that photo is the first of {name!r}: split at a later one")
        anchor = self._repo.content_hashes([photo_id]).get(photo_id)
        if anchor is None:
            raise AlbumError("that photo has no content hash yet: index it first")
        self._repo.add_decision("split", self._hashes_of(name), anchor=anchor)
        return self.organise()

    def _hashes_of(self, name: str) -> set[str]:
        return set(self._repo.content_hashes(self.photo_ids(name)).values())


def _event(stored: StoredEvent) -> Event:
    return Event(stored.album_id, stored.name, stored.title, stored.away, datetime.fromisoformat(stored.starts_at),
                 datetime.fromisoformat(stored.ends_at), stored.places, stored.cover_photo_id, stored.photo_count)


def _datetime(seconds: int) -> datetime:
    return datetime(1970, 1, 1) + timedelta(seconds=int(seconds))


def _seconds(iso: str) -> int:
    return int(np.datetime64(iso[:19], "s").astype(np.int64))


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _evenly(photo_ids: list[int], n: int) -> list[int]:
    if len(photo_ids) <= n:
        return list(photo_ids)
    return [photo_ids[int(i)] for i in np.linspace(0, len(photo_ids) - 1, n)]


def _iso(seconds: int) -> str:
    return _datetime(seconds).isoformat()


def _month_title(taken_at: str | None) -> str:
    if not taken_at:
        return "Undated"
    from album.services.albums import MONTHS

    return f"{MONTHS[int(taken_at[5:7]) - 1]} {taken_at[:4]}"
