"""The history database: SQLite at ``asba_home()/jobs.db`` (the one module that talks to it).

WAL mode and a busy timeout let two asba processes read and write at once; each batch of jobs is one
transaction; jobs are upserted by (cluster, job_id), so importing or syncing the same jobs twice changes
nothing. A file that is not an SQLite database, or one written by a newer asba, is refused with one clear
error and never overwritten.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from asba.history.connection import BUSY_TIMEOUT_MS, CACHE_KIB, _store_error, connect, default_path  # noqa: F401
from asba.history.record import COLUMNS, JobRecord
from asba.history.schema import BY_NAME_SQL, SCHEMA_VERSION, column_sql  # noqa: F401 (SCHEMA_VERSION: the store's)
from asba.history.upsert import KEYS, NAMES_KEPT, outcomes_sql, upsert_from

# Jobs per transaction, and the page cache (KiB) that holds the index pages a batch touches: jobs arrive in
# submit order, so the (script_name, submit_ts) index takes them at random places. Bigger batches with a cache
# that holds those pages write each one once per batch instead of once per few hundred jobs.
BATCH = 10000
SCAN_MMAP_BYTES = 1 << 30


# Every transaction that changes jobs counts up the history's generation: a summary computed at an older
# generation (asba.history.summary) is out of date.
_BUMP_GENERATION = ("INSERT INTO history_meta (key, value) VALUES ('jobs_generation', 1) "
                    "ON CONFLICT (key) DO UPDATE SET value = value + 1")


# Script names whose pattern must be computed again (asba.history.script_summary), noted by each write; a job
# renamed by an update also marks its old name (trigger jobs_renamed).
_MARK_PART_NAMES = "INSERT OR IGNORE INTO script_dirty (name) SELECT DISTINCT script_name FROM part.jobs"


def generation(conn: sqlite3.Connection) -> int:
    """How many transactions have changed the jobs table (0 for a new history)."""
    row = conn.execute("SELECT value FROM history_meta WHERE key = 'jobs_generation'").fetchone()
    return int(row[0]) if row else 0


@dataclass
class WriteCounts:
    """What a write did: rows new, improved, unchanged, refused as older (asba.history.upsert), and the first
    NAMES_KEPT job ids improved and refused."""

    new: int = 0
    improved: int = 0
    unchanged: int = 0
    refused_older: int = 0
    improved_ids: list[str] = field(default_factory=list)
    refused_ids: list[str] = field(default_factory=list)

    def add(self, other: WriteCounts) -> None:
        self.new += other.new
        self.improved += other.improved
        self.unchanged += other.unchanged
        self.refused_older += other.refused_older
        self.improved_ids += other.improved_ids[:NAMES_KEPT - len(self.improved_ids)]
        self.refused_ids += other.refused_ids[:NAMES_KEPT - len(self.refused_ids)]


def write_records(conn: sqlite3.Connection, rows: Iterable[tuple], db: Path,
                  progress: Callable[[int], None] | None = None) -> WriteCounts:
    """Upsert job rows (JobRecord field order) in batches of BATCH, one transaction each."""
    counts = WriteCounts()
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            _write_batch(conn, batch, counts, db)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        _write_batch(conn, batch, counts, db)
        if progress:
            progress(len(batch))
    return counts


# A batch is staged in a temporary table (not part of the history file), then merged like a part.
_STAGE = f"CREATE TEMP TABLE IF NOT EXISTS incoming ({column_sql()})"
_STAGE_INSERT = f"INSERT INTO incoming VALUES ({', '.join('?' * len(COLUMNS))})"
_UPSERT_STAGED = upsert_from("temp.incoming")
_OUTCOMES_STAGED = outcomes_sql("temp.incoming")
_MARK_STAGED_NAMES = "INSERT OR IGNORE INTO script_dirty (name) SELECT DISTINCT script_name FROM temp.incoming"


def _write_batch(conn: sqlite3.Connection, rows: list[tuple], counts: WriteCounts, db: Path) -> None:
    def stage() -> None:
        conn.execute(_STAGE)
        conn.execute("DELETE FROM temp.incoming")
        conn.executemany(_STAGE_INSERT, rows)

    _counted_write(conn, stage, _OUTCOMES_STAGED, _UPSERT_STAGED, len(rows), counts, db, _MARK_STAGED_NAMES)


def _counted_write(conn: sqlite3.Connection, stage: Callable[[], object], outcomes: str, upsert: str, rows: int,
                   counts: WriteCounts, db: Path, mark: str) -> None:
    """One transaction: the staged rows classified against the stored ones (improved / refused as older), then
    merged. Rows are never deleted, so new rows are exactly those above the previous largest rowid. When
    anything changed, the generation counts up and `mark` notes the script names written (their patterns are
    out of date)."""
    batch = WriteCounts()
    try:
        conn.execute("BEGIN IMMEDIATE")
        stage()
        for job_id, is_older, _ in conn.execute(outcomes):
            ids, number = (batch.refused_ids, "refused_older") if is_older else (batch.improved_ids, "improved")
            setattr(batch, number, getattr(batch, number) + 1)
            if len(ids) < NAMES_KEPT:
                ids.append(job_id)
        top = conn.execute("SELECT coalesce(max(rowid), 0) FROM jobs").fetchone()[0]
        conn.execute(upsert)
        batch.new = conn.execute("SELECT coalesce(max(rowid), 0) FROM jobs").fetchone()[0] - top
        if batch.new or batch.improved:
            conn.execute(_BUMP_GENERATION)
            conn.execute(mark)
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise _store_error(db, exc) from None
    batch.unchanged = rows - batch.new - batch.improved - batch.refused_older
    counts.add(batch)


# A part of a big import: a plain table of job rows, written by one worker process (asba.history.parts),
# then upserted into the history in one statement, in the order the rows were written.
_PART_INSERT = f"INSERT INTO jobs VALUES ({', '.join('?' * len(COLUMNS))})"
_PART_UPSERT = upsert_from("part.jobs")
_PART_OUTCOMES = outcomes_sql("part.jobs")


def write_part(path: Path, rows: Iterable[tuple]) -> None:
    """Write job rows to a new part file (no journal: the file is thrown away if anything fails)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute(f"CREATE TABLE jobs ({column_sql()})")
        conn.execute("BEGIN")
        conn.executemany(_PART_INSERT, rows)
        conn.execute("COMMIT")
    finally:
        conn.close()


def merge_part(conn: sqlite3.Connection, part: Path, db: Path) -> WriteCounts:
    """Upsert a part file's rows into the history, as one transaction."""
    counts = WriteCounts()
    try:
        conn.execute("ATTACH DATABASE ? AS part", (str(part),))
    except sqlite3.DatabaseError as exc:
        raise _store_error(db, exc) from None
    try:
        rows = conn.execute("SELECT count(*) FROM part.jobs").fetchone()[0]
        _counted_write(conn, lambda: None, _PART_OUTCOMES, _PART_UPSERT, rows, counts, db, _MARK_PART_NAMES)
    finally:
        conn.execute("DETACH DATABASE part")
    return counts


def now_epoch() -> int:
    """Now, on the same naive-local-as-UTC scale that sacct times are stored on."""
    lt = time.localtime()
    return int(time.time()) + (lt.tm_gmtoff or 0)


def recent_where(days: float | None, user: str | None) -> tuple[list[str], list]:
    """SQL conditions on jobs ``j`` (and their parameters): submitted within ``days`` of now, of ``user``."""
    where: list[str] = []
    params: list = []
    if days is not None:
        where.append("j.submit_ts >= ?")
        params.append(now_epoch() - int(days * 86400))
    if user:
        where.append("j.user = ?")
        params.append(user)
    return where, params


def _typed_columns() -> dict[str, str]:
    """A job row read back as the type JobRecord declares: a value of another type (a row written by hand or
    by another program: 'abc' as an elapsed time) reads as unknown (NULL), text as text, so no command fails on
    it further in. Declared types come from JobRecord, so a column added there gets its guard too."""
    kinds = {"int": "('integer')", "float": "('integer', 'real')"}
    typed = {}
    for name, hint in JobRecord.__annotations__.items():
        kind = str(hint).split("|")[0].strip()
        if kind in kinds:
            typed[name] = f"CASE WHEN typeof(j.{name}) IN {kinds[kind]} THEN j.{name} END"
            if "None" not in str(hint):  # a count that is never unknown (requested_gpus, steps)
                typed[name] = f"COALESCE({typed[name]}, 0)"
        elif kind == "str" and name not in KEYS:
            typed[name] = f"COALESCE(CAST(j.{name} AS TEXT), '')"
    return typed


_TYPED = _typed_columns()


# How a listing may be sorted (asba history --sort): name -> ORDER BY. Ties always by job id.
SORT_KEYS = {
    "submit": "j.submit_ts, j.job_id", "newest": "j.submit_ts DESC, j.job_id DESC",
    "wait": "j.queue_wait_s DESC, j.job_id", "runtime": "j.elapsed_s DESC, j.job_id",
    "cpu-eff": "j.cpu_efficiency IS NULL, j.cpu_efficiency, j.job_id",
    "mem-eff": "j.memory_efficiency IS NULL, j.memory_efficiency, j.job_id",
}


@dataclass
class JobQuery:
    script_hash: str | None = None
    script_name: str | None = None
    days: float | None = None
    user: str | None = None
    job_id: str | None = None
    params: list = field(default_factory=list)
    columns: tuple[str, ...] = COLUMNS
    sort: str = "submit"  # a key of SORT_KEYS
    limit: int | None = None  # at most this many rows (after sorting)

    def sql(self) -> str:
        cols = ", ".join(
            "COALESCE(s.script_hash, j.script_hash)" if c == "script_hash"
            else "COALESCE(s.script_name, j.script_name)" if c == "script_name"
            else "COALESCE(s.script_path, j.script_path)" if c == "script_path"
            else _TYPED.get(c, f"j.{c}") for c in self.columns)
        where, self.params = self._where()
        return (f"SELECT {cols} FROM jobs j LEFT JOIN submissions s ON s.job_id = j.base_id"
                f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY {SORT_KEYS[self.sort]}"
                + (f" LIMIT {int(self.limit)}" if self.limit is not None else ""))

    def _where(self) -> tuple[list[str], list]:
        where: list[str] = []
        params: list = []
        if self.script_hash:
            where.append("s.script_hash = ?")
            params.append(self.script_hash)
        if self.script_name:
            stem = self.script_name.rsplit("/", 1)[-1]
            bare = stem.rsplit(".", 1)[0]
            where.append(f"j.rowid IN ({BY_NAME_SQL})")
            params += [stem, stem, stem, bare, stem, bare]
        if self.days is not None:
            where.append("j.submit_ts >= ?")
            params.append(now_epoch() - int(self.days * 86400))
        if self.user:
            where.append("j.user = ?")
            params.append(self.user)
        if self.job_id:
            where.append("(j.job_id = ? OR j.job_id_raw = ?)")
            params += [self.job_id, self.job_id]
        return where, params


def iter_query(conn: sqlite3.Connection, query: JobQuery, db: Path) -> Iterator[JobRecord]:
    try:
        sql = query.sql()
        for row in conn.execute(sql, query.params):
            yield JobRecord(*row)
    except sqlite3.DatabaseError as exc:
        raise _store_error(db, exc) from None


class HistoryStore:
    """The job history: open it, load jobs into it, ask it for jobs. Raises StoreError / InputError."""

    def __init__(self, conn: sqlite3.Connection, path: Path, aws_partitions: frozenset[str] | None = None) -> None:
        self.conn = conn
        self.path = path
        self._aws = aws_partitions

    @property
    def aws_partitions(self) -> frozenset[str]:
        """Burst partitions from the configuration (read once); jobs there are platform 'aws'."""
        if self._aws is None:
            from asba.history.settings import configured_aws_partitions

            self._aws = configured_aws_partitions()
        return self._aws

    @classmethod
    def open(cls, path: Path | str | None = None) -> HistoryStore:
        db = Path(path) if path else default_path()
        return cls(connect(db), db)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def import_file(self, path: Path | str, *, delimiter: str | None = None, fields: list[str] | None = None,
                    cluster: str = "", progress: Callable[[int], None] | None = None, workers: int = 1):
        """Load a saved sacct dump; `workers` > 1 merges a big one in that many processes."""
        from asba.history.sync import import_file

        report = import_file(self.conn, self.path, Path(path), delimiter=delimiter, fields=fields,
                             cluster=cluster, progress=progress, aws_partitions=self.aws_partitions, workers=workers)
        self.refresh_summaries()
        return report

    def sync(self, runner, days: float | None = None, user: str | None = None, all_users: bool = False,
             wait_days: float | None = None):
        from asba.history.sync import sync

        report = sync(self.conn, self.path, runner, days=days, user=user, all_users=all_users,
                      aws_partitions=self.aws_partitions, wait_days=wait_days)
        self.refresh_summaries()
        return report

    def refresh_summaries(self) -> None:
        """Bring the summaries `asba explain` reads up to date with the jobs just written."""
        from asba.history import script_summary, summary

        try:
            summary.refresh(self.conn)
            script_summary.refresh(self.conn)
        except sqlite3.DatabaseError as exc:
            raise _store_error(self.path, exc) from None

    def iter_jobs(self, script_hash: str | None = None, script_name: str | None = None,
                  days: float | None = None, user: str | None = None, job_id: str | None = None) -> Iterator[JobRecord]:
        """Jobs in submit order, streamed (for big histories)."""
        query = JobQuery(script_hash, script_name, days, user, job_id)
        return iter_query(self.conn, query, self.path)

    def iter_rows(self, columns: tuple[str, ...], days: float | None = None,
                  user: str | None = None) -> Iterator[tuple]:
        """Only these columns of the jobs, as tuples in submit order, streamed (for a summary of a big history)."""
        query = JobQuery(days=days, user=user, columns=columns)
        try:
            yield from self.conn.execute(query.sql(), query.params)
        except sqlite3.DatabaseError as exc:
            raise _store_error(self.path, exc) from None

    def jobs(self, script_hash: str | None = None, script_name: str | None = None, days: float | None = None,
             user: str | None = None, job_id: str | None = None) -> list[JobRecord]:
        return list(self.iter_jobs(script_hash, script_name, days, user, job_id))

    def queue_waits(self, partition: str, cpus_min: int, cpus_max: int, days: float | None = 30) -> list[float]:
        """Submit->Start seconds of jobs that started on `partition` with cpus_min..cpus_max CPUs."""
        sql = ("SELECT queue_wait_s FROM jobs WHERE partition = ? AND alloc_cpus BETWEEN ? AND ? "
               "AND queue_wait_s IS NOT NULL")
        params: list = [partition, cpus_min, cpus_max]
        if days is not None:
            sql += " AND submit_ts >= ?"
            params.append(now_epoch() - int(days * 86400))
        try:
            return [float(row[0]) for row in self.conn.execute(sql + " ORDER BY submit_ts", params)]
        except sqlite3.DatabaseError as exc:
            raise _store_error(self.path, exc) from None

    def record_submission(self, script_path: str | Path, script_hash: str, job_id: str,
                          submitted_at: int | None = None) -> None:
        """Remember which script a job id ran (``--track-history``); joins sacct's jobs by id."""
        path = str(script_path)
        try:
            self.conn.execute(
                "INSERT INTO submissions (job_id, script_path, script_name, script_hash, submitted_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET script_path = excluded.script_path, "
                "script_name = excluded.script_name, script_hash = excluded.script_hash",
                (str(job_id), path, path.rsplit("/", 1)[-1], script_hash, submitted_at or now_epoch()))
        except sqlite3.DatabaseError as exc:
            raise _store_error(self.path, exc) from None

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM jobs").fetchone()[0]

    @contextmanager
    def mapped(self) -> Iterator[None]:
        """Reads through a memory map while a long scan runs (patterns over a whole history read the table in
        index order: mapped pages cost no read() call and no copy). The map is dropped afterwards."""
        self.conn.execute(f"PRAGMA mmap_size={SCAN_MMAP_BYTES}")
        try:
            yield
        finally:
            self.conn.execute("PRAGMA mmap_size=0")
