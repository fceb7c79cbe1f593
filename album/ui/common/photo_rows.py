"""The rows a photo grid shows, read from the database off the GUI thread: typed data, no Qt.

A grid of 100,000 photos needs only four small columns per photo; everything else (details,
tags) is read when one photo is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from album.store.browsing import BrowsingRepository
from album.store.database import Database

DATE_SORTS = ("newest", "oldest")  # orders in which month groups make sense


@dataclass
class PhotoRows:
    """Parallel columns, one entry per grid cell, in display order."""

    ids: list[int] = field(default_factory=list)
    hashes: list[str | None] = field(default_factory=list)
    taken: list[str | None] = field(default_factory=list)  # ISO dates, as stored
    paths: list[str] = field(default_factory=list)
    scores: list[float] | None = None  # search results only
    why: list[str] | None = None  # search results only: what matched
    grouped_by_month: bool = False
    rows_by_hash: dict[str, list[int]] = field(default_factory=dict)
    month_starts: list[int] | None = None  # grouped by month: the row each month's run starts at

    def __len__(self) -> int:
        return len(self.ids)

    def index_hashes(self) -> "PhotoRows":
        """Fill `rows_by_hash` (which cells show a thumbnail), on the worker thread that built the rows."""
        by_hash: dict[str, list[int]] = {}
        for row, content_hash in enumerate(self.hashes):
            if content_hash:
                by_hash.setdefault(content_hash, []).append(row)
        self.rows_by_hash = by_hash
        return self

    def index_months(self) -> "PhotoRows":
        """Fill `month_starts` (where the grid's month sections begin), on the worker thread too.

        A section is a run of rows in one month (photos without a date make one 'No date' run),
        so rows kept in their shown order while an index run adds batches never move.
        """
        starts, previous = [], None
        if self.grouped_by_month:
            for row, taken in enumerate(self.taken):
                month = taken[:7] if taken and taken[:4].isdigit() else ""  # as formatting.month_label
                if row == 0 or month != previous:
                    starts.append(row)
                previous = month
        self.month_starts = starts
        return self


def load_library_rows(database: Database, sort: str = "newest") -> PhotoRows:
    """Every readable photo in the library, in `sort` order (album.store.browsing.SORT_ORDERS)."""
    rows = BrowsingRepository(database).grid_rows(sort)
    ids, hashes, taken, paths = (list(column) for column in zip(*rows)) if rows else ([], [], [], [])
    return PhotoRows(ids, hashes, taken, paths, grouped_by_month=sort in DATE_SORTS).index_hashes().index_months()


def load_rows_for(
    database: Database,
    photo_ids: Sequence[int],
    scores: Sequence[float] | None = None,
    why: Sequence[str] | None = None,
) -> PhotoRows:
    """These photos in this order (search results, an album); ids no longer in the library drop out."""
    photo_ids = list(photo_ids)
    found = BrowsingRepository(database).grid_rows_for(photo_ids)
    result = PhotoRows(scores=[] if scores is not None else None, why=[] if why is not None else None)
    for position, photo_id in enumerate(photo_ids):
        row = found.get(photo_id)
        if row is None:
            continue
        result.ids.append(row[0])
        result.hashes.append(row[1])
        result.taken.append(row[2])
        result.paths.append(row[3])
        if scores is not None:
            result.scores.append(float(scores[position]))
        if why is not None:
            result.why.append(why[position])
    return result.index_hashes().index_months()


def keep_shown_order(shown: Sequence[int], fresh: PhotoRows) -> PhotoRows:
    """`fresh`'s photos, those already `shown` (ids) first and in the order shown, newcomers after them.

    While an index run adds photos batch by batch, re-sorting on every reload would move the
    photos under the user's eyes (a new batch of older photos lands between them); they are
    sorted once the run is over. Until then a month may show twice (month sections are runs of
    rows): once among the photos shown, once among the newcomers.
    """
    position = {photo_id: row for row, photo_id in enumerate(fresh.ids)}
    order = [position[photo_id] for photo_id in shown if photo_id in position]
    already = set(shown)
    order += [row for row, photo_id in enumerate(fresh.ids) if photo_id not in already]
    return PhotoRows(
        [fresh.ids[r] for r in order], [fresh.hashes[r] for r in order], [fresh.taken[r] for r in order],
        [fresh.paths[r] for r in order], grouped_by_month=fresh.grouped_by_month,
    ).index_hashes().index_months()
