"""A damaged history database is refused before a command writes to it or reports from it, without a
full-file check on every read.

Damage inside the job table or an index is only found when SQLite reads the damaged page; an import or a sync
writes into indexes it never reads back, and `--patterns` or the audit log read only part of the file. SQLite's
own ``PRAGMA quick_check`` (every page's structure, no index-to-table cross check: about 0.2 s for 200,000 jobs)
runs after every import and sync, and its result is recorded beside the database (``<db>-integrity.json``: the
file's size, modification time and inode when it was found sound). A read, or the start of a write, trusts that
record while the file is exactly as it was then, and runs the check again (recording it) when anything has
changed the file since, so a file damaged after the check is still refused with one line, left as it is.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from asba.errors import StoreError, clip

HINT = ("asba leaves the file as it is: move it aside (or try `sqlite3 FILE .recover`) and run "
        "`asba history sync` again")


def record_path(db: Path | str) -> Path:
    return Path(f"{db}-integrity.json")


def refuse_damaged(conn: sqlite3.Connection, db: Path | str) -> None:
    """StoreError ASBA-HIST-013 when quick_check finds damage (its first finding is quoted); skipped while
    the file is exactly as it was when last found sound, and recorded when it runs and passes."""
    if str(db) == ":memory:" or still_sound(db):
        return
    check(conn, db)
    record(db)


def check(conn: sqlite3.Connection, db: Path | str) -> None:
    """Run quick_check now (after an import or a sync): StoreError ASBA-HIST-013 on any finding."""
    try:
        findings = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        findings = [str(exc)]
    if findings != ["ok"]:
        first = " ".join(str(findings[0]).split()).replace("*** in database main *** ", "")
        raise StoreError(f"the history database is damaged ({clip(first, 120)})", where=str(db),
                         hint=HINT, code="ASBA-HIST-013")


def record(db: Path | str) -> None:
    """Record that the file, as it is now, passed the check (call with every write of it finished; a file
    with unmerged write-ahead log frames is not recorded, as its main file will still change). A record that
    cannot be written is skipped: the next read checks again."""
    identity = _identity(db)
    if identity is None:
        return
    body = {**identity, "result": "ok", "checked_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    target = record_path(db)
    try:
        temporary = target.with_name(f".{target.name}.{os.getpid()}")
        temporary.write_text(json.dumps(body) + "\n")
        temporary.replace(target)
    except OSError:
        return


def still_sound(db: Path | str) -> bool:
    """The record says the file passed its check and the file has not changed since."""
    try:
        body = json.loads(record_path(db).read_text())
    except (OSError, ValueError):
        return False
    identity = _identity(db)
    return (isinstance(body, dict) and body.get("result") == "ok" and identity is not None
            and all(body.get(key) == value for key, value in identity.items()))


def _identity(db: Path | str) -> dict[str, int] | None:
    """Size, modification time (ns) and inode of the main file; None while write-ahead log frames wait."""
    try:
        wal = Path(f"{db}-wal")
        if wal.is_file() and wal.stat().st_size > 0:
            return None
        stat = Path(db).stat()
    except OSError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}
