"""The history database's schema (tables, indexes, the trigger) and its in-place upgrades; asba.history.store
opens the database and calls `migrate` under its retry for a busy database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from asba.errors import StoreError
from asba.history.record import ADDED_COLUMNS, COLUMNS, JobRecord

SCHEMA_VERSION = 4
_TYPES = {"int": "INTEGER", "float": "REAL", "str": "TEXT"}


def column_sql() -> str:
    hints = JobRecord.__annotations__
    return ", ".join(f"{name} {_TYPES[hints[name].split(' ')[0].split('|')[0].strip()]}" for name in COLUMNS)


# Schema 3: what `asba explain` asks of a big history, each found through an index instead of a scan: a
# script's runs by hash (submissions -> jobs by base_id) and by name (a job name that differs from the script
# name; equal ones are found through jobs_script), similar jobs' waits on a partition, and this month's AWS
# jobs (a partial index: only jobs on burst partitions are in it).
_INDEXES = (
    ("jobs", "jobs_script", "script_name, submit_ts", ""),
    ("jobs", "jobs_submit", "submit_ts", ""),
    ("jobs", "jobs_base", "base_id", ""),
    ("jobs", "jobs_alias", "job_name", " WHERE job_name IS NOT script_name"),
    ("jobs", "jobs_waits", "partition, alloc_cpus, submit_ts, queue_wait_s", ""),
    ("jobs", "jobs_aws", "start_ts, partition, alloc_cpus, elapsed_s", " WHERE execution_platform = 'aws'"),
    ("submissions", "submissions_hash", "script_hash", ""),
    ("submissions", "submissions_name", "script_name", ""),
)


# Schema 4: every table asba writes is created here, once, at open: before, the wait record, the decision log
# and the outcomes table were created by the first command that read them, so a read failed (rc 3) where the
# history could not be written (locked, read-only, full). Their owners (asba.history.wait_record,
# asba.audit.log, asba.audit.outcomes) name them from here.
CLUSTER_WAITS_SQL = (
    "CREATE TABLE IF NOT EXISTS cluster_waits (cluster TEXT NOT NULL DEFAULT '', job_id TEXT NOT NULL, "
    "partition TEXT NOT NULL, qos TEXT, submit INTEGER NOT NULL, eligible INTEGER, start INTEGER, end_time INTEGER, "
    "req_cpus INTEGER, req_mem_mb REAL, req_gpus INTEGER, req_nodes INTEGER, timelimit_s INTEGER, "
    "queue_ahead INTEGER, PRIMARY KEY (cluster, job_id))",
    "CREATE INDEX IF NOT EXISTS cluster_waits_partition_submit ON cluster_waits (partition, submit)",
    "CREATE INDEX IF NOT EXISTS cluster_waits_submit ON cluster_waits (submit)",
)
DECISIONS_SQL = (
    "CREATE TABLE IF NOT EXISTS decisions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, script TEXT, "
    "script_hash TEXT, platform TEXT, instance_type TEXT, confidence REAL, facts TEXT NOT NULL, "
    "packs TEXT NOT NULL, knowledge TEXT, result TEXT NOT NULL, trace TEXT NOT NULL)"
)
OUTCOMES_SQL = (
    "CREATE TABLE IF NOT EXISTS decision_outcomes (decision_id TEXT NOT NULL, cluster TEXT NOT NULL, "
    "job_id TEXT NOT NULL, decided_at TEXT NOT NULL, submit_ts INTEGER, script TEXT, matched_by TEXT, "
    "advised TEXT, ran TEXT, partition TEXT, followed INTEGER, state TEXT, data TEXT NOT NULL, "
    "PRIMARY KEY (decision_id, cluster, job_id))"
)
OUTCOMES_INDEX_SQL = "CREATE INDEX IF NOT EXISTS decision_outcomes_decided ON decision_outcomes (decided_at)"
# The jobs `asba submit` started for a logged decision (asba.audit.submitted).
DECISION_JOBS_SQL = (
    "CREATE TABLE IF NOT EXISTS decision_jobs (decision_id TEXT NOT NULL, job_id TEXT NOT NULL, "
    "cluster TEXT NOT NULL DEFAULT '', step INTEGER NOT NULL DEFAULT 0, submitted_at TEXT NOT NULL, "
    "argv TEXT NOT NULL, PRIMARY KEY (decision_id, job_id, cluster))",
    "CREATE INDEX IF NOT EXISTS decision_jobs_job ON decision_jobs (job_id)",
)


def migrate(conn: sqlite3.Connection, db: Path) -> bool:
    """Create the schema, or bring an older one up to date (rows are kept; only indexes and tables are added).

    Schema 2 dropped the index on job_name (schema 1): no query could use it, and every import paid for it.
    Schema 4 added the GPU columns (_add_columns).
    Schema 3 added the indexes `asba explain` needs (_INDEXES) and the tables of summaries kept up to date on
    import (asba.history.summary): upgrading a big history builds them once.
    Schema 4 creates the wait record, decision log and outcomes tables here (reads no longer create them).
    True when an older history was upgraded.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"written by a newer asba (schema {version}, this asba knows {SCHEMA_VERSION})",
                         where=str(db), hint="upgrade asba", code="ASBA-HIST-012")
    if version == SCHEMA_VERSION:
        return False
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(f"CREATE TABLE IF NOT EXISTS jobs ({column_sql()}, PRIMARY KEY (cluster, job_id))")
    _add_columns(conn)
    conn.execute("DROP INDEX IF EXISTS jobs_job_name")
    conn.execute("CREATE TABLE IF NOT EXISTS submissions (job_id TEXT PRIMARY KEY, script_path TEXT, "
                 "script_name TEXT, script_hash TEXT, submitted_at INTEGER)")
    for table, name, columns, where in _INDEXES:
        conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns}){where}")
    conn.execute("CREATE TABLE IF NOT EXISTS sync_state (scope TEXT PRIMARY KEY, last_sync INTEGER)")
    conn.execute("CREATE TABLE IF NOT EXISTS history_meta (key TEXT PRIMARY KEY, value INTEGER)")
    conn.execute("CREATE TABLE IF NOT EXISTS summaries (name TEXT PRIMARY KEY, generation INTEGER, body TEXT)")
    conn.execute("CREATE TABLE IF NOT EXISTS script_summary (name TEXT PRIMARY KEY, pattern TEXT, wastes TEXT)")
    conn.execute("CREATE TABLE IF NOT EXISTS script_dirty (name TEXT PRIMARY KEY)")
    conn.execute("CREATE TRIGGER IF NOT EXISTS jobs_renamed AFTER UPDATE OF script_name ON jobs "
                 "WHEN old.script_name IS NOT new.script_name "
                 "BEGIN INSERT INTO script_dirty (name) SELECT old.script_name "
                 "WHERE NOT EXISTS (SELECT 1 FROM script_dirty WHERE name IS old.script_name); END")
    for statement in (*CLUSTER_WAITS_SQL, DECISIONS_SQL, OUTCOMES_SQL, OUTCOMES_INDEX_SQL, *DECISION_JOBS_SQL):
        conn.execute(statement)
    # (not INSERT OR IGNORE: an upsert's own conflict handling overrides a trigger's, so IGNORE would not hold)
    if version:  # an older history's jobs have no cached pattern yet: every name is to be computed
        conn.execute("INSERT OR IGNORE INTO script_dirty (name) SELECT DISTINCT script_name FROM jobs")
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    conn.execute("COMMIT")
    return bool(version)  # an older history was upgraded (its summaries are to be computed)


def _add_columns(conn: sqlite3.Connection) -> None:
    """Schema 4 added the GPU columns (record.ADDED_COLUMNS): an older history gets them, empty (NULL, or ""
    for text, as a job without the data is written), and its rows stay as they are."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
    hints = JobRecord.__annotations__
    for name in ADDED_COLUMNS:
        if name not in have:
            kind = _TYPES[hints[name].split(' ')[0].split('|')[0].strip()]
            default = " DEFAULT ''" if kind == "TEXT" else ""
            conn.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}{default}")


# The jobs a script name matches: COALESCE(s.script_name, j.script_name) = stem OR j.job_name IN (stem, bare),
# as four indexed lookups (a job name equal to the script name is found through jobs_script, as jobs_alias holds
# only the names that differ).
BY_NAME_SQL = (
    "SELECT j.rowid FROM jobs j LEFT JOIN submissions s ON s.job_id = j.base_id "
    "WHERE j.script_name = ? AND s.script_name IS NULL "
    "UNION ALL SELECT j.rowid FROM submissions s JOIN jobs j ON j.base_id = s.job_id WHERE s.script_name = ? "
    "UNION ALL SELECT rowid FROM jobs WHERE job_name IN (?, ?) AND job_name IS NOT script_name "
    "UNION ALL SELECT rowid FROM jobs WHERE script_name IN (?, ?) AND job_name = script_name")
