"""Shared fixtures: real photos (from ../shared/data or made with Pillow), real libraries."""

import os
import time

# The tests run in a time zone far from UTC, whatever the machine's: a date worked out in UTC where
# local time is meant, or a test that only holds in one zone, then fails on most hours of any day
# instead of only on machines set to such a zone. The zone is the Chatham Islands' (UTC+12:45, and
# +13:45 from late September to early April: quarter-hour offsets and a DST change), written as a
# POSIX rule so it needs no tz database. ALBUM_TEST_TZ runs the tests in another zone
# (ALBUM_TEST_TZ=Europe/London); README's "Dates and time zones" says how to pick the date too.
CHATHAM = "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45"
if hasattr(time, "tzset"):  # POSIX; Windows would need its own zone names
    os.environ["TZ"] = os.environ.get("ALBUM_TEST_TZ", CHATHAM)
    time.tzset()

# Before anything imports Qt: the GUI tests run headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The face pass (dlib, ~0.1-0.2 s a photo of people) is tested in test_people.py and
# ui/test_people_view.py, whose libraries turn it on; elsewhere (and in the CLI processes tests
# start) it would only slow the suite down.
os.environ.setdefault("ALBUM_FACES", "off")

from datetime import date
from pathlib import Path

import pytest

from photo_families import make_family
from photo_files import write_photo

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED_DATA}): these tests need the real photos")
    return SHARED_DATA


@pytest.fixture
def photos_dir(tmp_path) -> Path:
    """A user's photo folder (tests hash it before and after to prove it was not modified)."""
    folder = tmp_path / "Pictures"
    folder.mkdir()
    yield folder


@pytest.fixture(scope="session")
def tiny_model():
    from album.models.openclip import random_tiny

    return random_tiny()


@pytest.fixture
def library(tmp_path, tiny_model):
    """A library on the tiny model. Its today is a fixed day, so nothing a test sees depends on the
    day it runs (time words such as 'yesterday', the window's 'On this day' line)."""
    from album import Library
    from album.services.indexing import PipelineSettings

    with Library.open(tmp_path / "library", model=tiny_model, pipeline=PipelineSettings(batch_size=8),
                      today=lambda: date(2024, 10, 5)) as lib:
        yield lib


@pytest.fixture
def temp_trash(tmp_path, monkeypatch):
    """A freedesktop trash inside tmp_path, used by the real send2trash implementation: (trash, send2trash)."""
    import sys

    if sys.platform in ("win32", "darwin"):
        pytest.skip("the temporary trash location is the freedesktop (Linux) trash")
    import send2trash.plat_other as xdg

    data_home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    # send2trash picks the home trash for files on the home directory's device: make "home"
    # a folder beside the photos, so it is always the same device.
    monkeypatch.setenv("HOME", str(tmp_path))
    # send2trash reads XDG_DATA_HOME when it is imported, not when it is called (checked in
    # 1.8-2.x: module constants), so the import-time values are replaced for this test.
    monkeypatch.setattr(xdg, "XDG_DATA_HOME", os.fsencode(data_home))
    monkeypatch.setattr(xdg, "HOMETRASH_B", os.fsencode(data_home / "Trash"))
    monkeypatch.setattr(xdg, "HOMETRASH", str(data_home / "Trash"))
    return data_home / "Trash", xdg.send2trash


@pytest.fixture(scope="module")
def real_photos(shared_data):
    flickr = sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))
    caltech = sorted((shared_data / "caltech101" / "images").rglob("*.jpg"))
    return {
        "exif": shared_data / "formats" / "DSCN0010.jpg",  # camera EXIF: date, make, model
        "flickr": flickr[::700][:10],
        "caltech": caltech[::170][:10],
    }


@pytest.fixture
def one_family(library, photos_dir, real_photos):
    """A library holding one real photo with its edited copies, and two unrelated photos."""
    family = make_family(real_photos["caltech"][0], photos_dir / "family")
    unrelated = [write_photo(photos_dir / "made" / f"{i}.jpg", seed=100 + i) for i in range(2)]
    library.add_folder(photos_dir)
    assert not library.index().failed
    return library, family, unrelated
