"""Events and trips: `python -m bench.events [--model album-mini] [--size 100000]`.

1. Quality, on a synthetic timeline of real photos: copies of Flickr8k `val` photos (from
   ../shared/data) carrying EXIF capture times and GPS positions written here. Home is Lyon;
   five trips of 3-7 days (Tokyo then Kyoto, Rome, New York, Barcelona, Edinburgh; 4-12 photos
   a day at any hour, a day without photos inside the longer trips, one photo in ten without
   GPS); three busy days at home; everyday photos 4-30 days apart. Indexed by a real Library,
   which organises events after the run. The same timeline is then indexed again with no GPS
   at all. Reported per library: for every true event, the best Jaccard of an event album with
   it (target >= 0.8 for all); trip titles naming the right cities; everyday photos that ended
   up in event albums (target <= 3).
2. Speed: 100k photos with synthetic times and places (ten years; trips, busy days, everyday
   photos) written straight into a library's database, grouped from scratch (target <= 10 s),
   then 1,000 more photos as one index run would add them, grouped again (target <= 1 s).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, TiffImagePlugin

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = REPO_ROOT.parent / "shared" / "data"

HOME = ("Lyon", 45.7640, 4.8357)
TRIPS = [  # (cities with their days, first day)
    ([("Tokyo", 35.6895, 139.6917, 3), ("Kyoto", 35.0116, 135.7681, 2)], datetime(2019, 4, 2)),
    ([("Rome", 41.8919, 12.5113, 4)], datetime(2019, 8, 10)),
    ([("New York", 40.7143, -74.0060, 6)], datetime(2020, 2, 14)),
    ([("Barcelona", 41.3888, 2.1590, 3)], datetime(2020, 9, 3)),
    ([("Edinburgh", 55.9521, -3.1965, 7)], datetime(2021, 6, 20)),
]
BUSY_DAYS = [datetime(2019, 6, 15), datetime(2020, 12, 24), datetime(2021, 3, 27)]


@dataclass
class Shot:
    when: datetime
    lat: float | None
    lon: float | None
    event: str | None  # the true event, None for everyday photos
    path: Path | None = None


@dataclass
class Timeline:
    shots: list[Shot] = field(default_factory=list)
    trip_cities: dict[str, list[str]] = field(default_factory=dict)


def make_timeline(rng: random.Random) -> Timeline:
    timeline = Timeline()
    busy_dates = set()
    for cities, first in TRIPS:
        name = " and ".join(c[0] for c in cities)
        timeline.trip_cities[name] = [c[0] for c in cities]
        day = first
        total_days = sum(c[3] for c in cities)
        quiet = rng.randrange(2, total_days - 1) if total_days >= 6 else None  # a day without photos
        index = 0
        for city, lat, lon, days in cities:
            for _ in range(days):
                busy_dates.add(day.date())
                if index != quiet:
                    for _ in range(rng.randint(4, 12)):
                        when = day + timedelta(hours=rng.uniform(7.5, 23.5))
                        located = rng.random() > 0.1
                        timeline.shots.append(Shot(
                            when, lat + rng.gauss(0, 0.03) if located else None,
                            lon + rng.gauss(0, 0.03) if located else None, name))
                day += timedelta(days=1)
                index += 1
    for n, day in enumerate(BUSY_DAYS):
        busy_dates.add(day.date())
        start = day + timedelta(hours=rng.uniform(12, 18))
        for _ in range(rng.randint(10, 20)):
            when = start + timedelta(hours=rng.uniform(0, 5))
            timeline.shots.append(Shot(when, HOME[1] + rng.gauss(0, 0.01), HOME[2] + rng.gauss(0, 0.01), f"home {n}"))
    day = datetime(2019, 1, 5)
    while day < datetime(2021, 12, 20):
        if all(abs((day.date() - busy).days) > 3 for busy in busy_dates):
            for _ in range(rng.choice((1, 1, 1, 2))):
                located = rng.random() > 0.3
                timeline.shots.append(Shot(
                    day + timedelta(hours=rng.uniform(8, 21)),
                    HOME[1] + rng.gauss(0, 0.05) if located else None,
                    HOME[2] + rng.gauss(0, 0.05) if located else None, None))
        day += timedelta(days=rng.randint(4, 30))
    timeline.shots.sort(key=lambda s: s.when)
    return timeline


def write_copy(source: Path, target: Path, when: datetime, lat: float | None, lon: float | None) -> None:
    with Image.open(source) as image:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
        if lat is not None and lon is not None:
            gps = exif.get_ifd(0x8825)

            def dms(value: float):
                value = abs(value)
                return tuple(TiffImagePlugin.IFDRational(x) for x in (int(value), int(value * 60) % 60,
                                                                        round((value * 3600) % 60, 3)))

            gps[1], gps[2], gps[3], gps[4] = ("N" if lat >= 0 else "S"), dms(lat), ("E" if lon >= 0 else "W"), dms(lon)
        target.parent.mkdir(parents=True, exist_ok=True)
        image.convert("RGB").save(target, "JPEG", quality=90, exif=exif)


def val_photos() -> list[Path]:
    with open(DATA / "flickr8k" / "captions.csv") as f:
        names = sorted({row["file"] for row in csv.DictReader(f) if row["split"] == "val"})
    return [DATA / "flickr8k" / name for name in names]


def quality(model, args) -> None:
    from album import Library

    rng = random.Random(args.seed)
    timeline = make_timeline(rng)
    photos = val_photos()
    if len(photos) < len(timeline.shots):
        raise SystemExit(f"need {len(timeline.shots)} photos, ../shared/data/flickr8k has {len(photos)} in val")
    rng.shuffle(photos)
    events = sorted({s.event for s in timeline.shots if s.event})
    print(f"timeline: {len(timeline.shots)} photos, {len(TRIPS)} trips, {len(BUSY_DAYS)} busy days, "
          f"{sum(s.event is None for s in timeline.shots)} everyday photos; model {model.model_id}")
    work = Path(tempfile.mkdtemp(prefix="album-bench-events-"))
    try:
        for with_gps in (True, False):
            folder = work / ("gps" if with_gps else "no-gps") / "Pictures"
            for i, (shot, source) in enumerate(zip(timeline.shots, photos)):
                shot.path = folder / f"{shot.when:%Y-%m}" / f"IMG_{i:04}.jpg"
                write_copy(source, shot.path, shot.when, shot.lat if with_gps else None, shot.lon if with_gps else None)
            with Library.open(folder.parent / "library", model=model) as library:
                library.add_folder(folder)
                started = time.monotonic()
                library.index()
                indexed = time.monotonic() - started
                started = time.monotonic()
                summary = library.events.organise(refresh=True)
                organised = time.monotonic() - started
                report(library, timeline, events, with_gps, indexed, organised, summary)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(library, timeline: Timeline, events: list[str], with_gps: bool, indexed: float, organised: float,
           summary) -> None:
    albums = {e.name: e for e in library.events.list()}
    members = {name: set(library.photos.paths(library.albums.photo_ids(name)).values()) for name in albums}
    print(f"\n[{'with GPS' if with_gps else 'no GPS at all'}] indexed in {indexed:.1f} s; "
          f"{summary.events} event albums, regrouped in {organised:.2f} s; home {summary.home}")
    worst = 1.0
    for event in events:
        truth = {str(s.path) for s in timeline.shots if s.event == event}
        best_name, best = None, 0.0
        for name, paths in members.items():
            jaccard = len(truth & paths) / len(truth | paths)
            if jaccard > best:
                best_name, best = name, jaccard
        worst = min(worst, best)
        cities = timeline.trip_cities.get(event)
        named = "" if not cities or not with_gps else (
            "  title names the cities" if best_name and all(c in best_name for c in cities) else "  TITLE MISSES THE CITY")
        print(f"  {event:<18} {len(truth):>3} photos  Jaccard {best:.2f}  -> {best_name!r}{named}")
    everyday = {str(s.path) for s in timeline.shots if s.event is None}
    leaked = len(everyday & set().union(*members.values())) if members else 0
    titles_ok = all(any(all(c in name for c in cities) for name in albums) for cities in timeline.trip_cities.values())
    print(f"  worst Jaccard {worst:.2f} (target >= 0.8: {'met' if worst >= 0.8 else 'MISSED'}); "
          f"everyday photos in event albums {leaked} of {len(everyday)} (target <= 3: {'met' if leaked <= 3 else 'MISSED'})"
          + (f"; trip titles name their cities: {'yes' if titles_ok else 'NO'}" if with_gps else ""))


# --- speed ------------------------------------------------------------------------------------


def synthetic_rows(n: int, rng: np.random.Generator, start: datetime) -> list[tuple]:
    """(taken_at, lat, lon) for n photos: everyday life at home, busy days, trips to cities."""
    cities = np.array([[35.69, 139.69], [41.89, 12.51], [40.71, -74.0], [41.39, 2.16], [55.95, -3.2],
                       [48.85, 2.35], [52.52, 13.40], [38.72, -9.14], [50.85, 4.35], [37.98, 23.73]])
    rows, t = [], start
    while len(rows) < n:
        kind = rng.random()
        if kind < 0.08:  # a trip of 3-7 days
            lat, lon = cities[rng.integers(len(cities))]
            for day in range(int(rng.integers(3, 8))):
                for _ in range(int(rng.integers(4, 40))):
                    when = t + timedelta(days=day, hours=float(rng.uniform(8, 23)))
                    rows.append((when, lat + rng.normal(0, 0.03), lon + rng.normal(0, 0.03)))
            t += timedelta(days=8)
        elif kind < 0.2:  # a busy day at home
            for _ in range(int(rng.integers(10, 60))):
                rows.append((t + timedelta(hours=float(rng.uniform(12, 20))), 45.76 + rng.normal(0, 0.01),
                             4.83 + rng.normal(0, 0.01)))
            t += timedelta(days=2)
        else:  # everyday photos
            for _ in range(int(rng.integers(1, 4))):
                located = rng.random() > 0.3
                rows.append((t + timedelta(hours=float(rng.uniform(8, 21))),
                             45.76 + rng.normal(0, 0.05) if located else None, 4.83 + rng.normal(0, 0.05) if located else None))
            t += timedelta(days=int(rng.integers(1, 6)))
    return rows[:n]


def insert_photos(library, rows: list[tuple], first_id: int) -> None:
    with library.database.write() as db:
        folder = db.execute("SELECT id FROM folders").fetchone()[0]
        db.conn.executemany(
            """INSERT INTO photos (id, folder_id, path, size, mtime_ns, content_hash, taken_at, taken_at_source,
                                   gps_lat, gps_lon, status, indexed_at) VALUES (?, ?, ?, 1, 1, ?, ?, 'exif', ?, ?, 'ok', 'now')""",
            [(first_id + i, folder, f"/synthetic/{first_id + i}.jpg",
              hashlib.sha1(str(first_id + i).encode()).hexdigest(), when.isoformat(timespec="seconds"), lat, lon)
             for i, (when, lat, lon) in enumerate(rows)],
        )


def speed(args) -> None:
    from album import Library

    rng = np.random.default_rng(args.seed)
    work = Path(tempfile.mkdtemp(prefix="album-bench-events-speed-"))
    try:
        (work / "Pictures").mkdir()
        with Library.open(work / "library") as library:
            library.add_folder(work / "Pictures")
            rows = synthetic_rows(args.size, rng, datetime(2012, 1, 1))
            insert_photos(library, rows, 1)
            started = time.monotonic()
            library.places.fill_missing()
            geocoded = time.monotonic() - started
            started = time.monotonic()
            library.gazetteer.load()
            gazetteer = time.monotonic() - started
            started = time.monotonic()
            summary = library.events.organise()
            full = time.monotonic() - started
            print(f"\nspeed: {args.size:,} photos (reverse geocoding, part of indexing: {geocoded:.1f} s; "
                  f"gazetteer load at start-up: {gazetteer:.1f} s)")
            print(f"  grouping from scratch: {full:.2f} s -> {summary.events:,} events, "
                  f"{summary.photos_in_events:,} photos in them (target <= 10 s)")
            started = time.monotonic()
            again = library.events.organise(changed=[])
            print(f"  regrouping with nothing new: {time.monotonic() - started:.2f} s ({again.updated} updated)")
            late = rows[-1][0] + timedelta(days=3)
            new_rows = synthetic_rows(1000, rng, late)
            insert_photos(library, new_rows, args.size + 1)
            library.places.fill_missing()
            started = time.monotonic()
            after = library.events.organise(changed=list(range(args.size + 1, args.size + 1001)))
            incremental = time.monotonic() - started
            print(f"  after an index run of 1,000 photos: {incremental:.2f} s -> {after.created} new events, "
                  f"{after.updated} updated (target <= 1 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load_bench_model(name: str):
    from album.models import load_model
    from album.models.openclip import random_tiny

    if name == "random-tiny":
        return random_tiny()
    try:
        return load_model(name)
    except Exception as exc:  # e.g. album-mini not built in this checkout
        print(f"{name} unavailable ({type(exc).__name__}: {exc}); using random-tiny", file=sys.stderr)
        return random_tiny()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="album-mini", help="album-mini (default) or random-tiny")
    parser.add_argument("--size", type=int, default=100_000, help="photos in the speed run")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_quality:
        if not (DATA / "flickr8k").is_dir():
            raise SystemExit(f"{DATA / 'flickr8k'} is absent: the quality run needs the real photos")
        quality(load_bench_model(args.model), args)
    if not args.skip_speed:
        speed(args)


if __name__ == "__main__":
    main()
