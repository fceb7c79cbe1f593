"""The search the UI calls, over `Library.search` / `Library.similar`.

The UI only sees `SearchOutcome` (hits with id, path, score and why; the notes to show
plainly), so a change in the service's result type is absorbed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from album.ui.common.warmup import LibraryWarmup

DEFAULT_LIMIT = 500  # a grid page: the relevance cutoff usually stops well before


@dataclass(frozen=True)
class SearchFilters:
    folder: str | None = None
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    tag: str | None = None
    album: str | None = None
    camera: str | None = None
    person_id: int | None = None  # by id: an unnamed person can be chosen, and a rename changes nothing

    def kwargs(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v}

    def active(self) -> bool:
        return bool(self.kwargs())


@dataclass(frozen=True)
class SearchHit:
    photo_id: int
    path: str
    score: float
    why: str = ""


@dataclass(frozen=True)
class SearchOutcome:
    text: str
    hits: list[SearchHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    similar_to: int | None = None  # find-similar: the photo the results look like (the first hit)
    similar_name: str = ""  # its file name
    cut: int = 0  # near results the relevance cutoff left out (show all brings them back)
    matched: int = 0  # photos that pass the cutoff, also beyond the page
    matched_more: bool = False  # `matched` is a lower bound (a broad query: '1,000+ photos')

    @property
    def no_good_matches(self) -> bool:
        return not self.hits


class SearchAdapter:
    def __init__(self, library, warmup: LibraryWarmup):
        self._library = library
        self._warmup = warmup

    def search(self, text: str, filters: SearchFilters = SearchFilters(), *, show_all: bool = False,
               limit: int = DEFAULT_LIMIT) -> SearchOutcome:
        """Runs on the search pool."""
        self._warmup.ensure()
        results = self._library.search(text, limit=limit, show_all=show_all, **filters.kwargs())
        return _outcome(text, results)

    def similar(self, photo_id: int, *, show_all: bool = False, limit: int = 200) -> SearchOutcome:
        """The photo itself first, then those that look like it, past the relevance cut only with
        `show_all` (`cut` counts the ones left out). Runs on the search pool."""
        from album.services.search import similarity_bar

        self._warmup.ensure()
        outcome = _outcome("", self._library.similar(photo_id, limit=limit), similar_to=photo_id)
        hits, cut = outcome.hits, 0
        if not show_all:
            bar = similarity_bar(self._library, photo_id)
            kept = [hit for hit in hits if hit.score >= bar]
            hits, cut = kept, len(hits) - len(kept)
        path = str(self._library.photos.paths([photo_id]).get(photo_id, ""))
        start = SearchHit(photo_id, path, 1.0, "the photo you started from")
        return SearchOutcome("", [start, *hits], outcome.notes, photo_id, Path(path).name, cut)


def _outcome(text: str, results, similar_to: int | None = None) -> SearchOutcome:
    hits = [
        SearchHit(int(hit.photo_id), str(hit.path), float(hit.score), _why(getattr(hit, "why", "")))
        for hit in getattr(results, "hits", results)
    ]
    notes = [str(note) for note in getattr(results, "notes", [])]
    return SearchOutcome(text, hits, notes, similar_to, int(getattr(results, "cut", 0) or 0),
                         int(getattr(results, "matched", 0) or 0), bool(getattr(results, "matched_more", False)))


def _why(why) -> str:
    if isinstance(why, (list, tuple)):
        return "; ".join(map(str, why))
    return str(why or "")
