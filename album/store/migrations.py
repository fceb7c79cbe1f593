"""Versioned schema migrations, recorded by name in the database they were applied to.

Append new migrations to MIGRATIONS; never edit one that has shipped.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import sqlite_utils

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]


def _run_statements(db: sqlite_utils.Database, script: str) -> None:
    # Not executescript(): it COMMITs first, which would break the migration's transaction.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _initial_schema(db: sqlite_utils.Database) -> None:
    _run_statements(
        db,
        """
        CREATE TABLE folders (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            added_at TEXT NOT NULL
        );
        CREATE TABLE photos (
            id INTEGER PRIMARY KEY,
            folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            path TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            content_hash TEXT,
            format TEXT,
            width INTEGER,
            height INTEGER,
            taken_at TEXT,           -- ISO 8601, local time as the camera recorded it
            taken_at_source TEXT,    -- 'exif' or 'file' (modification time)
            gps_lat REAL,
            gps_lon REAL,
            camera_make TEXT,
            camera_model TEXT,
            status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
            error TEXT,              -- why the file could not be read, when status = 'error'
            warnings TEXT,           -- non-fatal notes, e.g. unreadable EXIF
            indexed_at TEXT NOT NULL
        );
        CREATE INDEX photos_folder ON photos(folder_id);
        CREATE INDEX photos_hash ON photos(content_hash);
        CREATE INDEX photos_taken_at ON photos(taken_at);
        CREATE TABLE embeddings (
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            model_id TEXT NOT NULL,
            vector BLOB NOT NULL,    -- float32, L2-normalised
            PRIMARY KEY (photo_id, model_id)
        ) WITHOUT ROWID;
        CREATE INDEX embeddings_model ON embeddings(model_id);
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )


MIGRATIONS: list[Migration] = [
    ("0001_initial_schema", _initial_schema),
]


def apply_migrations(db: sqlite_utils.Database, migrations: list[Migration]) -> list[str]:
    """Apply, in order, each migration not yet recorded; each in its own transaction."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, migrate in migrations:
        if name in done:
            continue
        with db.atomic():
            migrate(db)
            db.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )
        applied.append(name)
    return applied
