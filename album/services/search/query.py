"""Reading a search query: place words and time words become filters, the rest is what to look for.

    "sunset in Paris"          → look for 'sunset', taken near Paris
    "snow in December"         → 'snow', taken in any December
    "beach + dog - people"     → 'beach' + 'dog' − 'people' (query algebra)
    "Tuscany 2008"             → no visual part: the photos taken in Tuscany in 2008, by date
    "Anna and Ben at the beach" → 'at the beach', with the persons named Anna and Ben in it

Relative times ('yesterday', 'last summer') are read against an injected `today`, so tests are
stable. Seasons are the northern hemisphere's meteorological ones (summer = June to August).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Callable, Protocol, Sequence

from album.services.places import Place

# Words that introduce a place: 'in Paris', 'near Arezzo', 'at the Louvre'. Not 'on': 'dog on
# the beach' names no place.
PLACE_PREPOSITIONS = frozenset({"in", "at", "near", "around", "from"})
TIME_PREPOSITIONS = frozenset({"in", "on", "during", "from", "of"})
# What is left after the filters is not a visual query if it is only these ("photos from Tuscany").
FILLER_WORDS = frozenset(
    "a an the my our me us all any some of in at on from taken shot show find photo photos picture "
    "pictures pic pics image images shots".split()
)
NEGATIVE_WEIGHT = -1.0  # 'beach - people': rclip's convention, each concept counts in full
MAX_PLACE_WORDS = 4
MAX_NAME_WORDS = 3
# Between or before names: 'Anna and Ben', 'with Anna', 'Anna & Ben'.
NAME_CONNECTORS = frozenset({"and", "&", "with", "+"})
# A name right after these is a place, not a person: 'in Paris' even when someone is called Paris.
NOT_BEFORE_NAMES = frozenset({"in", "near", "around"})

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTH_ABBREVIATIONS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
# 'may' and 'march' are also a verb and a noun: as months they must be capitalised or dated.
AMBIGUOUS_MONTHS = frozenset({"may", "march"})
SEASONS = {"spring": (3, 4, 5), "summer": (6, 7, 8), "autumn": (9, 10, 11), "fall": (9, 10, 11), "winter": (12, 1, 2)}
# 'spring' and 'fall' alone are more often water and falling; with 'this', 'last' or a year they are seasons.
AMBIGUOUS_SEASONS = frozenset({"spring", "fall"})


class PlaceLookup(Protocol):
    def lookup(self, phrase: str, *, strict: bool = False) -> list[Place]: ...


@dataclass(frozen=True)
class WeightedTerm:
    text: str
    weight: float  # +1 for '+' terms, NEGATIVE_WEIGHT for '-' terms


@dataclass(frozen=True)
class TimeFilter:
    """When photos were taken, in the camera's local time: a date range and/or months of any year."""

    start: date | None = None  # inclusive
    end: date | None = None  # exclusive
    months: frozenset[int] = frozenset()  # empty: any month
    label: str = ""  # what the user wrote: 'last summer', 'December 2019'

    def intersect(self, other: "TimeFilter") -> "TimeFilter":
        starts = [d for d in (self.start, other.start) if d]
        ends = [d for d in (self.end, other.end) if d]
        if self.months and other.months:
            months = self.months & other.months or frozenset({0})  # {0}: disjoint, matches nothing
        else:
            months = self.months or other.months
        return TimeFilter(
            max(starts) if starts else None, min(ends) if ends else None, months,
            " ".join(part for part in (self.label, other.label) if part),
        )

    def describe(self) -> str:
        return self.label or _describe_range(self.start, self.end, self.months)


@dataclass(frozen=True)
class PersonMention:
    name: str  # as typed: 'Anna'
    person_ids: tuple[int, ...]  # the persons with that name (usually one)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    terms: tuple[WeightedTerm, ...] = ()  # the visual query; empty when only filters were given
    place_phrase: str | None = None  # as typed: 'Paris'
    places: tuple[Place, ...] = ()  # what the phrase can mean, most likely first
    time: TimeFilter | None = None
    people: tuple[PersonMention, ...] = ()  # all must be in the photo

    @property
    def visual_text(self) -> str:
        text = ""
        for term in self.terms:
            sign = "-" if term.weight < 0 else "+"
            text = term.text if not text and sign == "+" else f"{text} {sign} {term.text}".strip()
        return text


@dataclass
class _Token:
    text: str  # as typed, outer punctuation removed
    word: str  # lower case
    used: bool = False


@dataclass
class _Segment:
    weight: float
    tokens: list[_Token] = field(default_factory=list)


class QueryParser:
    def __init__(self, places: PlaceLookup | None = None, today: Callable[[], date] = date.today,
                 people: Callable[[], dict[str, list[int]]] | None = None):
        """`people()` gives the persons' names (lower case) and their ids; read per query,
        so a name given a moment ago is found."""
        self._places = places
        self._today = today
        self._people = people

    def parse(self, text: str) -> ParsedQuery:
        segments = _split_algebra(text)
        positive = [s for s in segments if s.weight > 0]
        names = self._people() if self._people else {}
        people = tuple(m for s in positive for m in _take_people(s.tokens, names)) if names else ()
        today = self._today()
        time = None
        for segment in positive:
            found = _take_times(segment.tokens, today)
            if found:
                time = found if time is None else time.intersect(found)
        phrase, places = self._take_place(positive) if self._places else (None, ())
        terms = []
        for segment in segments:
            words = [t.text for t in segment.tokens if not t.used]
            if words and not all(w.lower() in FILLER_WORDS for w in words):
                terms.append(WeightedTerm(" ".join(words), segment.weight))
        return ParsedQuery(text, tuple(terms), phrase, tuple(places), time, people)

    def _take_place(self, segments: Sequence[_Segment]) -> tuple[str | None, list[Place]]:
        free = [t for s in segments for t in s.tokens if not t.used]
        first = free[0] if free else None
        for segment in segments:
            tokens = segment.tokens
            for i in range(len(tokens)):
                for n in range(min(MAX_PLACE_WORDS, len(tokens) - i), 0, -1):
                    span = tokens[i : i + n]
                    if any(t.used for t in span) or not span[-1].text:
                        continue
                    lead = _place_preposition(tokens, i)
                    strict = self._evidence(span, lead, first)
                    if strict is None:
                        continue
                    phrase = " ".join(t.text for t in span)
                    if not self._places.lookup(phrase, strict=strict):
                        continue
                    for t in span + lead:
                        t.used = True
                    return phrase, self._places.lookup(phrase)
        return None, []

    @staticmethod
    def _evidence(span: list[_Token], lead: list[_Token], first: _Token | None) -> bool | None:
        """How a phrase must match to be read as a place: None (it cannot be one), True (only a
        notable place by its main name), False (any place of that name).

        Capitalised after a preposition or inside the query ('sunset in Paris', 'sunset Paris')
        is strong evidence. Lower case after a preposition ('in paris') or a capitalised first
        word ('Paris sunset', 'Tuscany 2008', but also 'Orange cat') is weak evidence: the place
        must be notable and not a common word. Lower case without a preposition ('paris
        sunset') is never a place, so most queries never load the gazetteer.
        """
        capitalised = span[0].text[:1].isupper() and span[-1].text[:1].isupper()
        if capitalised and (lead or span[0] is not first):
            return False
        if lead or capitalised:
            return True
        return None


def _split_algebra(text: str) -> list[_Segment]:
    """'beach + dog - people' → segments weighted +1, +1, −1. An operator needs a space before
    it, so 'black-and-white' stays one term; '-people' works as well as '- people'."""
    segments = [_Segment(1.0)]
    for raw in text.split():
        if raw in ("+", "-"):
            segments.append(_Segment(1.0 if raw == "+" else NEGATIVE_WEIGHT))
            continue
        if raw[0] in "+-" and raw[1:2].isalpha():
            segments.append(_Segment(1.0 if raw[0] == "+" else NEGATIVE_WEIGHT))
            raw = raw[1:]
        cleaned = raw.strip(",.;:!?\"'()[]")
        if cleaned:
            segments[-1].tokens.append(_Token(cleaned, cleaned.lower()))
    return [s for s in segments if s.tokens]


def _take_people(tokens: list[_Token], names: dict[str, list[int]]) -> list[PersonMention]:
    """Spans that are a person's name (any case, longest first; "Anna's" counts as Anna),
    marked used with the words joining them ('and', 'with')."""
    found = []
    i = 0
    while i < len(tokens):
        match = None
        if not (i >= 1 and tokens[i - 1].word in NOT_BEFORE_NAMES):
            for n in range(min(MAX_NAME_WORDS, len(tokens) - i), 0, -1):
                span = tokens[i : i + n]
                if any(t.used for t in span):
                    continue
                words = [t.word for t in span]
                words[-1] = words[-1].removesuffix("'s").removesuffix("’s")
                ids = names.get(" ".join(words))
                if ids:
                    match = (span, ids)
                    break
        if match is None:
            i += 1
            continue
        span, ids = match
        for t in span:
            t.used = True
        if i >= 1 and tokens[i - 1].word in NAME_CONNECTORS and not tokens[i - 1].used:
            tokens[i - 1].used = True
        found.append(PersonMention(" ".join(t.text for t in span), tuple(ids)))
        i += len(span)
    return found


def _place_preposition(tokens: list[_Token], i: int) -> list[_Token]:
    """The unused 'in' / 'in the' just before tokens[i], if any."""
    if i >= 1 and not tokens[i - 1].used and tokens[i - 1].word in PLACE_PREPOSITIONS:
        return [tokens[i - 1]]
    if (
        i >= 2 and tokens[i - 1].word == "the" and not tokens[i - 1].used
        and not tokens[i - 2].used and tokens[i - 2].word in PLACE_PREPOSITIONS
    ):
        return [tokens[i - 2], tokens[i - 1]]
    return []


# --- time words ---------------------------------------------------------------------------------

_YEAR = re.compile(r"^(19|20)\d\d$")
_YEAR_RANGE = re.compile(r"^((?:19|20)\d\d)[-–]((?:19|20)\d\d)$")
_ISO_DATE = re.compile(r"^((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?$")


def _take_times(tokens: list[_Token], today: date) -> TimeFilter | None:
    """Find time expressions among the tokens, mark them used, and return their intersection."""
    found = None
    i = 0
    while i < len(tokens):
        match = None if tokens[i].used else _time_at(tokens, i, today)
        if match is None:
            i += 1
            continue
        filter_, n = match
        span = tokens[i : i + n]
        if i >= 1 and not tokens[i - 1].used and tokens[i - 1].word in TIME_PREPOSITIONS | {"since", "after", "before"}:
            preposition = tokens[i - 1].word
            filter_ = _open_range(filter_, preposition)
            span = [tokens[i - 1]] + span
        for t in span:
            t.used = True
        filter_ = replace(filter_, label=" ".join(t.text for t in span if t.word not in TIME_PREPOSITIONS))
        found = filter_ if found is None else found.intersect(filter_)
        i += n
    return found


def _open_range(filter_: TimeFilter, preposition: str) -> TimeFilter:
    if preposition in ("since", "after") and filter_.start:
        start = filter_.end if preposition == "after" else filter_.start
        return TimeFilter(start=start, months=frozenset())
    if preposition == "before" and filter_.start:
        return TimeFilter(end=filter_.start)
    return filter_


def _time_at(tokens: list[_Token], i: int, today: date) -> tuple[TimeFilter, int] | None:
    """The time expression starting at tokens[i] and how many tokens it spans, or None."""
    word = tokens[i].word
    nxt = tokens[i + 1].word if i + 1 < len(tokens) and not tokens[i + 1].used else ""
    nxt2 = tokens[i + 2].word if i + 2 < len(tokens) and not tokens[i + 2].used else ""
    if word == "today":
        return TimeFilter(today, today + timedelta(days=1)), 1
    if word == "yesterday":
        return TimeFilter(today - timedelta(days=1), today), 1
    if word in ("this", "last") and nxt:
        relative = _relative(word == "last", nxt, today)
        if relative:
            return relative, 2
        if nxt.isdigit() and nxt2 and word == "last":
            span = _last_n(int(nxt), nxt2, today)
            if span:
                return span, 3
    month = MONTHS.get(word) or MONTH_ABBREVIATIONS.get(word)
    if month:
        if _YEAR.match(nxt):
            year = int(nxt)
            return TimeFilter(date(year, month, 1), _add_months(date(year, month, 1), 1)), 2
        typed = tokens[i].text
        if word in AMBIGUOUS_MONTHS or word in MONTH_ABBREVIATIONS and word not in MONTHS:
            if not typed[:1].isupper():
                return None
        return TimeFilter(months=frozenset({month})), 1
    if word in SEASONS:
        if _YEAR.match(nxt):
            return _season(word, int(nxt)), 2
        previous = tokens[i - 1].word if i >= 1 else ""
        if word in AMBIGUOUS_SEASONS and previous not in TIME_PREPOSITIONS:
            return None
        return TimeFilter(months=frozenset(SEASONS[word])), 1
    if _YEAR.match(word):
        year = int(word)
        return TimeFilter(date(year, 1, 1), date(year + 1, 1, 1)), 1
    years = _YEAR_RANGE.match(word)
    if years and int(years[1]) <= int(years[2]):
        return TimeFilter(date(int(years[1]), 1, 1), date(int(years[2]) + 1, 1, 1)), 1
    iso = _ISO_DATE.match(word)
    if iso:
        try:
            day = date(int(iso[1]), int(iso[2]), int(iso[3] or 1))
        except ValueError:
            return None
        end = day + timedelta(days=1) if iso[3] else _add_months(day, 1)
        return TimeFilter(day, end), 1
    return None


def _relative(last: bool, unit: str, today: date) -> TimeFilter | None:
    step = 1 if last else 0
    if unit == "week":
        monday = today - timedelta(days=today.weekday()) - timedelta(weeks=step)
        return TimeFilter(monday, monday + timedelta(weeks=1))
    if unit == "month":
        first = _add_months(today.replace(day=1), -step)
        return TimeFilter(first, _add_months(first, 1))
    if unit == "year":
        return TimeFilter(date(today.year - step, 1, 1), date(today.year - step + 1, 1, 1))
    if unit in SEASONS:
        if not last:
            return _season_containing(unit, today)
        # 'last summer' is the latest summer that is over: in October, the one just gone; in
        # July, a year ago; in March, the previous year's.
        year = today.year
        while _season(unit, year).end > today:
            year -= 1
        return _season(unit, year)
    month = MONTHS.get(unit) or MONTH_ABBREVIATIONS.get(unit)
    if month:
        this = date(today.year, month, 1)
        if last and this >= today.replace(day=1):
            this = date(today.year - 1, month, 1)
        return TimeFilter(this, _add_months(this, 1))
    return None


def _last_n(n: int, unit: str, today: date) -> TimeFilter | None:
    unit = unit.rstrip("s")
    if unit == "day":
        return TimeFilter(today - timedelta(days=n), today + timedelta(days=1))
    if unit == "week":
        return TimeFilter(today - timedelta(weeks=n), today + timedelta(days=1))
    if unit == "month":
        return TimeFilter(_months_before(today, n), today + timedelta(days=1))
    if unit == "year":
        return TimeFilter(_months_before(today, 12 * n), today + timedelta(days=1))
    return None


def _season(name: str, year: int) -> TimeFilter:
    """A season of `year`; winter YEAR is December YEAR to February YEAR+1."""
    first = SEASONS[name][0]
    start = date(year, first, 1)
    return TimeFilter(start, _add_months(start, 3))


def _season_containing(name: str, today: date) -> TimeFilter:
    """This year's season of that name; for winter in January or February, the one under way."""
    year = today.year - 1 if name == "winter" and today.month <= 2 else today.year
    return _season(name, year)


def _add_months(day: date, months: int) -> date:
    """The first day of the month `months` after day's month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _months_before(day: date, months: int) -> date:
    """The same day `months` earlier, or that month's last day where it is shorter (31 May -> 28 Feb)."""
    first = _add_months(day, -months)
    return first.replace(day=min(day.day, calendar.monthrange(first.year, first.month)[1]))


def _describe_range(start: date | None, end: date | None, months: frozenset[int]) -> str:
    parts = []
    if start and end:
        parts.append(f"{start.isoformat()} to {(end - timedelta(days=1)).isoformat()}")
    elif start:
        parts.append(f"since {start.isoformat()}")
    elif end:
        parts.append(f"before {end.isoformat()}")
    if months:
        parts.append(", ".join(calendar.month_name[m] for m in sorted(months) if m))
    return "; ".join(parts)
