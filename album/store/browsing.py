"""Reads for browsing the library: the photo grid's rows, a duplicate tile's facts, what the
search filters can offer. Each read takes its own connection (`Database.reader()`), so the GUI
runs them on a worker thread while indexing writes.
"""

from __future__ import annotations

from typing import Iterable

from album.store.chunks import execute_in
from album.store.database import Database

# How the library view can be ordered; the SQL is here so the choice is one word in the UI.
SORT_ORDERS = {
    "newest": "coalesce(taken_at, '') DESC, id DESC",
    "oldest": "coalesce(taken_at, '9999') ASC, id ASC",
    # The file name: what is left after the last '/' (rtrim strips everything but the slashes).
    "name": "replace(path, rtrim(path, replace(path, '/', '')), '') COLLATE NOCASE, path",
    "folder": "path COLLATE NOCASE",
}
GridRow = tuple  # (id, content_hash, taken_at, path)


class BrowsingRepository:
    def __init__(self, database: Database):
        self._db = database

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        reader = self._db.reader()
        try:
            return [tuple(row) for row in reader.execute(sql, params).fetchall()]
        finally:
            reader.close()

    def grid_rows(self, sort: str = "newest") -> list[GridRow]:
        """Every readable photo, in `sort` order (see SORT_ORDERS)."""
        return self._read(
            f"SELECT id, content_hash, taken_at, path FROM photos WHERE status = 'ok' ORDER BY {SORT_ORDERS[sort]}"
        )

    def grid_rows_for(self, photo_ids: Iterable[int]) -> dict[int, GridRow]:
        """These photos' rows by id; ids no longer in the library (or unreadable) are absent."""
        reader = self._db.reader()
        try:
            rows = execute_in(reader.execute, "SELECT id, content_hash, taken_at, path FROM photos "
                              "WHERE status = 'ok' AND id IN ({marks})", photo_ids)
        finally:
            reader.close()
        return {row[0]: tuple(row) for row in rows}

    def tile_facts(self, photo_ids: Iterable[int]) -> dict[int, tuple]:
        """{id: (content_hash, width, height, size)}: what a duplicate tile shows besides the picture."""
        reader = self._db.reader()
        try:
            rows = execute_in(reader.execute, "SELECT id, content_hash, width, height, size FROM photos "
                              "WHERE id IN ({marks})", photo_ids)
        finally:
            reader.close()
        return {row[0]: tuple(row[1:]) for row in rows}

    def folder_paths(self) -> list[str]:
        return [row[0] for row in self._read("SELECT path FROM folders ORDER BY path")]

    def visible_tags(self) -> list[str]:
        return [row[0] for row in self._read("SELECT DISTINCT tag FROM tags WHERE hidden = 0 ORDER BY tag")]

    def album_names(self) -> list[str]:
        return [row[0] for row in self._read("SELECT name FROM albums ORDER BY name")]

    def cameras(self) -> list[str]:
        """'Make Model' of every camera that took a readable photo, as search's camera filter matches."""
        return [row[0] for row in self._read(
            "SELECT DISTINCT trim(coalesce(camera_make, '') || ' ' || coalesce(camera_model, '')) AS c "
            "FROM photos WHERE status = 'ok' AND (camera_make IS NOT NULL OR camera_model IS NOT NULL) ORDER BY c"
        )]
