"""Opening the library database: pragmas, one writer, reader connections, migrations."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

import sqlite_utils

from album.errors import LibraryDiskFull, LibraryError, LibraryReadOnly
from album.disk_space import disk_full, is_disk_full
from album.store.migrations import MIGRATIONS, apply_migrations, pending_migrations
from album.store.stored_text import from_stored, to_stored

# Text goes in through `to_stored`, whatever the statement: a file name that is not valid UTF-8
# (a str with surrogate escapes) is refused by the driver otherwise. An adapter for str is the
# driver's one hook for every bound value (it is process-wide; for any text without surrogates
# it returns the text itself, so other SQLite users in the process see no difference).
sqlite3.register_adapter(str, to_stored)


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return _connect_read_only(path)
    # isolation_level=None: no implicit transactions; every write batch opens its own with
    # `Database.write()`, so a crash can only lose the batch in flight, never half of one.
    conn = sqlite3.connect(f"file:{path}", uri=True, isolation_level=None, check_same_thread=False, timeout=30)
    conn.text_factory = from_stored  # the other half of to_stored: names come back as stored
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes, for a library on a read-only disk or folder.

    A WAL database opened read-only needs its -shm file, which SQLite cannot create in a folder
    it may not write; then the file is opened as immutable (nobody can change it there either).
    """
    def opened(uri: str) -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30)
        conn.text_factory = from_stored
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the open itself is lazy
        except sqlite3.OperationalError:
            conn.close()
            raise
        return conn

    try:
        return opened(f"file:{path}?mode=ro")
    except sqlite3.OperationalError:
        return opened(f"file:{path}?mode=ro&immutable=1")


class Database:
    """The library's SQLite file.

    All writes go through `write()`, which serialises writers on one connection (WAL lets readers
    on other connections carry on meanwhile). Threads that only read, such as the GUI, take their
    own connection from `reader()`.
    """

    def __init__(self, path: Path, *, read_only: LibraryReadOnly | None = None):
        """`read_only`: the library cannot be written (the error to raise when something tries):
        the database is opened read-only and every `write()` raises it."""
        self.path = Path(path)
        self.read_only = read_only
        try:
            conn = _connect(self.path, read_only=read_only is not None)
            if read_only is None:
                conn.execute("PRAGMA journal_mode = WAL")
                # NORMAL is durable across application crashes in WAL mode; only an OS crash or
                # power loss can drop the last commits, which the next scan simply redoes.
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"cannot open the library database {self.path}: {exc}") from exc
        self.db = sqlite_utils.Database(conn)
        self._write_lock = threading.RLock()
        with self._write_lock:
            if read_only is None:
                apply_migrations(self.db, MIGRATIONS)
            elif pending_migrations(self.db, MIGRATIONS):
                raise LibraryReadOnly(f"{read_only} The library was made by an older album and needs "
                                      "an upgrade, which cannot be written there")

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One transaction on the writer connection; commits on success, rolls back on error.

        The outermost block begins IMMEDIATE: it takes the write lock up front (waiting up to the
        busy timeout for another process's writer, e.g. `album watch`). A deferred transaction
        that read first could not wait: upgrading to a write after another process committed
        fails at once with "database is locked". Nested blocks are savepoints.
        """
        if self.read_only is not None:
            raise self.read_only
        with self._write_lock:
            if self.conn.in_transaction:
                with self.db.atomic():
                    yield self.db
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if is_disk_full(exc) and not isinstance(exc, LibraryDiskFull):
                    raise disk_full(self.path.parent) from exc
                raise
            try:
                self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if is_disk_full(exc):
                    raise disk_full(self.path.parent) from exc
                raise

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Run a read on the writer connection (serialised with writes: always sees them)."""
        with self._write_lock:
            cursor = self.conn.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()

    def reader(self) -> sqlite_utils.Database:
        """A new connection for a thread that only reads; the caller closes it."""
        return sqlite_utils.Database(_connect(self.path, read_only=self.read_only is not None))

    def integrity_ok(self) -> bool:
        return self.query("PRAGMA integrity_check")[0][0] == "ok"

    def close(self) -> None:
        with self._write_lock:
            if self.read_only is None:
                with contextlib.suppress(sqlite3.Error):
                    # Fold the WAL back into the main file so a closed library is one tidy file.
                    self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.close()
