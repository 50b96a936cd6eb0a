"""A damaged history database is refused before a command writes to it or reports from it.

Damage inside the job table or an index is only found when SQLite reads the damaged page; an import or a sync
writes into indexes it never reads back, and `--patterns` or the audit log read only part of the file. These
commands first run SQLite's own ``PRAGMA quick_check`` (every page's structure, no index-to-table cross check:
about 0.2 s for 200,000 jobs) and stop with one line when it finds anything, leaving the file as it is.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from asba.errors import StoreError, clip

HINT = ("asba leaves the file as it is: move it aside (or try `sqlite3 FILE .recover`) and run "
        "`asba history sync` again")


def refuse_damaged(conn: sqlite3.Connection, db: Path | str) -> None:
    """StoreError ASBA-HIST-013 when quick_check finds damage (its first finding is quoted)."""
    try:
        findings = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        findings = [str(exc)]
    if findings != ["ok"]:
        first = " ".join(str(findings[0]).split()).replace("*** in database main *** ", "")
        raise StoreError(f"the history database is damaged ({clip(first, 120)})", where=str(db),
                         hint=HINT, code="ASBA-HIST-013")
