"""`... IN (?, ?, ...)` over any number of values, in chunks.

SQLite caps the parameters of one statement (999 in builds before 3.32), so a list of ids of
any length is sent a chunk at a time. One helper, so every caller chunks the same way.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Sequence

CHUNK = 500  # values per statement: well under the cap, with room for a few other parameters


def rows_in_chunks(execute: Callable[..., Any], sql: str, values: Iterable[Any], params: Sequence[Any] = (),
                   *, after: Sequence[Any] = ()) -> Iterator[list]:
    """Run `sql` once per chunk of `values`, yielding each chunk's rows (memory stays bounded).

    `sql` holds `{marks}` where the placeholders go (`WHERE id IN ({marks})`); `params` are bound
    before the chunk's values and `after` behind them. `execute` is `Database.query`, or
    `execute` of a connection (e.g. inside `Database.write()`); a statement that returns no
    rows (a DELETE) yields []. No values: nothing is run.
    """
    values = list(values)
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        result = execute(sql.replace("{marks}", ",".join("?" * len(chunk))), (*params, *chunk, *after))
        yield result if isinstance(result, list) else result.fetchall()


def execute_in(execute: Callable[..., Any], sql: str, values: Iterable[Any], params: Sequence[Any] = (),
               *, after: Sequence[Any] = ()) -> list:
    """`rows_in_chunks`, all the rows in one list."""
    return [row for rows in rows_in_chunks(execute, sql, values, params, after=after) for row in rows]
