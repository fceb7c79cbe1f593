"""Natural-language search and find-similar over the library's vectors.

A query is read by `QueryParser` into a visual part and filters (place, time), joined by the
caller's filters (folder, dates, tag, album, camera). The filters become a set of allowed photo
ids; the visual part becomes one query vector, ranked by `VectorRanker` (HNSW, filtered HNSW or
exact search, see ranking.py). A relevance cutoff (relevance.py) then keeps what matches rather
than the whole library.
"""

from __future__ import annotations

import logging
import operator
import threading
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from album.errors import AlbumError
from album.index.hnsw import VectorIndex
from album.models.base import EmbeddingModel
from album.services.places import PhotoPlace, PhotoPlaces, Place, normalise_name
from album.services.search.query import ParsedQuery, QueryParser, WeightedTerm
from album.services.search.ranking import VectorRanker, ef_for
from album.services.search.relevance import RelevanceCutoff, is_phrase, logit_scale, query_vectors
from album.services.search.filters import PhotoFilter, describe_filters, tagged_photo_ids
from album.store.chunks import execute_in
from album.store.database import Database
from album.store.embeddings import EmbeddingRepository
from album.store.photos import PhotoRepository

log = logging.getLogger(__name__)

# The relevance cut first judges this many ranked photos, then more while many of them pass: a
# clear query's matches are usually within the first 100.
FETCH_MIN = 100
EXPAND_WHILE_PASSING = 0.25  # ...while at least this share of the newly fetched ones pass
# ...and, once the page is full, only until this many were judged: past it the count is a lower
# bound ('1,000+ photos'). Counting every match of a broad query ('people') at 100k photos took
# fetches of 6,400 and 100-140 ms; a full page needs none of them. limit=None (smart albums,
# exports) still judges every match.
COUNT_EXACTLY_UP_TO = 1000
QUERY_CACHE = 64  # query vectors remembered (a phrase costs a prompt ensemble to encode)

class SearchError(AlbumError):
    """A search could not be run as asked."""


class PhotoNotFoundError(SearchError):
    """`similar` was given a photo id or path that is neither in the library nor a readable file."""


def _check_limit(limit: int) -> None:
    """A page of results holds at least one photo: 0 or -1 would cut the ranking short by slicing."""
    try:
        whole = operator.index(limit)  # an int, numpy's included; not 2.5
    except TypeError:
        whole = 0
    if whole < 1:
        raise SearchError(f"the limit is a number of photos, at least 1 (not {limit!r})")


@dataclass(frozen=True)
class SearchHit:
    photo_id: int
    path: str
    score: float  # cosine similarity to the query (1.0 for filter-only queries, which are by date)
    why: str  # e.g. "matches 'sunset' (0.31); taken near Paris, France"


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the user: empty place, photos without GPS...
    parsed: ParsedQuery | None = None
    candidates: int = 0  # photos the filters allowed (all with a vector when unfiltered)
    cut: int = 0  # candidates the relevance cut left out ('Show all' brings them back, ranked)
    matched: int = 0  # photos that pass the cut, also beyond the page: the 'N photos for ...' count
    matched_more: bool = False  # `matched` is a lower bound: more pass than were judged ('1,000+')
    method: str = ""  # how they were ranked: 'hnsw', 'post-filter', 'hnsw-filter', 'exact' ('' by date)

    def __iter__(self):
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i):
        return self.hits[i]

    @property
    def exact(self) -> bool:
        return self.method == "exact"

    @property
    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]

    def to_json(self) -> list[dict]:
        """The CLI's stable form: [{"path": p, "score": s}, ...]."""
        return [{"path": hit.path, "score": round(hit.score, 4)} for hit in self.hits]


class SearchService:
    def __init__(
        self,
        database: Database,
        photos: PhotoRepository,
        embeddings: EmbeddingRepository,
        places: PhotoPlaces,
        model: Callable[[], EmbeddingModel],
        index: Callable[[], VectorIndex],
        model_id: Callable[[], str],
        *,
        today: Callable[[], date] = date.today,
        relevance: RelevanceCutoff | None = None,
        people: Callable[[], dict[str, list[int]]] | None = None,
        person_label: Callable[[int], str | None] | None = None,
    ):
        # The model and index are callables: the Library loads them lazily, and a query that
        # only filters ('Tuscany 2008') needs neither.
        self._db = database
        self._photos = photos
        self._embeddings = embeddings
        self._places = places
        self._model = model
        self._index = index
        self._model_id = model_id
        self._people = people or (lambda: {})
        self._person_label = person_label or (lambda person_id: None)
        self._parser = QueryParser(places, today, self._people)
        self._relevance = relevance or RelevanceCutoff(database)
        self._query_lock = threading.Lock()
        self._query_cache: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self.ranker = VectorRanker(embeddings)

    # --- text search ---------------------------------------------------------------------------

    def search(
        self,
        text: str,
        *,
        limit: int | None = 50,
        show_all: bool = False,
        folder: str | Path | None = None,
        date_from: date | str | None = None,
        date_to: date | str | None = None,
        tag: str | Sequence[str] | None = None,
        album: str | None = None,
        camera: str | None = None,
        place: str | None = None,
        person: str | Sequence[str] | None = None,
        person_id: int | Sequence[int] | None = None,
    ) -> SearchResults:
        """Photos for a query, best first. A person's name in the text ('Anna at the beach') or
        in `person` (one name or several, all must be in the photo) keeps photos with them;
        `person_id` does the same by id (an unnamed person, or one of two Annas: the GUI's
        picker). `show_all` ranks every photo the filters allow instead
        of stopping where the scores stop being relevant (and ignores `limit`); `limit=None`
        keeps no page size: every relevant photo. `tag` may list
        several tags (all must match); `place` names a place as the query could ('Tuscany') and
        takes precedence over place words in the text."""
        if limit is None:
            limit = max(self._photos.counts().get("ok", 0), 1)
        _check_limit(limit)
        parsed = self._parser.parse(text or "")
        if place:
            parsed = replace(parsed, place_phrase=place, places=tuple(self._places.lookup(place)))
            if not parsed.places:
                return SearchResults(text, notes=[f"no place called '{place}' is known"], parsed=parsed)
        results = SearchResults(text, parsed=parsed)
        people = [(m.name, m.person_ids) for m in parsed.people]
        if person:
            names = self._people()
            for name in [person] if isinstance(person, str) else person:
                ids = names.get(name.strip().lower())
                if not ids:
                    return SearchResults(text, notes=[f"no person is called '{name}'"], parsed=parsed)
                people.append((name, tuple(ids)))
        for pid in [] if person_id is None else [person_id] if isinstance(person_id, int) else person_id:
            label = self._person_label(int(pid))
            if label is None:
                return SearchResults(text, notes=[f"there is no person {pid} (merged into another?)"], parsed=parsed)
            people.append((label, (int(pid),)))
        filters = PhotoFilter.build(folder=folder, date_from=date_from, date_to=date_to, tag=tag, album=album,
                                    camera=camera, time=parsed.time, people=tuple(ids for _, ids in people),
                                    people_names=tuple(name for name, _ in people))
        results.notes.extend(filters.unknown_names(self._db))
        place = None
        place_ids = None
        if parsed.places:
            match = self._places.match(parsed.places)
            place = match.place
            unplaced = self._places.count_without_location()
            if place is None:
                results.notes.append(_no_photos_in(parsed.places[0], unplaced))
                return results
            place_ids = match.photo_ids
            if place != parsed.places[0]:
                results.notes.append(
                    f"'{parsed.place_phrase}' read as {place.describe()}: "
                    f"no photos were taken in {parsed.places[0].describe()}"
                )
            if unplaced:
                results.notes.append(f"{unplaced} photos have no location and cannot match '{parsed.place_phrase}'")
        allowed = filters.photo_ids(self._db)
        if place_ids is not None:
            allowed = place_ids if allowed is None else np.intersect1d(allowed, place_ids, assume_unique=True)
        if allowed is not None and allowed.size == 0:
            what = describe_filters(filters, place)
            results.notes.append(f"no photos {what}" if what else "no photos match the filters")
            return results
        context = _Context(place, filters)
        if not parsed.terms:
            return self._by_date(results, allowed, context, limit, show_all)
        return self._ranked(results, parsed.terms, allowed, context, limit, show_all)

    def _ranked(self, results: SearchResults, terms: Sequence[WeightedTerm], allowed: np.ndarray | None,
                context: "_Context", limit: int, show_all: bool) -> SearchResults:
        model = self._model()
        model_id = self._model_id()
        query, positive = self._query_vectors(model, terms)
        index = self._index()
        results.candidates = len(index) if allowed is None else int(allowed.size)
        if show_all or positive is None:
            k = results.candidates if show_all else min(limit, results.candidates)
            ranked = self.ranker.nearest(index, model_id, query, k, allowed, exhaustive=show_all)
            ids, scores, results.method = ranked.ids, ranked.scores, ranked.method
        else:
            ids, scores = self._relevant(results, model, model_id, index, terms, query, positive, allowed, limit)
        paths = self._photos.paths(ids.tolist())
        details = context.details(self._places, self._db, ids)
        label = results.parsed.visual_text
        for photo_id, score in zip(ids.tolist(), scores.tolist()):
            if photo_id in paths:  # a photo removed since the index was read is skipped
                why = "; ".join([f"matches '{label}' ({score:.2f})", *details.get(photo_id, [])])
                results.hits.append(SearchHit(photo_id, paths[photo_id], float(score), why))
        return results

    def _relevant(self, results: SearchResults, model: EmbeddingModel, model_id: str, index: VectorIndex,
                  terms: Sequence[WeightedTerm], query: np.ndarray, positive: np.ndarray,
                  allowed: np.ndarray | None, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """The ranked photos that pass the relevance cut, at most `limit`, best first.

        Fetches the top FETCH_MIN (every candidate when every match is wanted), then the page size
        or twice as many while a good share of the newly fetched photos pass; never past the score
        where no photo could pass (the lowest baseline plus the threshold), and once the page is
        full not past COUNT_EXACTLY_UP_TO judged photos.
        Baselines come from memory: cutting reads no vectors. `results.matched` counts the photos
        that pass (also beyond `limit`: the 'N photos' a user is told; a lower bound when
        `results.matched_more`), `results.cut` the rest of the candidates.
        """
        phrase = all(is_phrase(t.text) for t in terms if t.weight > 0)
        threshold = self._relevance.threshold(model, phrase)
        same = all(t.weight > 0 for t in terms)  # the ranking scores are the cut's scores
        every = limit >= results.candidates  # limit=None: every match is wanted
        # A page of 500 (the GUI's) starts at FETCH_MIN too: a walk for 500 costs ~4x one for 100
        # (~5 vs ~1.3 ms at 100k photos), and the few photos past rank 100 that pass when the top
        # 100 mostly do not are rarely right: over 4,200 real photos (Caltech + Flickr8k), the 85
        # class names showed 1,841 photos from the top 100 (47% right), 12 from ranks 101-500
        # (1 right).
        k, judged_before = results.candidates if every else min(FETCH_MIN, results.candidates), 0
        while True:
            ranked = self.ranker.nearest(index, model_id, query, k, allowed)
            ids, scores = ranked.ids, ranked.scores
            judged = scores if same else (self._vectors(model_id, ids) @ positive if ids.size else scores)
            keep, margins = self._relevance.keep(model, ids, judged, phrase)
            shown_from = self._relevance.effective_threshold(model, phrase, margins)
            floor = self._relevance.lowest(model) + shown_from / logit_scale(model)
            fresh = keep[judged_before:]
            if (k >= results.candidates or ids.size < k or float(judged.min(initial=np.inf)) < floor
                    or (fresh.mean() if fresh.size else 0.0) < EXPAND_WHILE_PASSING):
                break
            page_full = not every and keep.sum() >= limit
            if page_full and ids.size >= COUNT_EXACTLY_UP_TO:
                results.matched_more = True  # the page is full; more would pass
                break
            # A full page only needs the count: one fetch of the cap's size instead of doubling up
            # to it (100, 200, ... 1,600 cost ~27 ms at 100k photos; 100 then 1,000 ~10 ms).
            # Many pass but the page is not full yet: straight to the page size.
            grown = max(k * 2, COUNT_EXACTLY_UP_TO) if page_full else max(k * 2, min(limit, COUNT_EXACTLY_UP_TO))
            judged_before, k = ids.size, min(grown, results.candidates)
        results.method = ranked.method
        if not keep.any() and ids.size:
            # Never cut to nothing when the best photo nearly passes: one piano among 30 photos.
            best = int(np.argmax(margins))
            if margins[best] >= threshold - self._relevance.calibration(model).slack:
                keep[best] = True
        ids, scores, keep = self._with_tagged(model_id, terms, query, allowed, ids, scores, keep)
        results.matched = int(keep.sum())
        results.cut = results.candidates - results.matched
        if not results.matched and ids.size:
            results.notes.append(f"no photo clearly shows '{results.parsed.visual_text}'; show all to see the closest")
        return ids[keep][:limit], scores[keep][:limit]

    def _with_tagged(self, model_id: str, terms: Sequence[WeightedTerm], query: np.ndarray,
                     allowed: np.ndarray | None, ids: np.ndarray, scores: np.ndarray,
                     keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Photos tagged with the query's words (by the user or automatically) are shown too, ranked
        by their score: a photo tagged "beach" is shown for "beach" even where the cut, stricter
        than automatic tags, would leave it out."""
        if len(terms) != 1 or terms[0].weight <= 0:
            return ids, scores, keep
        tagged = tagged_photo_ids(self._db, terms[0].text)
        if allowed is not None:
            tagged = np.intersect1d(tagged, allowed, assume_unique=True)
        keep = keep | np.isin(ids, tagged)
        missing = np.setdiff1d(tagged, ids, assume_unique=True)
        if not missing.size:  # the usual case: no reader connection opened for nothing
            return ids, scores, keep
        found = [(part_ids, vectors @ query) for part_ids, vectors in self._embeddings.iter_vectors(model_id, missing)]
        if found:  # tagged photos beyond the judged ones (those without a vector cannot be ranked)
            extra_ids = np.concatenate([f[0] for f in found]).astype(ids.dtype)
            extra_scores = np.concatenate([f[1] for f in found]).astype(scores.dtype)
            ids, scores = np.concatenate([ids, extra_ids]), np.concatenate([scores, extra_scores])
            keep = np.concatenate([keep, np.ones(extra_ids.size, bool)])
            order = np.argsort(-scores, kind="stable")
            ids, scores, keep = ids[order], scores[order], keep[order]
        return ids, scores, keep

    def _by_date(self, results: SearchResults, allowed: np.ndarray | None, context: "_Context",
                 limit: int, show_all: bool) -> SearchResults:
        """A query of filters only ('Tuscany 2008'): every photo they allow, oldest first."""
        rows = self._photos_by_date(allowed, None if show_all else limit)
        results.candidates = len(rows) if allowed is None and show_all else int(
            allowed.size if allowed is not None else self._photos.counts().get("ok", 0))
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        details = context.details(self._places, self._db, ids)
        for photo_id, path, _ in rows:
            why = "; ".join(details.get(photo_id, [])) or "no visual query: sorted by date"
            results.hits.append(SearchHit(photo_id, path, 1.0, why))
        return results

    def _photos_by_date(self, allowed: np.ndarray | None, limit: int | None) -> list[tuple[int, str, str]]:
        if allowed is None:
            rows = self._db.query(
                "SELECT id, path, taken_at FROM photos WHERE status = 'ok' ORDER BY taken_at, path LIMIT ?",
                (-1 if limit is None else limit,),
            )
        else:
            rows = execute_in(self._db.query, "SELECT id, path, taken_at FROM photos WHERE id IN ({marks})",
                              allowed.tolist())
        return sorted(((r[0], r[1], r[2] or "") for r in rows), key=lambda r: (r[2], r[1]))[:limit]

    def _query_vectors(self, model: EmbeddingModel, terms: Sequence[WeightedTerm]) -> tuple[np.ndarray, np.ndarray | None]:
        """(the query: weighted sum of the terms' vectors, the positive terms' sum), unit length;
        the second is None when there is no positive term ('- people': no cutoff then).

        The relevance cutoff judges photos by the positive terms only: 'beach - people' must
        still look like a beach, and subtracting 'people' is for the ranking.
        """
        vectors = self._term_vectors(model, [t.text for t in terms])
        weights = np.array([t.weight for t in terms], dtype=np.float32)[:, None]
        query = (weights * vectors).sum(axis=0)
        if not (weights > 0).any():
            return _unit(query), None
        positive = (np.clip(weights, 0, None) * vectors).sum(axis=0)
        return _unit(query), _unit(positive)

    def _term_vectors(self, model: EmbeddingModel, texts: list[str]) -> np.ndarray:
        """Query terms as the cut and tagging read them (relevance.query_vectors), remembered for
        the last QUERY_CACHE queries: a phrase is a small prompt ensemble, and a query is often
        typed again (refined filters, Show all, smart albums)."""
        key = (model.model_id, tuple(texts))
        with self._query_lock:
            vectors = self._query_cache.get(key)
        if vectors is None:
            vectors = query_vectors(model, texts)
            with self._query_lock:
                self._query_cache[key] = vectors
                while len(self._query_cache) > QUERY_CACHE:
                    self._query_cache.pop(next(iter(self._query_cache)))
        return vectors

    def _vectors(self, model_id: str, ids: np.ndarray) -> np.ndarray:
        found = dict()
        for part_ids, vectors in self._embeddings.iter_vectors(model_id, ids):
            found.update(zip(part_ids.tolist(), vectors))
        return np.stack([found[i] for i in ids.tolist()]) if ids.size else np.empty((0, 0), np.float32)

    def matching_ids(self, text: str = "", *, tags: Sequence[str] = (), place: str | None = None,
                     date_from: date | str | None = None, date_to: date | str | None = None,
                     person_ids: Sequence[int] = ()) -> list[int]:
        """Every photo a saved query matches, for smart albums: the relevance cutoff decides
        how far a visual query reaches, not a page size. `person_ids`: all must be in the photo
        (by id, so renaming a person keeps their album)."""
        if person_ids:
            allowed = PhotoFilter(people=tuple((int(p),) for p in person_ids)).photo_ids(self._db)
            if not allowed.size:
                return []
            if not (text or tags or place or date_from or date_to):
                return [r[0] for r in self._photos_by_date(allowed, None)]
            keep = set(allowed.tolist())
            results = self.search(text, limit=None, tag=tuple(tags), place=place, date_from=date_from, date_to=date_to)
            return [hit.photo_id for hit in results if hit.photo_id in keep]
        results = self.search(text, limit=None, tag=tuple(tags), place=place, date_from=date_from,
                              date_to=date_to)
        return [hit.photo_id for hit in results]

    # --- find similar --------------------------------------------------------------------------

    def similar(self, photo: int | str | Path, *, limit: int | None = 50) -> SearchResults:
        """Photos that look like a library photo (by id or path) or an image file outside it,
        best first; the photo itself is left out. `limit=None`: all of them."""
        if limit is not None:
            _check_limit(limit)
        vector, self_id, name = self._photo_vector(photo)
        index = self._index()
        if limit is None:
            limit = len(index)
        k = min(limit + (self_id is not None), len(index))
        ids, scores = index.search(vector, k, ef=ef_for(k, size=len(index))) if k > 0 else (np.empty(0, np.int64), np.empty(0))
        keep = ids != self_id if self_id is not None else np.ones(ids.size, bool)
        ids, scores = ids[keep][:limit], scores[keep][:limit]
        paths = self._photos.paths(ids.tolist())
        results = SearchResults(str(photo), candidates=len(index))
        for photo_id, score in zip(ids.tolist(), scores.tolist()):
            if photo_id in paths:
                results.hits.append(SearchHit(photo_id, paths[photo_id], float(score), f"looks like {name} ({score:.2f})"))
        return results

    def _photo_vector(self, photo: int | str | Path) -> tuple[np.ndarray, int | None, str]:
        model_id = self._model_id()
        if isinstance(photo, (int, np.integer)):
            vector = self._embeddings.get(int(photo), model_id)
            if vector is None:
                raise PhotoNotFoundError(f"no photo with id {photo} has a vector in this library")
            return vector, int(photo), self._photos.paths([int(photo)]).get(int(photo), str(photo))
        path = Path(photo).expanduser()
        for candidate in dict.fromkeys([path.absolute(), path.resolve()]):
            record = self._photos.by_path(candidate)
            if record is not None and record.status == "ok":
                vector = self._embeddings.get(record.id, model_id)
                if vector is not None:
                    return vector, record.id, path.name
        if not path.is_file():
            raise PhotoNotFoundError(f"{photo} is neither a photo in the library nor a file")
        from album.media import decode_photo

        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PhotoNotFoundError(f"cannot read {path}: {exc.strerror or exc}") from exc
        image = decode_photo(data, path.name).image  # a DecodeError says why it is not a photo
        return _unit(self._model().encode_images([image])[0]), None, path.name


@dataclass
class _Context:
    """What the filters were, to explain each hit: "taken near Paris, France; 2019-12-24"."""

    place: Place | None
    filters: PhotoFilter

    def details(self, places: PhotoPlaces, db: Database, ids: np.ndarray) -> dict[int, list[str]]:
        if not ids.size:
            return {}
        details: dict[int, list[str]] = {int(i): [] for i in ids.tolist()}
        if self.place is not None:
            for photo_id, where in places.of(ids.tolist()).items():
                details[photo_id].append(_where(self.place, where))
        if self.filters.time is not None or self.filters.camera:
            for photo_id, when, make, model in self.filters.photo_facts(db, ids):
                if self.filters.time is not None and when:
                    details[photo_id].append(f"taken {when[:10]}")
                if self.filters.camera:
                    details[photo_id].append(f"shot with {' '.join(p for p in (make, model) if p)}")
        if self.filters.tags:
            for photo_id in details:
                details[photo_id].append("tagged " + ", ".join(self.filters.tags))
        if self.filters.album:
            for photo_id in details:
                details[photo_id].append(f"in album '{self.filters.album}'")
        if self.filters.people_names:
            for photo_id in details:
                details[photo_id].append("with " + " and ".join(self.filters.people_names))
        return details


def _where(place: Place, where: PhotoPlace) -> str:
    """'taken in Arezzo, Tuscany, Italy', or for a city matched by distance, the city searched
    for and the district the photo is in: 'taken near Madrid, Spain (Moncloa-Aravaca)'."""
    if place.kind == "city" and where.city and normalise_name(where.city) not in place.names:
        return f"taken near {place.describe()} ({where.city})"
    return f"taken {'near' if place.kind == 'city' else 'in'} {where.describe() or place.describe()}"


def _no_photos_in(place: Place, unplaced: int) -> str:
    note = f"no photos taken in {place.describe()}"
    if unplaced:
        note += f"; {unplaced} photos have no location"
    return note


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    return vector / max(float(np.linalg.norm(vector)), 1e-12)
