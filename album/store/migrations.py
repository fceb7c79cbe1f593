"""Versioned schema migrations, recorded by name in the database they were applied to.

Append new migrations to MIGRATIONS; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Callable

import sqlite_utils

from album.errors import LibraryError

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]


class MigrationError(LibraryError):
    """A migration's SQL cannot be run as written."""


def _run_statements(db: sqlite_utils.Database, script: str) -> None:
    # Not executescript(): it COMMITs first, which would break the migration's transaction.
    # complete_statement() knows SQL comments and strings, so a ';' inside them is safe.
    statement = ""
    for line in (script.rstrip().rstrip(";") + ";").splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    leftover = [line for line in statement.splitlines() if line.strip() and not line.strip().startswith("--")]
    if leftover:  # e.g. a last statement whose ';' was swallowed by a trailing comment
        raise MigrationError(f"unterminated SQL statement in a migration: {statement.strip()[:200]}")


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
            taken_at_source TEXT,    -- 'exif' or 'file' (modification time); more since 0008_metadata
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


def _services_schema(db: sqlite_utils.Database) -> None:
    """Tables of the services users come for: labels and tags, albums, duplicates, trash."""
    _run_statements(
        db,
        """
        CREATE TABLE labels (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,       -- the user's words: 'beach', 'my dog', 'receipts'
            prompts TEXT,                    -- JSON list of prompts; NULL: the default templates
            threshold REAL,                  -- NULL: the calibrated default
            created_at TEXT NOT NULL
        );
        CREATE TABLE tags (
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            score REAL,                      -- zero-shot score for 'auto', NULL for 'manual'
            source TEXT NOT NULL CHECK (source IN ('auto', 'manual')),
            hidden INTEGER NOT NULL DEFAULT 0,  -- 1: the user removed this tag; auto must not re-add it
            PRIMARY KEY (photo_id, tag)
        ) WITHOUT ROWID;
        CREATE INDEX tags_tag ON tags(tag);
        CREATE TABLE albums (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('manual', 'smart')),
            query TEXT,                      -- smart albums: JSON of the saved query
            created_at TEXT NOT NULL
        );
        CREATE TABLE album_photos (
            album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            added_at TEXT NOT NULL,
            PRIMARY KEY (album_id, photo_id)
        ) WITHOUT ROWID;
        CREATE TABLE photo_places (
            photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
            city TEXT,                       -- reverse-geocoded offline from gps_lat/gps_lon
            region TEXT,                     -- first-level division: 'Tuscany', 'Île-de-France'
            country TEXT,
            country_code TEXT
        );
        CREATE TABLE perceptual_hashes (
            content_hash TEXT PRIMARY KEY,   -- keyed by content: copies and renames share it
            phash INTEGER NOT NULL           -- 64-bit DCT hash of the upright picture
        ) WITHOUT ROWID;
        CREATE TABLE not_duplicates (
            hash_a TEXT NOT NULL,            -- content hashes, hash_a < hash_b: survives renames
            hash_b TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (hash_a, hash_b)
        ) WITHOUT ROWID;
        CREATE TABLE trash_journal (
            id INTEGER PRIMARY KEY,
            action_id TEXT NOT NULL,         -- one user action (undo restores all its files)
            original_path TEXT NOT NULL,
            content_hash TEXT,
            trashed_at TEXT NOT NULL,
            restored_at TEXT
        );
        CREATE INDEX trash_journal_action ON trash_journal(action_id)
        """,
    )


def _trash_keeps_user_state(db: sqlite_utils.Database) -> None:
    """What the user gave a trashed photo (manual and hidden tags, album places) comes back on undo."""
    _run_statements(
        db,
        """
        ALTER TABLE trash_journal ADD COLUMN kept TEXT;  -- JSON: {"tags": [...], "albums": [...]}
        """,
    )


def _metadata(db: sqlite_utils.Database) -> None:
    """Capture times keep their offset from UTC; taken_at_source gains 'xmp', 'iptc', 'maker' and
    'exif-modified' (EXIF DateTime, the last edit) next to 'exif' and 'file'. Perceptual hashes
    gain two tighter centres (album/media/perceptual.py's zoom_hashes) for copies cropped a few
    percent a side; NULL in older rows until the duplicate finder needs them."""
    _run_statements(
        db,
        """
        ALTER TABLE photos ADD COLUMN taken_at_offset TEXT;  -- '+02:00'; NULL when the file does not say
        ALTER TABLE perceptual_hashes ADD COLUMN phash_inner INTEGER;  -- the centre at 10% and 14%
        ALTER TABLE perceptual_hashes ADD COLUMN phash_core INTEGER;   -- borders: crop_distance
        """,
    )


def _faces(db: sqlite_utils.Database) -> None:
    """People: faces found in photos, the persons they are grouped into, and the user's decisions."""
    _run_statements(
        db,
        """
        CREATE TABLE persons (
            id INTEGER PRIMARY KEY,
            name TEXT,                       -- NULL until the user names them
            hidden INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE INDEX persons_name ON persons(name COLLATE NOCASE);
        CREATE TABLE faces (
            id INTEGER PRIMARY KEY,
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            content_hash TEXT NOT NULL,      -- of the photo: the face's thumbnail and decisions are keyed by it
            ordinal INTEGER NOT NULL,        -- 0 = the largest face in the photo
            box_left REAL NOT NULL,          -- fractions of the upright image
            box_top REAL NOT NULL,
            box_right REAL NOT NULL,
            box_bottom REAL NOT NULL,
            score REAL NOT NULL,             -- the detector's confidence
            quality REAL NOT NULL,           -- 0-1 from face size and the 5 landmarks' geometry
            descriptor BLOB NOT NULL,        -- float32 [128], dlib ResNet v1
            person_id INTEGER REFERENCES persons(id) ON DELETE SET NULL,
            assigned_by TEXT NOT NULL DEFAULT 'auto' CHECK (assigned_by IN ('auto', 'user')),
            rejected TEXT                    -- JSON list of person ids the user said this face is not
        );
        CREATE INDEX faces_photo ON faces(photo_id);
        CREATE INDEX faces_person ON faces(person_id);
        CREATE TABLE face_scans (
            photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
            content_hash TEXT NOT NULL,      -- the content scanned: a changed photo is scanned again
            faces INTEGER NOT NULL,
            error TEXT,
            scanned_at TEXT NOT NULL
        );
        CREATE TABLE face_decisions (
            id INTEGER PRIMARY KEY,
            content_hash TEXT NOT NULL,      -- by content and box, not face id: survives rescans,
            box_left REAL NOT NULL,          -- re-indexing, moves and a trip through the trash
            box_top REAL NOT NULL,
            box_right REAL NOT NULL,
            box_bottom REAL NOT NULL,
            person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
            verdict TEXT NOT NULL CHECK (verdict IN ('is', 'is_not')),
            decided_at TEXT NOT NULL
        );
        CREATE INDEX face_decisions_hash ON face_decisions(content_hash)
        """,
    )


def _relevance(db: sqlite_utils.Database) -> None:
    """Each photo's relevance baseline per model (services/search/relevance.py): how well the photo matches
    its own best concepts, computed once from its vector so a search never reads vectors to cut."""
    _run_statements(
        db,
        """
        CREATE TABLE relevance_baselines (
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            model_id TEXT NOT NULL,
            concepts TEXT NOT NULL,  -- which vocabulary and model weights made it; another: recompute
            baseline REAL NOT NULL,  -- cosine units of that model
            PRIMARY KEY (photo_id, model_id)
        ) WITHOUT ROWID;
        -- A new or removed vector makes its baseline stale; the next fill recomputes it.
        CREATE TRIGGER relevance_baselines_new_vector AFTER INSERT ON embeddings BEGIN
            DELETE FROM relevance_baselines WHERE photo_id = NEW.photo_id AND model_id = NEW.model_id;
        END;
        CREATE TRIGGER relevance_baselines_gone_vector AFTER DELETE ON embeddings BEGIN
            DELETE FROM relevance_baselines WHERE photo_id = OLD.photo_id AND model_id = OLD.model_id;
        END;
        """,
    )


def _events(db: sqlite_utils.Database) -> None:
    """Events and trips: albums of kind 'event' that album finds and keeps current itself, and
    the user's decisions about them (renamed, merged, split, hidden), kept by content hash."""
    # The kind CHECK cannot be altered in place: rebuild `albums`. Dropping a table runs an
    # implicit DELETE whose ON DELETE CASCADE would empty album_photos, so the memberships are
    # set aside first and put back into a new album_photos pointing at the new table.
    referencing = [
        row[0] for row in db.execute(
            """SELECT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f
               WHERE m.type = 'table' AND f."table" = 'albums' AND m.name != 'album_photos'"""
        ).fetchall()
    ]
    if referencing:  # a later table this rebuild would empty through its cascade: handle it here too
        raise RuntimeError(f"0007_events must carry the rows of {referencing} across the albums rebuild")
    _run_statements(
        db,
        """
        CREATE TABLE albums_new (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('manual', 'smart', 'event')),
            query TEXT,                      -- smart albums: JSON of the saved query
            created_at TEXT NOT NULL
        );
        INSERT INTO albums_new (id, name, kind, query, created_at) SELECT id, name, kind, query, created_at FROM albums;
        CREATE TEMP TABLE album_photos_kept AS SELECT album_id, photo_id, added_at FROM album_photos;
        DROP TABLE album_photos;
        DROP TABLE albums;
        ALTER TABLE albums_new RENAME TO albums;
        CREATE TABLE album_photos (
            album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            added_at TEXT NOT NULL,
            PRIMARY KEY (album_id, photo_id)
        ) WITHOUT ROWID;
        INSERT INTO album_photos (album_id, photo_id, added_at) SELECT album_id, photo_id, added_at FROM album_photos_kept;
        DROP TABLE temp.album_photos_kept;
        CREATE INDEX album_photos_photo ON album_photos(photo_id);
        CREATE TABLE events (
            album_id INTEGER PRIMARY KEY REFERENCES albums(id) ON DELETE CASCADE,
            away INTEGER NOT NULL,           -- 1: a trip away from home; 0: an event at home (or no GPS)
            starts_at TEXT NOT NULL,         -- capture times (local, ISO) of its first and last photo
            ends_at TEXT NOT NULL,
            title TEXT NOT NULL,             -- the title album gave it (the album name unless renamed)
            places TEXT,                     -- JSON list of the place names in the title
            cover_photo_id INTEGER REFERENCES photos(id) ON DELETE SET NULL,
            photo_count INTEGER NOT NULL
        );
        CREATE INDEX events_starts_at ON events(starts_at);
        CREATE TABLE event_decisions (
            id INTEGER PRIMARY KEY,          -- applied in this order: later decisions win
            action TEXT NOT NULL CHECK (action IN ('rename', 'hide', 'merge', 'split')),
            hashes TEXT NOT NULL,            -- JSON list of the content hashes of the event(s) meant
            anchor TEXT,                     -- split: content hash of the first photo of the new event
            value TEXT,                      -- rename: the new name; hide: the title it had
            decided_at TEXT NOT NULL
        )
        """,
    )


def _tags_by_name(db: sqlite_utils.Database) -> None:
    """Tags are matched by name case-insensitively (a tag filter, and search showing the photos
    tagged with the query's words): an index in that collation keeps it a lookup, not a scan of
    every photo (~40 ms a query at 100k photos)."""
    _run_statements(db, "CREATE INDEX tags_tag_nocase ON tags(tag COLLATE NOCASE, hidden);")


def _capture_checks(db: sqlite_utils.Database) -> None:
    """Whether two photos are one capture (album/media/capture_match.py): measured on first need
    by the duplicate finder for pairs its hashes call "the same photo", and kept, as the
    perceptual hashes are, by content."""
    _run_statements(
        db,
        """
        CREATE TABLE capture_checks (
            hash_a TEXT NOT NULL,            -- content hashes, hash_a < hash_b; b is lined up on a
            hash_b TEXT NOT NULL,
            method INTEGER NOT NULL,         -- capture_match.METHOD that measured it: others are redone
            aligned INTEGER NOT NULL,        -- 0: b could not be lined up on a (not one capture)
            agreement REAL NOT NULL,         -- lowest correlation of their detail over the patches
            patches INTEGER NOT NULL,        -- patches with detail that were compared
            PRIMARY KEY (hash_a, hash_b)
        ) WITHOUT ROWID;
        """,
    )


MIGRATIONS: list[Migration] = [
    ("0001_initial_schema", _initial_schema),
    ("0002_services", _services_schema),
    ("0003_trash_keeps_user_state", _trash_keeps_user_state),
    ("0005_relevance", _relevance),
    ("0006_faces", _faces),
    ("0007_events", _events),
    ("0008_metadata", _metadata),
    ("0009_tags_by_name", _tags_by_name),
    ("0010_capture_checks", _capture_checks),
]


def pending_migrations(db: sqlite_utils.Database, migrations: list[Migration]) -> list[str]:
    """The migrations a library still needs (all of them for a file that has none recorded)."""
    if "schema_migrations" not in db.table_names():
        return [name for name, _ in migrations]
    done = {row[0] for row in db.execute("SELECT name FROM schema_migrations").fetchall()}
    return [name for name, _ in migrations if name not in done]


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
