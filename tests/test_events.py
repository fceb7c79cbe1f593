"""Events and trips: real photos carrying written EXIF capture times and GPS, a real library."""

import json
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from album.errors import AlbumError
from album.services.events.grouping import Timeline, find_events, find_home
from album.services.events.titles import NamedSpot, date_range, trip_places
from album.services.events import NO_BUSY_DAYS, NO_CAPTURE_DATES
from photo_files import copy_with_capture_exif, tree_digest, write_photo

LYON = (45.7640, 4.8357)
KYOTO = (35.0116, 135.7681)
OSAKA = (34.6937, 135.5023)


@pytest.fixture(scope="module")
def sources(shared_data):
    images = sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))
    if len(images) < 60:
        pytest.skip("../shared/data/flickr8k/images holds too few photos for the event tests")
    return images


def _timeline_photos(folder, sources):
    """Everyday photos at home weeks apart, a 4-day trip to Kyoto, a busy day at home."""
    shots = []
    for i, day in enumerate([datetime(2019, 11, 3), datetime(2019, 12, 20), datetime(2020, 1, 18),
                             datetime(2020, 2, 9), datetime(2020, 4, 2)]):
        shots.append((f"everyday/{i}.jpg", day + timedelta(hours=12), LYON))
    for day in range(4):  # 1-4 Mar 2020: mornings and evenings, nights without photos
        for hour in (9, 13, 20):
            shots.append((f"trip/{day}_{hour}.jpg", datetime(2020, 3, 1 + day, hour, 10), KYOTO))
    for i in range(7):  # 14 Sep 2019: an afternoon and evening at home
        shots.append((f"party/{i}.jpg", datetime(2019, 9, 14, 15, 0) + timedelta(minutes=45 * i), LYON))
    paths = {}
    for (name, when, (lat, lon)), source in zip(shots, sources):
        paths[name] = copy_with_capture_exif(source, folder / name, when, lat + 0.01 * (hash(name) % 3), lon)
    return paths


@pytest.fixture
def organised(library, photos_dir, sources):
    paths = _timeline_photos(photos_dir, sources)
    library.add_folder(photos_dir)
    library.index()
    return library, paths


def _events(library):
    return {e.name: e for e in library.events.list()}


def _paths_of(library, name):
    return {p for p in library.photos.paths(library.albums.photo_ids(name)).values()}


def test_a_trip_becomes_one_album_titled_with_its_city_and_a_busy_day_another(organised, photos_dir):
    library, paths = organised
    events = _events(library)
    assert sorted(events) == ["14 Sep 2019", "Kyoto, 1–4 Mar 2020"]
    trip = events["Kyoto, 1–4 Mar 2020"]
    assert trip.away and trip.places == ("Kyoto",) and trip.photo_count == 12
    assert _paths_of(library, trip.name) == {str(p) for n, p in paths.items() if n.startswith("trip/")}
    assert _paths_of(library, "14 Sep 2019") == {str(p) for n, p in paths.items() if n.startswith("party/")}
    assert trip.cover_photo_id in library.albums.photo_ids(trip.name)
    # Listed and shown like any album, with kind 'event'; everyday photos are in no event.
    listed = {a.name: a.kind for a in library.albums.list()}
    assert listed == {"14 Sep 2019": "event", "Kyoto, 1–4 Mar 2020": "event"}
    assert library.albums.photo_ids(trip.name) == library.events.photo_ids(trip.name)


def test_a_photo_added_later_to_the_trips_days_joins_it(organised, photos_dir, sources):
    library, _ = organised
    before = _events(library)["Kyoto, 1–4 Mar 2020"]
    late = copy_with_capture_exif(sources[40], photos_dir / "phone" / "late.jpg", datetime(2020, 3, 2, 16, 0), *OSAKA)
    no_gps = copy_with_capture_exif(sources[41], photos_dir / "phone" / "scan.jpg", datetime(2020, 3, 3, 11, 0))
    library.index()
    events = _events(library)
    assert sorted(events) == ["14 Sep 2019", "Kyoto, 1–4 Mar 2020"]  # Osaka has one photo of 14: not named
    after = events["Kyoto, 1–4 Mar 2020"]
    assert after.album_id == before.album_id and after.photo_count == 14
    assert {str(late), str(no_gps)} <= _paths_of(library, after.name)
    # The index run regrouped only the days around the new photos: the whole library agrees.
    full = library.events.organise()
    assert (full.created, full.updated, full.removed, full.events) == (0, 0, 0, 2)


def test_a_late_import_of_an_old_trip_makes_its_album(organised, photos_dir, sources):
    library, _ = organised
    old_trip = photos_dir / "old card"
    for i in range(6):
        copy_with_capture_exif(sources[42 + i], old_trip / f"{i}.jpg", datetime(2012, 7, 30 + i // 3, 10 + i), *OSAKA)
    library.index()
    assert "Osaka, 30–31 Jul 2012" in _events(library)


def test_a_renamed_event_keeps_its_name_through_reindexing_and_regrouping(organised, photos_dir, sources):
    library, _ = organised
    library.albums.rename("Kyoto, 1–4 Mar 2020", "Japan with Ana")
    assert "Japan with Ana" in _events(library)
    copy_with_capture_exif(sources[50], photos_dir / "late.jpg", datetime(2020, 3, 4, 22, 0), *KYOTO)
    library.index()
    library.events.organise(refresh=True)
    events = _events(library)
    assert "Japan with Ana" in events and events["Japan with Ana"].photo_count == 13
    assert events["Japan with Ana"].title == "Kyoto, 1–4 Mar 2020"
    # Forgetting the folder and adding it back gives every photo a new id: the name is kept by content.
    library.remove_folder(photos_dir)
    assert library.events.list() == []
    library.add_folder(photos_dir)
    library.index()
    assert sorted(_events(library)) == ["14 Sep 2019", "Japan with Ana"]


def test_a_busy_day_titled_by_the_tag_that_stands_out(organised):
    library, paths = organised
    for name, path in paths.items():
        if name.startswith("party/"):
            library.tag(path, "birthday party")
    library.events.organise(refresh=True)
    assert "Birthday party, 14 Sep 2019" in _events(library)


def test_merge_split_and_hide_are_remembered(organised, photos_dir):
    library, paths = organised
    library.events.merge(["14 Sep 2019", "Kyoto, 1–4 Mar 2020"])
    (merged,) = library.events.list()
    assert merged.photo_count == 19
    split_at = library.photo_ids([paths["trip/0_9.jpg"]])[0]
    library.events.split(merged.name, split_at)
    assert sorted(_events(library)) == ["14 Sep 2019", "Kyoto, 1–4 Mar 2020"]
    library.albums.delete("14 Sep 2019")  # an event is hidden, not deleted: it would come back
    library.index()
    library.events.organise(refresh=True)
    assert sorted(_events(library)) == ["Kyoto, 1–4 Mar 2020"]
    assert library.events.hidden() == ["14 Sep 2019"]
    with pytest.raises(AlbumError):
        library.albums.add_photos("Kyoto, 1–4 Mar 2020", [split_at])
    library.events.unhide("14 Sep 2019")
    assert sorted(_events(library)) == ["14 Sep 2019", "Kyoto, 1–4 Mar 2020"]


def test_a_library_without_capture_dates_makes_no_events_and_says_why(library, photos_dir):
    for i in range(10):  # Pillow-made photos without EXIF: only file times, all on one afternoon
        write_photo(photos_dir / f"{i}.jpg", seed=i, size=(160, 120))
    library.add_folder(photos_dir)
    before = tree_digest(photos_dir)
    library.index()
    summary = library.events.organise()
    assert summary.events == 0 and summary.reason == NO_CAPTURE_DATES and summary.unsure == 10
    assert library.albums.list() == [] and tree_digest(photos_dir) == before


def test_cli_lists_and_shows_events_and_explains_an_empty_result(organised, capsys):
    from album.cli import build_parser

    library, paths = organised

    def run(*argv):
        args = build_parser().parse_args(["albums", *argv])
        assert args.handler(library, args) == 0
        return capsys.readouterr().out

    listing = json.loads(run("list", "--json"))
    assert {"name": "Kyoto, 1–4 Mar 2020", "kind": "event", "photos": 12} in listing
    shown = json.loads(run("show", "14 Sep 2019", "--json"))
    assert shown == sorted((str(p) for n, p in paths.items() if n.startswith("party/")))
    summary = json.loads(run("organise", "events", "--json"))
    assert summary["events"] == 2 and summary["home"]["source"] == "auto"
    assert abs(summary["home"]["lat"] - LYON[0]) < 0.1
    # Home set by the user: from Kyoto, the afternoon in Lyon is the trip, and three photos a day is no event.
    run("organise", "events", "--home", "Kyoto")
    assert [e.name for e in library.events.list()] == ["Lyon, 14 Sep 2019"]
    run("organise", "events", "--home", "auto")
    assert sorted(_events(library)) == ["14 Sep 2019", "Kyoto, 1–4 Mar 2020"]
    library.events.rules = type(library.events.rules)(min_trip_photos=100, busy_day_photos=100)
    assert "no trip away from home and no busy day among the 24 photos" in run("organise", "events")
    assert library.events.organise().reason == NO_BUSY_DAYS and library.albums.list() == []


def test_on_this_day_brings_29_february_back_on_the_28th_in_other_years(library, photos_dir):
    for seed, (name, when) in enumerate([("leap", datetime(2024, 2, 29, 12)), ("eve", datetime(2023, 2, 28, 12)),
                                         ("march", datetime(2023, 3, 1, 12))]):
        source = write_photo(photos_dir.parent / "made" / f"{name}.jpg", seed=seed, size=(160, 120))
        copy_with_capture_exif(source, photos_dir / f"{name}.jpg", when)
    library.add_folder(photos_dir)
    library.index()

    def on(day):
        return [(y.year, sorted(library.photos.paths(y.photo_ids).values())) for y in library.events.on_this_day(day)]

    leap, eve, march = (str(photos_dir / f"{n}.jpg") for n in ("leap", "eve", "march"))
    assert on(date(2027, 2, 28)) == [(2024, [leap]), (2023, [eve])]  # no 29th this year: it comes a day early
    assert on(date(2028, 2, 28)) == [(2023, [eve])]  # a leap year has its own 29th
    assert on(date(2028, 2, 29)) == [(2024, [leap])]
    assert on(date(2027, 3, 1)) == [(2023, [march])]


# --- the rules on their own ---------------------------------------------------------------------


def test_grouping_rules_on_a_timeline_without_gps_chain_busy_days_and_leave_everyday_photos():
    day, hour = 86_400, 3600
    times = [d * 9 * day + 12 * hour for d in range(8)]  # everyday photos, 9 days apart
    trip = [100 * day + d * day + h * hour for d in range(5) for h in (8, 9, 10, 14, 15, 21)]
    party = [150 * day + 18 * hour + m * 600 for m in range(8)]
    ids = np.arange(len(times + trip + party))
    timeline = Timeline.build(ids, times + trip + party, np.full(len(ids), np.nan), np.full(len(ids), np.nan))
    assert find_home(timeline) is None
    events = find_events(timeline, None)
    assert [sorted(timeline.ids[e.members].tolist()) for e in events] == [
        list(range(8, 8 + len(trip))), list(range(8 + len(trip), len(ids)))]


def test_dates_and_places_in_titles_read_like_a_person_wrote_them():
    assert date_range(datetime(2020, 12, 24, 19), datetime(2020, 12, 25, 1, 30)) == "24 Dec 2020"
    assert date_range(datetime(2020, 3, 1, 9), datetime(2020, 3, 7, 20)) == "1–7 Mar 2020"
    assert date_range(datetime(2020, 2, 28, 9), datetime(2020, 3, 3, 20)) == "28 Feb – 3 Mar 2020"
    assert date_range(datetime(2019, 12, 28), datetime(2020, 1, 2, 12)) == "28 Dec 2019 – 2 Jan 2020"
    tokyo, kyoto, nara = (NamedSpot(c, r, "Japan") for c, r in (("Tokyo", "Tokyo"), ("Kyoto", "Kyoto"), ("Nara", "Nara")))
    assert trip_places([tokyo] * 6 + [kyoto] * 4 + [nara]) == ["Tokyo", "Kyoto"]
    many = [NamedSpot(f"town {i}", "Tuscany", "Italy") for i in range(10)]
    assert trip_places(many) == ["Tuscany"]
    assert trip_places([NamedSpot(None, None, None)]) == []


def test_the_migration_keeps_manual_albums_and_allows_event_albums(tmp_path):
    import sqlite3

    import sqlite_utils

    from album.store.migrations import MIGRATIONS, apply_migrations

    conn = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    before = [m for m in MIGRATIONS if m[0] < "0007"]
    apply_migrations(db, before)  # a library made before events existed
    db.execute("INSERT INTO folders VALUES (1, '/photos', 'then')")
    db.execute("INSERT INTO photos (id, folder_id, path, size, mtime_ns, status, indexed_at) "
               "VALUES (7, 1, '/photos/a.jpg', 1, 1, 'ok', 'then')")
    db.execute("INSERT INTO albums VALUES (3, 'Favourites', 'manual', NULL, 'then')")
    db.execute("INSERT INTO album_photos VALUES (3, 7, 'then')")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO albums VALUES (4, 'Trip', 'event', NULL, 'now')")
    assert "0007_events" in apply_migrations(db, MIGRATIONS)
    assert db.execute("SELECT album_id, photo_id FROM album_photos").fetchall() == [(3, 7)]
    db.execute("INSERT INTO albums VALUES (4, 'Trip', 'event', NULL, 'now')")
    db.execute("DELETE FROM photos WHERE id = 7")  # the cascade still works on the rebuilt table
    assert db.execute("SELECT count(*) FROM album_photos").fetchone()[0] == 0
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
