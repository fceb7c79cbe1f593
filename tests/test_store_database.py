"""The library database: one writer transaction at a time, across processes too."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from album.store.database import Database


def test_a_write_that_reads_first_waits_for_another_processes_writer(tmp_path):
    # `album watch` in one process and the GUI in another both write the same library. A write
    # block that reads before it writes must wait for the other writer, not fail with
    # "database is locked" because its snapshot went stale while it waited.
    db = Database(tmp_path / "library.db")
    db.conn.execute("CREATE TABLE counter (n INTEGER)")
    db.conn.execute("INSERT INTO counter VALUES (0)")
    other = sqlite3.connect(tmp_path / "library.db", isolation_level=None, timeout=30, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE counter SET n = n + 1")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        with db.write() as w:
            n = w.conn.execute("SELECT n FROM counter").fetchone()[0]
            w.conn.execute("UPDATE counter SET n = ?", (n + 1,))
    finally:
        release.join()
        other.close()
    # Both increments count: the block waited for the other writer and read after its commit.
    assert db.query("SELECT n FROM counter")[0][0] == 2
    db.close()


def test_a_failed_write_block_leaves_nothing_and_nested_blocks_are_savepoints(tmp_path):
    db = Database(tmp_path / "library.db")
    db.conn.execute("CREATE TABLE t (n INTEGER)")
    with pytest.raises(RuntimeError):
        with db.write() as w:
            w.conn.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
    with db.write() as w:
        w.conn.execute("INSERT INTO t VALUES (2)")
        with pytest.raises(RuntimeError):
            with db.write() as inner:
                inner.conn.execute("INSERT INTO t VALUES (3)")
                raise RuntimeError("inner")
    assert [r[0] for r in db.query("SELECT n FROM t")] == [2]
    assert not db.conn.in_transaction
    db.close()
