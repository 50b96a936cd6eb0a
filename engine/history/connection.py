"""Opening the history database: WAL, a busy timeout, the one migration step, a read-only file opened
read-only, and a file that is not asba's refused untouched (asba.history.store re-exports `connect`)."""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from pathlib import Path

from asba.errors import StoreError
from asba.history.record import ADDED_COLUMNS, COLUMNS
from asba.history.schema import SCHEMA_VERSION, migrate
from asba.paths import asba_home

BUSY_TIMEOUT_MS = 15000
CACHE_KIB = 16384  # page cache: see asba.history.store.BATCH
READ_LOCK_WAIT_S = 1.0  # what `asba explain` waits for a history another process is writing
_SQLITE_MAGIC = b"SQLite format 3\x00"


def default_path() -> Path:
    """The ``history.db`` config key when set, else ``$ASBA_HOME/jobs.db``."""
    from asba.history.settings import configured_db

    return configured_db() or asba_home() / "jobs.db"


def connect(path: Path | str | None = None, *, lock_wait_s: float | None = None) -> sqlite3.Connection:
    """An open connection (autocommit; use BEGIN/COMMIT) with WAL, a busy timeout and the schema in place.

    `lock_wait_s` bounds the wait for a database another process is writing (default BUSY_TIMEOUT_MS; a
    read such as `asba explain` gives READ_LOCK_WAIT_S). A file this process may not write (a read-only file,
    directory or filesystem) is opened read-only: nothing is migrated or written, and a write says so."""
    db = Path(path) if path else default_path()
    _refuse_foreign_file(db)
    wait_ms = BUSY_TIMEOUT_MS if lock_wait_s is None else max(1, int(lock_wait_s * 1000))
    read_only = _read_only(db)
    try:
        if not read_only:
            db.parent.mkdir(parents=True, exist_ok=True)
        conn = _open_read_only(db, wait_ms) if read_only else sqlite3.connect(
            db, timeout=wait_ms / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={wait_ms}")
        if not read_only:
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        _set_up(conn, db, wait_ms, read_only)
    except sqlite3.DatabaseError as exc:
        raise _store_error(db, exc, wait_ms) from None
    except OSError as exc:
        raise StoreError(f"cannot open the history database: {exc.strerror}", where=str(db),
                         hint="check the directory's permissions or set ASBA_HOME", code="ASBA-HIST-011") from None
    return conn


def _open_read_only(db: Path, wait_ms: int) -> sqlite3.Connection:
    """Opened with mode=ro; a WAL database on a read-only filesystem (no shared-memory file can be made)
    is opened as immutable, which nothing can change there anyway."""
    uri = f"file:{urllib.parse.quote(str(db.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, timeout=wait_ms / 1000, isolation_level=None, uri=True)
    try:
        conn.execute("PRAGMA user_version").fetchone()
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        if "unable to open" not in str(exc):
            raise
        conn.close()
        conn = sqlite3.connect(uri + "&immutable=1", isolation_level=None, uri=True)
    return conn


def _read_only(db: Path) -> bool:
    """The file exists and this process may not write it, or the directory its journal files go to."""
    if str(db) == ":memory:" or not db.is_file():
        return False
    return not os.access(db, os.W_OK) or not os.access(db.parent, os.W_OK)


def _set_up(conn: sqlite3.Connection, db: Path, wait_ms: int, read_only: bool) -> None:
    """WAL mode and the schema. Two processes opening a new database at once can find it locked in a way
    SQLite's busy timeout does not wait for (switching the journal mode, or upgrading a read lock while the
    other creates the schema): such a clash is retried, with growing pauses, for up to the wait."""
    deadline = time.monotonic() + wait_ms / 1000
    pause = 0.01
    while True:
        try:
            _refuse_foreign_schema(conn, db)  # before anything is written (the journal mode is a write)
            if read_only:
                _refuse_stale_read_only(conn, db)
                return
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            if migrate(conn, db):
                from asba.history import script_summary  # (here: it reads through asba.history.store)

                script_summary.refresh(conn)  # part of the one upgrade step: reads never compute-and-store
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def _refuse_stale_read_only(conn: sqlite3.Connection, db: Path) -> None:
    """A read-only history of an older schema cannot be brought up to date, so it is not read either."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version < SCHEMA_VERSION:
        raise StoreError(f"the history database is read-only and from an older asba (schema {version}, "
                         f"this asba needs {SCHEMA_VERSION})", where=str(db),
                         hint="open it once where it can be written (any asba history command upgrades it)",
                         code="ASBA-HIST-015")
    if version > SCHEMA_VERSION:
        migrate(conn, db)  # refuses a newer schema with its own message, writing nothing


def _refuse_foreign_schema(conn: sqlite3.Connection, db: Path) -> None:
    """An SQLite file whose tables are not asba's (a `jobs` table of another shape, or asba's version number
    without its tables) is refused untouched; other tables beside asba's are fine."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    missing: list[str] = []
    if "jobs" in tables:
        have = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
        missing = [f"jobs.{name}" for name in COLUMNS if name not in have and name not in ADDED_COLUMNS]
    if 0 < version <= SCHEMA_VERSION:
        missing += [name for name in ("jobs", "submissions", "sync_state") if name not in tables]
    if missing:
        raise _store_error(db, ValueError(f"its tables are not asba's: no {', '.join(missing[:3])}"))


def _store_error(db: Path, exc: Exception, wait_ms: int = BUSY_TIMEOUT_MS) -> StoreError:
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return StoreError(f"the history database is locked by another process (waited {wait_ms / 1000:g} s)",
                          where=str(db), hint="let the other asba (an import or a sync) finish, then run this again",
                          code="ASBA-HIST-014")
    if "readonly" in text or "read-only" in text:
        return StoreError("the history database is read-only: nothing was written", where=str(db),
                          hint="make the file and its directory writable, or set ASBA_HOME", code="ASBA-HIST-016")
    if "disk is full" in text or "disk I/O" in text:
        return StoreError(f"the history database could not be written ({text}): nothing was changed", where=str(db),
                          hint="free space on its filesystem (or set ASBA_HOME elsewhere) and run this again",
                          code="ASBA-HIST-017")
    return StoreError(f"not a usable asba history database ({exc})", where=str(db),
                      hint="asba leaves the file as it is: move it aside and run `asba history sync` again",
                      code="ASBA-HIST-010")


def _refuse_foreign_file(db: Path) -> None:
    try:
        if not db.is_file() or db.stat().st_size == 0:
            return
        with db.open("rb") as handle:
            magic = handle.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read the history database: {exc.strerror}", where=str(db),
                         code="ASBA-HIST-011") from None
    if magic != _SQLITE_MAGIC:
        raise _store_error(db, ValueError("the file is not an SQLite database"))
