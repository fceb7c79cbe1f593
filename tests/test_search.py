"""Search: query parsing, filters, places, exact vs HNSW, find-similar; quality with album-mini.

Mechanics run on real files through the real pipeline with the tiny random model (it ranks
nothing meaningfully, so these tests check which photos are allowed, not which come first).
Quality runs album-mini on real photos and skips when its resources are not built.
"""

from __future__ import annotations

import csv
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album import Library
from album.services.indexing import PipelineSettings
from album.services.places import Gazetteer, PhotoPlaces, Place
from album.services.search.query import NEGATIVE_WEIGHT, QueryParser
from album.services.search.relevance import Calibration, RelevanceCutoff, query_vectors

NO_CUT = Calibration(phrase=-np.inf, sentence=-np.inf)
from album.services.search import ranking
from album.services.search import PhotoNotFoundError, SearchError, SearchService
from photo_files import write_photo

TODAY = date(2024, 10, 5)
DSCN = ["DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg", "DSCN0025.jpg", "DSCN0027.jpg"]
RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "models" / "album-mini"


def photo_with_exif(path: Path, seed: int, *, taken: str | None = None, gps: tuple[float, float] | None = None,
                    camera: tuple[str, str] | None = None) -> Path:
    """A generated photo carrying real EXIF: date taken, GPS, camera make and model."""
    write_photo(path, seed)
    exif = Image.Exif()
    if taken:
        exif[0x0132] = taken  # DateTime, 'YYYY:MM:DD HH:MM:SS'
    if camera:
        exif[0x010F], exif[0x0110] = camera
    if gps:
        lat, lon = gps
        exif.get_ifd(0x8825).update({
            1: "N" if lat >= 0 else "S", 2: _dms(abs(lat)), 3: "E" if lon >= 0 else "W", 4: _dms(abs(lon)),
        })
    with Image.open(path) as image:
        image.load()
        image.save(path, exif=exif)
    return path


def _dms(value: float) -> tuple[float, float, float]:
    degrees, rest = divmod(value * 3600, 3600)
    minutes, seconds = divmod(rest, 60)
    return float(degrees), float(minutes), round(seconds, 2)


class FakePlaces:
    """A place lookup for parser tests that need no gazetteer."""

    PLACES = {
        "paris": Place("city", "Paris", "FR", "France", frozenset({"paris"}), population=2_138_551, notable=True),
        "tuscany": Place("region", "Tuscany", "IT", "Italy", frozenset({"tuscany", "toscana"}), notable=True),
        "new york": Place("city", "New York", "US", "United States", frozenset({"new york"}), population=8_800_000,
                          notable=True),
        "pool": Place("region", "Pool", "CG", "Congo", frozenset({"pool"})),
    }

    def lookup(self, phrase, *, strict=False):
        place = self.PLACES.get(phrase.lower())
        return [place] if place and (place.notable or not strict) else []


def parser(today=TODAY, places=None):
    return QueryParser(places or FakePlaces(), today=lambda: today)


# --- query parsing ----------------------------------------------------------------------------


def test_place_words_become_a_filter_and_the_rest_the_visual_query():
    parsed = parser().parse("sunset in Paris")
    assert parsed.visual_text == "sunset" and parsed.place_phrase == "Paris"
    assert parsed.places[0].country_code == "FR"
    assert parser().parse("pizza in New York").place_phrase == "New York"
    assert parser().parse("sunset in paris").place_phrase == "paris"  # lower case: notable places only
    assert parser().parse("dog in pool").place_phrase is None  # not notable: the word, not Congo's region
    assert parser().parse("dog in pool").visual_text == "dog in pool"
    assert parser().parse("Paris").visual_text == "" and parser().parse("Paris").places


def test_time_words_with_an_injected_today():
    def time_of(text, today=TODAY):
        parsed = parser(today).parse(text)
        return parsed.visual_text, parsed.time.start, parsed.time.end, set(parsed.time.months)

    assert time_of("beach 2019") == ("beach", date(2019, 1, 1), date(2020, 1, 1), set())
    assert time_of("snow in December") == ("snow", None, None, {12})
    assert time_of("in December 2019") == ("", date(2019, 12, 1), date(2020, 1, 1), set())
    assert time_of("yesterday") == ("", date(2024, 10, 4), date(2024, 10, 5), set())
    assert time_of("last year") == ("", date(2023, 1, 1), date(2024, 1, 1), set())
    assert time_of("this month") == ("", date(2024, 10, 1), date(2024, 11, 1), set())
    # 'last summer' is the latest summer that is over.
    assert time_of("last summer")[1:3] == (date(2024, 6, 1), date(2024, 9, 1))
    assert time_of("last summer", date(2024, 7, 15))[1:3] == (date(2023, 6, 1), date(2023, 9, 1))
    assert time_of("last winter", date(2024, 10, 5))[1:3] == (date(2023, 12, 1), date(2024, 3, 1))
    # 'last N days/weeks/months/years' run from that day N units back to today, both included.
    assert time_of("last 3 days")[1:3] == (date(2024, 10, 2), date(2024, 10, 6))
    assert time_of("last 3 months")[1:3] == (date(2024, 7, 5), date(2024, 10, 6))
    assert time_of("last 2 years")[1:3] == (date(2022, 10, 5), date(2024, 10, 6))
    # A day the month N back does not have becomes that month's last day.
    assert time_of("last 1 month", date(2024, 3, 31))[1:3] == (date(2024, 2, 29), date(2024, 4, 1))
    assert time_of("last 1 year", date(2028, 2, 29))[1:3] == (date(2027, 2, 28), date(2028, 3, 1))
    assert parser().parse("march of the penguins").time is None  # 'march' needs a capital or a year
    assert parser().parse("spring water").time is None


def test_query_algebra_and_place_plus_time():
    parsed = parser().parse("beach + dog - people")
    assert [(t.text, t.weight) for t in parsed.terms] == [("beach", 1.0), ("dog", 1.0), ("people", NEGATIVE_WEIGHT)]
    assert parser().parse("black-and-white portrait -people").visual_text == "black-and-white portrait - people"
    parsed = parser().parse("Tuscany 2008")
    assert parsed.terms == () and parsed.places[0].name == "Tuscany"
    assert (parsed.time.start, parsed.time.end) == (date(2008, 1, 1), date(2009, 1, 1))
    assert parser().parse("photos from Tuscany").terms == ()  # only filler words left


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer()


def test_gazetteer_readings(gazetteer):
    paris = gazetteer.lookup("Paris")
    assert (paris[0].country_code, paris[1].region) == ("FR", "Texas")  # most populous first
    assert gazetteer.lookup("Toscana")[0].names == gazetteer.lookup("Tuscany")[0].names
    assert gazetteer.lookup("Italy")[0].kind == "country"
    assert gazetteer.lookup("Firenze")[0].name == "Florence"
    for word in ("dog", "car", "man", "pool", "orange", "pet", "sunset"):
        assert gazetteer.lookup(word, strict=True) == [], word
    real = QueryParser(gazetteer, today=lambda: TODAY)
    assert real.parse("man in orange").place_phrase is None
    assert real.parse("Orange cat").place_phrase is None
    assert real.parse("sunset in Tuscany").places[0].kind == "region"


# --- a real library ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def album(tmp_path_factory, tiny_model, shared_data, gazetteer):
    """Arezzo (DSCN), Madrid, and photos without GPS across folders, dates and cameras; tags
    and an album."""
    root = tmp_path_factory.mktemp("search")
    pictures = root / "Pictures"
    for name in DSCN + ["Landscape_0.jpg"]:
        (pictures / "camera").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_data / "formats" / name, pictures / "camera" / name)
    # Landscape_0.jpg has no EXIF date, so its date is the file's time: pin it (mid-June 2015,
    # noon), or the copy's time makes the date words below depend on the day the suite runs.
    no_exif_date = datetime(2015, 6, 15, 12, 0).timestamp()
    os.utime(pictures / "camera" / "Landscape_0.jpg", (no_exif_date, no_exif_date))
    photo_with_exif(pictures / "trips" / "madrid.jpg", 1, taken="2019:12:24 10:00:00", gps=(40.44697, -3.72475),
                    camera=("Canon", "Canon EOS 5D"))
    for i, year in enumerate([2018, 2019, 2019, 2020, 2021, 2021]):
        photo_with_exif(pictures / "home" / str(year) / f"home_{i}.jpg", 10 + i, taken=f"{year}:0{i + 1}:15 12:00:00")
    library = Library.open(root / "library", model=tiny_model, pipeline=PipelineSettings(batch_size=8))
    library.add_folder(pictures)
    summary = library.index()
    assert summary.failed == [] and summary.indexed == 13
    ids = {Path(r.path).name: r.id for r in map(library.photos.get, library.photos.ok_photo_ids())}
    with library.database.write() as db:
        for name in ("home_0.jpg", "home_3.jpg", "DSCN0010.jpg"):
            db.execute("INSERT INTO tags (photo_id, tag, score, source) VALUES (?, 'beach', NULL, 'manual')",
                       (ids[name],))
        db.execute("INSERT INTO tags (photo_id, tag, score, source, hidden) VALUES (?, 'beach', 0.3, 'auto', 1)",
                   (ids["home_1.jpg"],))
        album_id = db.execute("INSERT INTO albums (name, kind, created_at) VALUES ('Holiday', 'manual', '2024')").lastrowid
        for name in ("madrid.jpg", "DSCN0021.jpg"):
            db.execute("INSERT INTO album_photos (album_id, photo_id, added_at) VALUES (?, ?, '2024')",
                       (album_id, ids[name]))
    service = SearchService(
        library.database, library.photos, library.embeddings, PhotoPlaces(library.database, gazetteer),
        lambda: library.model, library.vector_index, lambda: library.model_id, today=lambda: TODAY,
    )
    yield library, service, pictures
    library.close()


def names(results) -> set[str]:
    return {Path(p).name for p in results.paths}


def test_in_tuscany_finds_exactly_the_arezzo_photos(album, capsys):
    library, service, _ = album
    results = service.search("in Tuscany")
    assert names(results) == set(DSCN)
    assert all("Arezzo, Tuscany, Italy" in hit.why for hit in results)
    assert any("photos have no location" in note for note in results.notes)  # not silently dropped
    assert "Loading formatted geocoded file" not in capsys.readouterr().out
    for query in ("Toscana", "photos from Italy", "Arezzo", "Tuscany 2008", "in Tuscany in October 2008"):
        assert names(service.search(query)) == set(DSCN), query
    ranked = service.search("sunset in Tuscany", show_all=True)
    assert names(ranked) == set(DSCN) and ranked.hits[0].why.startswith("matches 'sunset' (")
    rows = library.database.query("SELECT city, region, country, country_code FROM photo_places")
    assert len(rows) == 6  # every photo with GPS, and only those


def test_in_paris_returns_nothing_and_says_why(album):
    _, service, _ = album
    results = service.search("in Paris")
    assert len(results) == 0
    assert results.notes == ["no photos taken in Paris, France; 7 photos have no location"]
    assert len(service.search("sunset in Paris", show_all=True)) == 0
    madrid = service.search("in Madrid")  # reverse geocoding says Moncloa-Aravaca: the radius finds it
    assert names(madrid) == {"madrid.jpg"} and "taken near Madrid, Spain (Moncloa-Aravaca)" in madrid.hits[0].why
    results = service.search("in Madrid 2018")
    assert len(results) == 0 and results.notes[-1] == "no photos taken near Madrid, Spain, from 2018"


def test_paris_means_paris_texas_when_that_is_where_the_photos_are(tmp_path, tiny_model, gazetteer):
    folder = tmp_path / "photos"
    photo_with_exif(folder / "texas.jpg", 1, gps=(33.66094, -95.55551))
    for i in range(2):
        write_photo(folder / f"plain_{i}.jpg", seed=40 + i)
    with Library.open(tmp_path / "library", model=tiny_model) as library:
        library.add_folder(folder)
        library.index()
        service = SearchService(library.database, library.photos, library.embeddings,
                                PhotoPlaces(library.database, gazetteer), lambda: library.model,
                                library.vector_index, lambda: library.model_id)
        results = service.search("in Paris")
        assert names(results) == {"texas.jpg"}
        assert results.notes[0] == "'Paris' read as Paris, Texas, United States: no photos were taken in Paris, France"
        assert results.notes[1] == "2 photos have no location and cannot match 'Paris'"


def test_a_librarys_today_is_what_yesterday_and_on_this_day_are_read_against(tmp_path, tiny_model):
    folder = tmp_path / "photos"
    photo_with_exif(folder / "leap_day.jpg", 1, taken="2028:02:29 10:00:00")
    photo_with_exif(folder / "years_ago.jpg", 2, taken="2020:03:01 10:00:00")
    with Library.open(tmp_path / "library", model=tiny_model, today=lambda: date(2028, 3, 1)) as library:
        library.add_folder(folder)
        library.index()
        assert names(library.search("yesterday")) == {"leap_day.jpg"}
        (year,) = library.events.on_this_day()
        assert year.year == 2020 and names_of(library, year.photo_ids) == {"years_ago.jpg"}


def names_of(library, photo_ids) -> set[str]:
    return {Path(p).name for p in library.photos.paths(photo_ids).values()}


def test_filters_by_folder_date_camera_tag_and_album(album):
    _, service, pictures = album
    assert names(service.search("", folder=pictures / "home" / "2019")) == {"home_1.jpg", "home_2.jpg"}
    assert names(service.search("", date_from="2019-01-01", date_to="2019-12-31")) == {"home_1.jpg", "home_2.jpg", "madrid.jpg"}
    assert names(service.search("a photo", show_all=True, date_from="2020", date_to="2021")) == {
        "home_3.jpg", "home_4.jpg", "home_5.jpg"}
    assert names(service.search("", camera="nikon coolpix")) == set(DSCN)
    assert names(service.search("", camera="Canon")) == {"madrid.jpg"}
    assert names(service.search("", tag="beach")) == {"home_0.jpg", "home_3.jpg", "DSCN0010.jpg"}  # hidden tag left out
    assert names(service.search("", album="holiday")) == {"madrid.jpg", "DSCN0021.jpg"}
    assert names(service.search("2021", folder=pictures / "home")) == {"home_4.jpg", "home_5.jpg"}
    assert names(service.search("in December", show_all=True)) == {"madrid.jpg"}
    nothing = service.search("dog", album="Nope")
    assert len(nothing) == 0 and "there is no album called 'Nope'" in nothing.notes
    by_date = service.search("", folder=pictures / "home")
    assert [Path(p).name for p in by_date.paths] == [f"home_{i}.jpg" for i in range(6)]  # oldest first
    assert by_date.to_json()[0] == {"path": by_date.paths[0], "score": 1.0}


def test_saved_queries_for_smart_albums(album):
    library, service, _ = album

    def named(ids):
        return {Path(library.photos.get(i).path).name for i in ids}

    assert named(service.matching_ids(place="Tuscany", date_from="2008-10-01", date_to="2008-10-31")) == set(DSCN)
    assert named(service.matching_ids(tags=["beach"], place="Italy")) == {"DSCN0010.jpg"}
    assert service.matching_ids(tags=["beach", "sunset"]) == []
    assert "no photo is tagged 'sunset'" in service.search("", tag=["beach", "sunset"]).notes
    assert service.search("", place="Nowhereville").notes == ["no place called 'Nowhereville' is known"]


def test_show_all_ranks_everything_and_the_cutoff_keeps_fewer(album):
    library, service, _ = album
    everything = service.search("a red car", show_all=True)
    assert len(everything) == 13 and everything.exact
    scores = [hit.score for hit in everything]
    assert scores == sorted(scores, reverse=True)
    cut = service.search("a red car")
    assert len(cut) + cut.cut == 13
    assert cut.paths == [p for p in everything.paths if p in set(cut.paths)]


def test_similar_by_library_photo_and_by_file_outside(album, tmp_path):
    library, service, pictures = album
    inside = service.similar(pictures / "camera" / "DSCN0010.jpg", limit=5)
    assert len(inside) == 5 and "DSCN0010.jpg" not in names(inside)
    photo_id = library.photos.by_path(pictures / "camera" / "DSCN0010.jpg").id
    assert service.similar(photo_id, limit=5).paths == inside.paths
    # A re-encoded copy outside the library finds its original first.
    outside = tmp_path / "copy.png"
    with Image.open(pictures / "home" / "2020" / "home_3.jpg") as image:
        image.save(outside)
    results = service.similar(outside, limit=3)
    assert Path(results.paths[0]).name == "home_3.jpg" and results.hits[0].score > 0.95
    assert results.hits[0].why.startswith("looks like copy.png")
    with pytest.raises(PhotoNotFoundError):
        service.similar(tmp_path / "missing.jpg")


def test_a_limit_below_one_is_refused_not_sliced(album):
    library, service, pictures = album
    photo = pictures / "camera" / "DSCN0010.jpg"
    for limit in (-1, 0, 2.5):  # -1 once gave all but the last photo (Python slicing), 0 none
        with pytest.raises(SearchError, match="at least 1"):
            service.search("photo", limit=limit)
        with pytest.raises(SearchError, match="at least 1"):
            service.similar(photo, limit=limit)
    assert len(service.similar(photo, limit=None)) == 12  # every other photo


# --- selective filters on a bigger library: HNSW filter function and exact agree ---------------


def bulk_load(library: Library, vectors: np.ndarray) -> None:
    """Photo rows and their vectors straight into the database (bench/search.py does the same at
    scale); the index is then built from the database as a real library rebuilds it."""
    with library.database.write() as db:
        folder_id = db.execute("INSERT INTO folders (path, added_at) VALUES ('/synthetic', '2024')").lastrowid
        db.conn.executemany(
            """INSERT INTO photos (id, folder_id, path, size, mtime_ns, taken_at, status, indexed_at)
               VALUES (?, ?, ?, 1, 0, '2020-01-01T00:00:00', 'ok', '2024')""",
            [(i + 1, folder_id, f"/synthetic/{i:05d}.jpg") for i in range(len(vectors))],
        )
        db.conn.executemany(
            "INSERT INTO embeddings (photo_id, model_id, vector) VALUES (?, ?, ?)",
            [(i + 1, library.model_id, v.tobytes()) for i, v in enumerate(vectors)],
        )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, tiny_model, gazetteer):
    """3,000 photos with clustered vectors, a tag on a random 1%, 10% and 50%."""
    rng = np.random.default_rng(3)
    dim = tiny_model.dim
    topics = rng.standard_normal((30, dim)).astype(np.float32)
    vectors = topics[rng.integers(0, 30, 3000)] + 0.7 * rng.standard_normal((3000, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    library = Library.open(tmp_path_factory.mktemp("synthetic") / "library", model=tiny_model)
    bulk_load(library, vectors)
    tagged = {}
    with library.database.write() as db:
        for tag, fraction in (("rare", 0.01), ("some", 0.1), ("half", 0.5)):
            ids = np.sort(rng.choice(3000, int(3000 * fraction), replace=False) + 1)
            tagged[tag] = ids
            db.conn.executemany("INSERT INTO tags (photo_id, tag, source) VALUES (?, ?, 'manual')",
                                [(int(i), tag) for i in ids])
    service = SearchService(library.database, library.photos, library.embeddings,
                            PhotoPlaces(library.database, gazetteer), lambda: library.model,
                            library.vector_index, lambda: library.model_id,
                            relevance=RelevanceCutoff(library.database, NO_CUT))  # compare whole top-k lists
    yield library, service, vectors, tagged
    library.close()


def brute_force(vectors: np.ndarray, query: np.ndarray, allowed: np.ndarray, k: int) -> list[int]:
    scores = vectors[allowed - 1] @ query
    return allowed[np.argsort(-scores, kind="stable")[:k]].tolist()


STRATEGIES = {  # method → (EXACT_MAX_CANDIDATES, EXACT_MIN_CANDIDATES, POSTFILTER_MAX_K) that force it
    "exact": (10**6, 10**6, 0), "hnsw-filter": (0, 0, 0), "post-filter": (0, 0, 10**6),
}


@pytest.mark.parametrize("method", list(STRATEGIES))
def test_selective_filters_match_brute_force(synthetic, tiny_model, monkeypatch, method):
    library, service, vectors, tagged = synthetic
    exact_max, exact_min, postfilter_max = STRATEGIES[method]
    monkeypatch.setattr(ranking, "EXACT_MAX_CANDIDATES", exact_max)
    monkeypatch.setattr(ranking, "EXACT_MIN_CANDIDATES", exact_min)
    monkeypatch.setattr(ranking, "POSTFILTER_MAX_K", postfilter_max)
    hits = total = 0
    for text in ("a dog", "sunset over the sea", "a red car", "birthday cake"):
        query = query_vectors(tiny_model, [text])[0]  # as search reads it (a phrase: a prompt ensemble)
        for tag, allowed in tagged.items():
            results = service.search(text, tag=tag, limit=10)
            # Post-filtering hands over to hnswlib's filter when the over-fetch finds too few.
            assert results.method in ({method, "hnsw-filter"} if method == "post-filter" else {method})
            assert len(results) == 10 and {h.photo_id for h in results} <= set(allowed.tolist())
            hits += len({h.photo_id for h in results} & set(brute_force(vectors, query, allowed, 10)))
            total += 10
    assert hits / total >= 0.99
    if method == "exact":
        assert hits == total


def test_show_all_with_a_filter_returns_every_allowed_photo(synthetic):
    library, service, _, tagged = synthetic
    results = service.search("a dog", tag="some", show_all=True)
    assert set(results.paths) == set(library.photos.paths(tagged["some"].tolist()).values())


def test_unfiltered_hnsw_top10_matches_exact(synthetic, tiny_model):
    library, service, vectors, _ = synthetic
    rng = np.random.default_rng(5)
    hits = 0
    queries = vectors[rng.choice(3000, 50, replace=False)] + rng.normal(0, 0.05, (50, vectors.shape[1]))
    for query in queries.astype(np.float32):
        query /= np.linalg.norm(query)
        ids, _ = library.vector_index().search(query, 10, ef=ranking.ef_for(10))
        hits += len(set(ids.tolist()) & set(brute_force(vectors, query, np.arange(1, 3001), 10)))
    assert hits / 500 >= 0.99


def test_the_cut_weighs_the_query_against_each_photos_own_best_concepts():
    class Model:
        model_id = "fake"
        logit_scale = 10.0

        def encode_texts(self, texts):  # every concept is the direction [1, 0, 0]
            return np.tile(np.array([[1.0, 0.0, 0.0]], np.float32), (len(texts), 1))

    cutoff = RelevanceCutoff(calibration=Calibration(phrase=-6.0, sentence=-9.0))
    photos = np.array([[0.6, 0.8, 0.0], [0.9, 0.1, 0.42], [0.5, 0.0, 0.866]], np.float32)
    query = np.array([0.0, 1.0, 0.0], np.float32)
    # Baseline = log-partition over 1,000 identical concepts = concept score + log(1000) / scale.
    margins = cutoff.margins(Model(), photos, query)[:, 0]
    assert margins == pytest.approx(10.0 * (photos @ query - photos[:, 0]) - np.log(1000), abs=1e-3)
    # Photo 0 matches the query (0.8) better than its concepts (0.6); photo 1 is a photo of its
    # concepts (0.9 against 0.1); photo 2 matches neither, the query less than the concepts.
    assert (margins >= cutoff.threshold(Model(), phrase=True)).tolist() == [True, False, False]
    assert (margins >= cutoff.threshold(Model(), phrase=False)).tolist() == [True, False, False]
    assert margins[2] > margins[1]


# --- quality with the real model ------------------------------------------------------------


@pytest.fixture(scope="module")
def album_mini():
    if not (RESOURCES / "heads.safetensors").is_file():
        pytest.skip(f"album-mini resources are not built in {RESOURCES} (python -m album.models.mini.train)")
    from album.models import load_model

    return load_model("album-mini")


CALTECH_QUERIES = {  # label → query: classes with one clear look, none of them in Flickr8k photos
    "grand_piano": "a grand piano", "airplanes": "an airplane", "Motorbikes": "a motorbike",
    "pagoda": "a pagoda", "sunflower": "a sunflower", "starfish": "a starfish", "chandelier": "a chandelier",
    "watch": "a wrist watch", "laptop": "a laptop", "revolver": "a revolver",
}
FLICKR_WORDS = ["snow", "bicycle", "horse", "beach", "football"]


@pytest.fixture(scope="module")
def real_album(tmp_path_factory, album_mini, shared_data, gazetteer):
    folder = tmp_path_factory.mktemp("real") / "photos"
    folder.mkdir()
    expected = {}
    with open(shared_data / "caltech101" / "labels.csv") as f:
        by_label = {}
        for row in csv.DictReader(f):
            by_label.setdefault(row["label"], row["file"])
    for label, query in CALTECH_QUERIES.items():
        source = shared_data / "caltech101" / by_label[label]
        shutil.copyfile(source, folder / f"caltech_{label}{source.suffix}")
        expected[query] = f"caltech_{label}{source.suffix}"
    captions: dict[str, list[str]] = {}
    with open(shared_data / "flickr8k" / "captions.csv") as f:
        for row in csv.DictReader(f):
            if row["split"] == "val":
                captions.setdefault(row["file"], []).append(row["caption"].lower())
    chosen = []
    for word in FLICKR_WORDS:
        # The photo whose captions say the word most often (at least 3 of 5), among photos none
        # of whose captions say any of the words.
        mentions, target = min((-sum(word in c for c in cs), p) for p, cs in captions.items() if p not in chosen)
        assert -mentions >= 3, word
        chosen.append(target)
        expected[word] = Path(target).name
    others = [p for p, cs in sorted(captions.items())
              if p not in chosen and not any(w in c for c in cs for w in FLICKR_WORDS)][:20]
    for name in chosen + others:
        shutil.copyfile(shared_data / "flickr8k" / name, folder / Path(name).name)
    library = Library.open(folder.parent / "library", model=album_mini)
    library.add_folder(folder)
    library.index()
    service = SearchService(library.database, library.photos, library.embeddings,
                            PhotoPlaces(library.database, gazetteer), lambda: album_mini, library.vector_index,
                            lambda: library.model_id)
    yield service, expected, len(chosen) + len(others) + len(CALTECH_QUERIES)
    library.close()


def test_clear_queries_put_the_expected_photo_first(real_album):
    service, expected, _ = real_album
    firsts = {query: Path(service.search(query, show_all=True).paths[0]).name for query in expected}
    right = [query for query, name in expected.items() if firsts[query] == name]
    # 11 of 15 with phrases read as tagging labels (prompt ensemble + grounding), which ranks
    # better where it is measured on many photos (Caltech-85 zero-shot top-1 0.486 -> 0.554 over
    # 1,700 photos, bench.relevance); album-mini puts a Flickr building above the pagoda either way.
    assert len(right) >= 0.7 * len(expected), {q: (firsts[q], expected[q]) for q in expected if q not in right}


def test_the_cutoff_keeps_the_match_and_drops_most_of_the_library(real_album):
    service, expected, total = real_album
    kept, lost = [], []
    for query, name in expected.items():
        results = service.search(query)
        ranked = service.search(query, show_all=True)
        kept.append(len(results))
        # The cut only drops photos (each against its own baseline); it does not reorder.
        assert results.paths == [p for p in ranked.paths if p in set(results.paths)], query
        if Path(ranked.paths[0]).name == name and not results.paths[:1]:
            lost.append(query)  # the right photo ranked first, and the cut dropped it
    assert len(lost) <= 0.2 * len(expected), lost
    assert np.median(kept) <= total / 4, kept  # a clear query does not return the library
    assert sum(1 for n in kept if n > 0) >= 0.8 * len(kept), kept  # and does return something
