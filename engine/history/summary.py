"""Summaries of the whole history that `asba explain` reads without scanning it, kept up to date on import.

A summary is stored with the history's generation (asba.history.store.generation: every transaction that
changes jobs counts it up). Import and sync refresh the summaries once they have written; a reader that finds
one older than the history (another program wrote jobs) computes it afresh and stores it for the next reader.
The figures are exactly what a scan gives: the summary is the scan's answer, remembered.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections.abc import Callable

from asba.history.store import generation

# The median of elapsed / time limit over every finished job with both known (the queue model's runtime ratio).
RUNTIME_RATIO = "runtime_to_limit_ratio"
_RATIO_WHERE = "time_limit_s > 0 AND elapsed_s > 0 AND end_ts IS NOT NULL"
_RATIO_SQL = f"SELECT CAST(elapsed_s AS REAL) / time_limit_s AS ratio FROM jobs WHERE {_RATIO_WHERE}"


def median_sql(conn: sqlite3.Connection, values_sql: str, params: list) -> tuple[float | None, int]:
    """statistics.median (3 decimals) over a query's one column, and the number of values. (Letting SQLite
    sort them instead, ORDER BY ... LIMIT 2 OFFSET n/2, is 4x slower on a million jobs.)"""
    values = [row[0] for row in conn.execute(values_sql, params)]
    return (round(statistics.median(values), 3) if values else None), len(values)


def runtime_ratio(conn: sqlite3.Connection, user: str | None = None,
                  since_epoch: int | None = None) -> tuple[float | None, int]:
    """Median elapsed / time limit (3 decimals) and the number of jobs; the whole history's from its summary."""
    if user is None and since_epoch is None:
        value, jobs = _summary(conn, RUNTIME_RATIO)
        return value, jobs
    sql, params = _RATIO_SQL, list[object]()
    if user:
        sql += " AND user = ?"
        params.append(user)
    if since_epoch is not None:
        sql += " AND submit_ts >= ?"
        params.append(since_epoch)
    return median_sql(conn, sql, params)


SUMMARIES: dict[str, Callable[[sqlite3.Connection], tuple]] = {
    RUNTIME_RATIO: lambda conn: median_sql(conn, _RATIO_SQL, []),
}


def refresh(conn: sqlite3.Connection) -> None:
    """Bring every summary up to the history's generation (after an import or a sync)."""
    for name in SUMMARIES:
        _summary(conn, name, remember=True)


def _summary(conn: sqlite3.Connection, name: str, remember: bool = False) -> tuple:
    """The stored summary when it is as new as the history, else computed now (in one read transaction, so
    the generation and the figures agree); stored for the next reader only by a write path (`remember`):
    a read never writes to the history."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        current = generation(conn)
        row = conn.execute("SELECT generation, body FROM summaries WHERE name = ?", (name,)).fetchone()
        if row is not None and row[0] == current:
            cached = _cached(row[1])
            if cached is not None:
                return cached
        value = SUMMARIES[name](conn)
    finally:
        if own:
            conn.execute("COMMIT")
    if remember:
        _store(conn, name, current, value)
    return value


def _cached(body: object) -> tuple | None:
    """A stored summary's figures; None when the row is not what asba wrote (computed again then)."""
    try:
        value = json.loads(body)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None
    return tuple(value) if isinstance(value, list) else None


def _store(conn: sqlite3.Connection, name: str, at: int, value: tuple) -> None:
    """Remember a summary computed at generation `at` (a newer one already stored is kept). A history this
    process may not write to (read-only file, locked past the busy timeout) is simply not remembered."""
    try:
        conn.execute("INSERT INTO summaries (name, generation, body) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE "
                     "SET generation = excluded.generation, body = excluded.body "
                     "WHERE summaries.generation <= excluded.generation", (name, at, json.dumps(list(value))))
    except sqlite3.OperationalError:
        pass
