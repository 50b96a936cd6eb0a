"""The embedded example of decision outcomes (knowledge/example-outcomes/, written by
examples/history/make_outcomes.py): logged decisions of the example scripts and the jobs that followed them,
loaded into an in-memory database when the user's decision log is still empty, and labelled as such."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from asba.audit.log import COLUMNS

LABEL = "EXAMPLE outcomes from knowledge/example-outcomes (your decision log is empty)"


def example_dir() -> Path:
    from asba.paths import knowledge_dir

    return knowledge_dir() / "example-outcomes"


def load(aws_partitions: frozenset[str]) -> sqlite3.Connection:
    """An in-memory history with the example jobs and decisions (nothing is written to disk)."""
    from asba.audit.outcomes import connect
    from asba.history.store import HistoryStore

    conn = connect(":memory:")
    HistoryStore(conn, Path(":memory:"), aws_partitions).import_file(example_dir() / "jobs.sacct.psv")
    decisions: list[dict[str, Any]] = json.loads((example_dir() / "decisions.json").read_text(encoding="utf-8"))
    rows = [tuple(json.dumps(d[c]) if c in ("facts", "packs", "result", "trace") else d[c] for c in COLUMNS)
            for d in decisions]
    with conn:
        conn.executemany(f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                         rows)
    return conn


def log_is_empty(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM decisions LIMIT 1").fetchone() is None
