"""The one chunked `IN (...)` helper, on a real SQLite file."""

import sqlite3

from album.store.chunks import CHUNK, execute_in, rows_in_chunks
from album.store.database import Database


def test_execute_in_reads_every_row_in_chunks_with_parameters_around_the_list(tmp_path):
    database = Database(tmp_path / "library.db")
    with database.write() as db:
        db.execute("CREATE TABLE numbers (n INTEGER PRIMARY KEY, kind TEXT, weight INTEGER)")
        db.conn.executemany("INSERT INTO numbers VALUES (?, ?, ?)",
                            [(n, "even" if n % 2 == 0 else "odd", n % 7) for n in range(3 * CHUNK + 17)])
    wanted = list(range(0, 3 * CHUNK + 17, 1))
    rows = execute_in(database.query, "SELECT n FROM numbers WHERE kind = ? AND n IN ({marks}) AND weight < ?",
                      wanted, ("even",), after=(3,))
    assert sorted(r[0] for r in rows) == [n for n in wanted if n % 2 == 0 and n % 7 < 3]
    assert [len(chunk) for chunk in rows_in_chunks(database.query, "SELECT n FROM numbers WHERE n IN ({marks})",
                                                   wanted)] == [CHUNK, CHUNK, CHUNK, 17]
    assert execute_in(database.query, "SELECT n FROM numbers WHERE n IN ({marks})", []) == []
    with database.write() as db:  # a connection's execute (cursors), and a DELETE ... RETURNING
        gone = execute_in(db.execute, "DELETE FROM numbers WHERE n IN ({marks}) RETURNING n", range(CHUNK + 5))
    assert sorted(r[0] for r in gone) == list(range(CHUNK + 5))
    assert database.query("SELECT count(*) FROM numbers")[0][0] == 2 * CHUNK + 12
    database.close()
    assert sqlite3.connect(tmp_path / "library.db").execute("SELECT min(n) FROM numbers").fetchone()[0] == CHUNK + 5
