"""Folders and photos tables: what the scanner and indexer read and write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from album.store.chunks import execute_in
from album.store.database import Database


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Folder:
    id: int
    path: Path


@dataclass
class PhotoRecord:
    """One row of `photos`, as the indexer writes it."""

    path: str
    folder_id: int
    size: int
    mtime_ns: int
    status: str  # 'ok' or 'error'
    content_hash: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    taken_at: str | None = None
    taken_at_source: str | None = None
    taken_at_offset: str | None = None  # '+02:00', where the file records its offset from UTC
    gps_lat: float | None = None
    gps_lon: float | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    error: str | None = None
    warnings: str | None = None
    id: int | None = None


_PHOTO_COLUMNS = [
    "path", "folder_id", "size", "mtime_ns", "status", "content_hash", "format", "width",
    "height", "taken_at", "taken_at_source", "taken_at_offset", "gps_lat", "gps_lon", "camera_make",
    "camera_model", "error", "warnings",
]


@dataclass(frozen=True)
class KnownFile:
    """What the scanner needs to know about a photo already in the library."""

    id: int
    path: str
    size: int
    mtime_ns: int
    status: str
    content_hash: str | None
    vector_models: frozenset[str]  # models that have a vector for this photo


class FolderRepository:
    def __init__(self, database: Database):
        self._db = database

    def list(self) -> list[Folder]:
        rows = self._db.query("SELECT id, path FROM folders ORDER BY path")
        return [Folder(row["id"], Path(row["path"])) for row in rows]

    def add(self, path: Path) -> Folder:
        """Add a folder; a folder inside one already added is covered by it and not added twice.

        Adding a parent of folders already added takes them over (their photos move to it).
        """
        path = Path(path)
        for folder in self.list():
            if path == folder.path or folder.path in path.parents:
                return folder
        with self._db.write() as db:
            folder_id = db.execute(
                "INSERT INTO folders (path, added_at) VALUES (?, ?)", (str(path), _now())
            ).lastrowid
            for child in self.list():
                if path in child.path.parents:
                    db.execute("UPDATE photos SET folder_id = ? WHERE folder_id = ?", (folder_id, child.id))
                    db.execute("DELETE FROM folders WHERE id = ?", (child.id,))
        return Folder(folder_id, path)

    def find(self, path: Path) -> Folder | None:
        return next((f for f in self.list() if f.path == Path(path)), None)

    def remove(self, folder: Folder) -> list[int]:
        """Forget a folder and its photos (the files are untouched); returns the photo ids removed."""
        with self._db.write() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM photos WHERE folder_id = ?", (folder.id,))]
            db.execute("DELETE FROM folders WHERE id = ?", (folder.id,))
        return ids

    def covering(self, path: Path) -> Folder | None:
        """The library folder that contains `path`, if any."""
        path = Path(path)
        for folder in self.list():
            if path == folder.path or folder.path in path.parents:
                return folder
        return None


class PhotoRepository:
    def __init__(self, database: Database):
        self._db = database

    # --- reads -------------------------------------------------------------------------------

    def known_files(self, under: Path) -> dict[str, KnownFile]:
        """Every photo whose path is `under` or inside it, keyed by path."""
        prefix = str(under).rstrip("/\\")
        rows = self._db.query(
            """
            SELECT p.id, p.path, p.size, p.mtime_ns, p.status, p.content_hash,
                   (SELECT group_concat(e.model_id, char(10)) FROM embeddings e WHERE e.photo_id = p.id)
                   AS vector_models
            FROM photos p
            WHERE p.path = ? OR substr(p.path, 1, ?) IN (?, ?)
            """,
            (prefix, len(prefix) + 1, prefix + "/", prefix + "\\"),
        )
        return {
            row["path"]: KnownFile(
                row["id"], row["path"], row["size"], row["mtime_ns"], row["status"], row["content_hash"],
                frozenset((row["vector_models"] or "").split("\n")) - {""},
            )
            for row in rows
        }

    def get(self, photo_id: int) -> PhotoRecord | None:
        rows = self._db.query(f"SELECT id, {', '.join(_PHOTO_COLUMNS)} FROM photos WHERE id = ?", (photo_id,))
        return PhotoRecord(**dict(rows[0])) if rows else None

    def by_path(self, path: str | Path) -> PhotoRecord | None:
        rows = self._db.query(f"SELECT id, {', '.join(_PHOTO_COLUMNS)} FROM photos WHERE path = ?", (str(path),))
        return PhotoRecord(**dict(rows[0])) if rows else None

    def paths(self, ids: Iterable[int]) -> dict[int, str]:
        return {r["id"]: r["path"] for r in execute_in(self._db.query, "SELECT id, path FROM photos WHERE id IN ({marks})", ids)}

    def paths_of_size(self, size: int) -> list[str]:
        """Paths of the photos of exactly this many bytes (candidates for "the same file")."""
        return [r[0] for r in self._db.query("SELECT path FROM photos WHERE size = ?", (size,))]

    def counts(self) -> dict[str, int]:
        rows = self._db.query("SELECT status, count(*) AS n FROM photos GROUP BY status")
        return {row["status"]: row["n"] for row in rows}

    def errors(self) -> list[PhotoRecord]:
        rows = self._db.query(
            f"SELECT id, {', '.join(_PHOTO_COLUMNS)} FROM photos WHERE status = 'error' ORDER BY path"
        )
        return [PhotoRecord(**dict(row)) for row in rows]

    def ok_photo_ids(self) -> list[int]:
        return [r[0] for r in self._db.query("SELECT id FROM photos WHERE status = 'ok'")]

    # --- writes (callers wrap them in Database.write()) ---------------------------------------

    @staticmethod
    def save(db, record: PhotoRecord) -> int:
        """Insert or replace the row for record.path; keeps the id (and so the vectors) of a known path."""
        values = [getattr(record, c) for c in _PHOTO_COLUMNS] + [_now()]
        columns = _PHOTO_COLUMNS + ["indexed_at"]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "path")
        row = db.execute(
            f"""INSERT INTO photos ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})
                ON CONFLICT(path) DO UPDATE SET {updates} RETURNING id""",
            values,
        ).fetchone()
        # Its GPS position may have changed: the place is looked up again from the new one.
        db.execute("DELETE FROM photo_places WHERE photo_id = ?", (row[0],))
        return row[0]

    @staticmethod
    def move(db, photo_id: int, new_path: str, folder_id: int, size: int, mtime_ns: int) -> None:
        db.execute(
            "UPDATE photos SET path = ?, folder_id = ?, size = ?, mtime_ns = ? WHERE id = ?",
            (new_path, folder_id, size, mtime_ns, photo_id),
        )

    @staticmethod
    def touch(db, photo_id: int, size: int, mtime_ns: int) -> None:
        """Same content, new file time (e.g. `touch`, or a copy over itself): nothing to redo."""
        db.execute("UPDATE photos SET size = ?, mtime_ns = ? WHERE id = ?", (size, mtime_ns, photo_id))

    @staticmethod
    def delete(db, photo_ids: list[int]) -> None:
        execute_in(db.execute, "DELETE FROM photos WHERE id IN ({marks})", photo_ids)
