"""Every script's pattern and waste sums, kept up to date on import, so `asba history --patterns` and
`asba insights --efficiency` read a few thousand rows instead of going over every job.

Each write to the jobs table notes the script names it touched (table script_dirty, asba.history.store).
`refresh` computes each noted name again from that name's runs only (the jobs_script index) and stores the
JSON of its Pattern (NULL below 2 finished runs) and of its waste sums (asba.history.wastes.script_sums).
The summaries are of the grouping by script name, the one both commands use while no job is tied to a script
hash (``--track-history``); with tracked jobs, or a --days / --user filter, they are computed from the jobs as
before. Stored figures are the computed ones exactly (JSON keeps every float as it was).
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import fields
from operator import itemgetter

from asba.history.patterns import MIN_RUNS, RUN_FIELDS, Pattern, compute
from asba.history.wastes import FIELDS as WASTE_FIELDS
from asba.history.wastes import ORDER_FIELDS, WasteTally, combine, script_sums

NAMES_PER_WRITE = 100  # names computed per write transaction: a few tenths of a second on a million jobs
SCAN_MMAP_BYTES = 1 << 30  # runs are read in index order from all over the table: mapped pages cost no read()
# The columns read per run: the pattern's, then what the waste sums need besides.
_COLUMNS = RUN_FIELDS + tuple(c for c in (*WASTE_FIELDS, *ORDER_FIELDS) if c not in RUN_FIELDS)
_NAME = _COLUMNS.index("script_name")
_waste_view = itemgetter(*(_COLUMNS.index(c) for c in (*WASTE_FIELDS, *ORDER_FIELDS)))
# The shape of what is stored: a Pattern with other fields makes every stored summary out of date.
FORMAT = zlib.crc32(",".join([f.name for f in fields(Pattern)] + list(WASTE_FIELDS) + ["1"]).encode())


def _runs_sql(names: int) -> str:
    return (f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE script_name IN ({', '.join('?' * names)}) "
            "ORDER BY script_name, submit_ts, rowid")


def ready(conn: sqlite3.Connection) -> bool:
    """True when the summaries answer for the whole history: no job is tied to a script hash, they are of
    this asba's format, and no noted name waits to be computed again (an import or a sync computes them;
    a read never writes, so otherwise the caller goes over the jobs itself)."""
    if conn.execute("SELECT 1 FROM submissions LIMIT 1").fetchone() is not None:
        return False
    row = conn.execute("SELECT value FROM history_meta WHERE key = 'script_summary_format'").fetchone()
    if row is None or row[0] != FORMAT:
        return False
    return conn.execute("SELECT 1 FROM script_dirty LIMIT 1").fetchone() is None and _intact(conn)


def _intact(conn: sqlite3.Connection) -> bool:
    """Every stored body is the JSON asba wrote (a damaged one sends the reader to the jobs themselves)."""
    try:
        for pattern, wastes in conn.execute("SELECT pattern, wastes FROM script_summary"):
            if pattern is not None:
                Pattern(**json.loads(pattern))
            if wastes is not None and not isinstance(json.loads(wastes), dict):
                return False
    except (ValueError, TypeError):
        return False
    return True


def _check_format(conn: sqlite3.Connection) -> None:
    row = conn.execute("SELECT value FROM history_meta WHERE key = 'script_summary_format'").fetchone()
    if row is not None and row[0] == FORMAT:
        return
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT OR IGNORE INTO script_dirty (name) SELECT DISTINCT script_name FROM jobs")
    conn.execute("INSERT INTO history_meta (key, value) VALUES ('script_summary_format', ?) ON CONFLICT (key) "
                 "DO UPDATE SET value = excluded.value", (FORMAT,))
    conn.execute("COMMIT")


def refresh(conn: sqlite3.Connection) -> int:
    """Compute the noted names again; returns how many. A short write transaction per NAMES_PER_WRITE names,
    so an import running beside it waits a moment, not the whole refresh."""
    _check_format(conn)
    names = [row[0] for row in conn.execute("SELECT name FROM script_dirty ORDER BY name")]
    conn.execute(f"PRAGMA mmap_size={SCAN_MMAP_BYTES}")
    try:
        for start in range(0, len(names), NAMES_PER_WRITE):
            _refresh_names(conn, names[start:start + NAMES_PER_WRITE])
    finally:
        conn.execute("PRAGMA mmap_size=0")
    return len(names)


def _refresh_names(conn: sqlite3.Connection, names: list[str]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        found: dict[str, tuple[str | None, str | None]] = dict.fromkeys(names, (None, None))
        for name, group in itertools.groupby(conn.execute(_runs_sql(len(names)), names), itemgetter(_NAME)):
            runs = list(group)
            pattern = compute(name, "", runs) if len(runs) >= MIN_RUNS else None
            found[name] = (None if pattern is None else json.dumps(pattern.as_dict(), ensure_ascii=False),
                           json.dumps(script_sums([_waste_view(r) for r in runs]), ensure_ascii=False))
        conn.executemany("INSERT INTO script_summary (name, pattern, wastes) VALUES (?, ?, ?) ON CONFLICT (name) "
                         "DO UPDATE SET pattern = excluded.pattern, wastes = excluded.wastes",
                         [(name, *bodies) for name, bodies in found.items()])
        conn.executemany("DELETE FROM script_dirty WHERE name = ?", [(name,) for name in names])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def cached_patterns(conn: sqlite3.Connection) -> Iterator[Pattern]:
    """The stored patterns in script-name order (the order all_patterns yields them), one at a time."""
    for (body,) in conn.execute("SELECT pattern FROM script_summary WHERE pattern IS NOT NULL AND trim(name) != '' "
                                "ORDER BY name"):  # unnamed jobs are never one script (issue 21, item 8)
        yield Pattern(**json.loads(body))


def cached_wastes(conn: sqlite3.Connection) -> WasteTally:
    """The whole history's waste tally, put together from every script's stored sums."""
    rows = conn.execute("SELECT name, wastes FROM script_summary WHERE wastes IS NOT NULL")
    return combine((name, json.loads(body)) for name, body in rows)
