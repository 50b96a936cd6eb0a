"""The cluster's wait record: Submit/Eligible/Start of all users' recent jobs, in the history database.

``asba history sync`` fills it from the job rows of its one sacct call (made with ``--allusers``) where the
site lets users read other users' jobs (SLURM's ``PrivateData=jobs`` hides them: asba then says the record
holds only your own jobs); ``asba history import
--wait-record DUMP`` loads a saved dump. It keeps ``wait.record_days`` (default 14) days and at most
``MAX_ROWS`` jobs; rows are upserted by (cluster, job id), so a job seen pending and later started is updated.
The table is created when the history is opened (asba.history.schema); every read goes through the index on
(partition, submit).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asba.decide.wait_classes import JobClass
from asba.decide.wait_km import KaplanMeierRecord
from asba.history.schema import CLUSTER_WAITS_SQL
from asba.inputs.slurm import SlurmRunner
from asba.inputs.wait_traces import TraceJob, read_trace, sacct_job

MAX_ROWS = 500_000
DEFAULT_DAYS = 14.0
FIELDS = ("JobID", "User", "Submit", "Eligible", "Start", "End", "Partition", "QOS", "ReqCPUS", "ReqMem", "ReqTRES",
          "ReqNodes", "Timelimit", "State")
_SCHEMA = CLUSTER_WAITS_SQL  # created at open (asba.history.schema); kept for a connection made elsewhere


@dataclass
class RecordReport:
    source: str
    stored: int
    pruned: int
    users: int
    note: str = ""

    def as_dict(self) -> dict:
        return {"source": self.source, "stored": self.stored, "pruned": self.pruned, "users": self.users,
                "note": self.note}


def ensure_table(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA:
        conn.execute(statement)


def store(conn: sqlite3.Connection, jobs: Iterable[TraceJob], days: float = DEFAULT_DAYS,
          cluster: str = "") -> tuple[int, int]:
    """Upsert the jobs (in submit order; each gets the count of jobs pending in its partition when it was
    submitted, from the jobs given) and drop what fell out of the window. Returns (stored, pruned)."""
    ensure_table(conn)
    rows = [_row(cluster, job, ahead) for job, ahead in _with_queue(sorted(jobs, key=lambda j: j.submit))]
    with conn:
        conn.executemany(
            "INSERT INTO cluster_waits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cluster, job_id) "
            "DO UPDATE SET start = excluded.start, end_time = excluded.end_time, eligible = excluded.eligible", rows)
        pruned = prune(conn, days)
    return len(rows), pruned


def prune(conn: sqlite3.Connection, days: float, now: float | None = None) -> int:
    """Drop jobs submitted before the window, then the oldest beyond MAX_ROWS."""
    newest = conn.execute("SELECT MAX(submit) FROM cluster_waits").fetchone()[0]
    if newest is None:
        return 0
    edge = (now if now is not None else newest) - days * 86400
    gone = conn.execute("DELETE FROM cluster_waits WHERE submit < ?", (edge,)).rowcount
    over = conn.execute("SELECT COUNT(*) FROM cluster_waits").fetchone()[0] - MAX_ROWS
    if over > 0:
        gone += conn.execute("DELETE FROM cluster_waits WHERE rowid IN (SELECT rowid FROM cluster_waits "
                             "ORDER BY submit LIMIT ?)", (over,)).rowcount
    return gone


def _with_queue(jobs: list[TraceJob]) -> Iterable[tuple[TraceJob, int]]:
    import heapq

    pending: dict[str, int] = {}
    leaving: list[tuple[float, int, str]] = []
    for i, job in enumerate(jobs):
        while leaving and leaving[0][0] <= job.submit:
            _, _, part = heapq.heappop(leaving)
            pending[part] -= 1
        yield job, job.queue_ahead if job.queue_ahead is not None else pending.get(job.partition, 0)
        left = job.start if job.start is not None else job.end
        if left is not None and left > job.submit:
            heapq.heappush(leaving, (left, i, job.partition))
            pending[job.partition] = pending.get(job.partition, 0) + 1


def _row(cluster: str, j: TraceJob, ahead: int) -> tuple:
    def i(x: float | None) -> int | None:
        return None if x is None else int(x)

    return (cluster, j.job_id, j.partition, j.qos, int(j.submit), i(j.eligible), i(j.start), i(j.end), j.cpus,
            j.mem_mb, j.gpus, j.nodes, i(j.limit_s), ahead)


def import_dump(conn: sqlite3.Connection, path: Path, days: float = DEFAULT_DAYS) -> RecordReport:
    trace = read_trace(path)
    stored, pruned = store(conn, trace.jobs, days)
    note = f"{trace.skipped} row(s) could not be read" if trace.skipped else ""
    return RecordReport(f"{trace.kind} dump {path}", stored, pruned, 0, note)


class WaitTap:
    """The wait record's share of `history sync`'s one sacct call (every user's job and step rows): the job rows
    sacct would list for ``sacct -a -X -S <days ago> -E now`` (eligible before the call, not ended before the
    window), kept as they stream past on their way to the history."""

    def __init__(self, days: float = DEFAULT_DAYS) -> None:
        self.days = days
        self.jobs: list[TraceJob] = []
        self.users: set[str] = set()
        self.skipped = 0
        self.read_at(time.time())

    def read_at(self, when: float) -> None:
        """The window ends when sacct answered (`when`, epoch seconds: a replayed snapshot keeps its time)."""
        now = datetime.fromtimestamp(when)
        self.start_text = (now - timedelta(days=self.days)).strftime("%Y-%m-%dT%H:%M:%S")
        self._start, self._now = _local_epoch(now - timedelta(days=self.days)), _local_epoch(now)

    def row(self, names: list[str], parts: list[str], jobid_pos: int) -> None:
        """One sacct row (its field names, values and where JobID is); step rows are passed over."""
        if "." in parts[jobid_pos]:
            return
        try:
            job = sacct_job(dict(zip(names, parts)))
        except (ValueError, KeyError, TypeError, AttributeError):
            job = None
        if job is None:
            self.skipped += 1
        elif job.eligible is not None and job.eligible < self._now and (job.end is None or job.end >= self._start):
            self.jobs.append(job)
            if job.user:
                self.users.add(job.user)

    def store(self, conn: sqlite3.Connection, runner: SlurmRunner, source: str) -> RecordReport:
        stored, pruned = store(conn, self.jobs, self.days)
        return RecordReport(source, stored, pruned, len(self.users), _privacy_note(runner, self.users))


def _local_epoch(when: datetime) -> float:
    """A local time in the convention asba.inputs.wait_traces reads sacct's times with."""
    return datetime.fromisoformat(when.strftime("%Y-%m-%dT%H:%M:%S")).replace(tzinfo=UTC).timestamp()


def _privacy_note(runner: SlurmRunner, users: set[str]) -> str:
    """Whether the record can hold other users' jobs: SLURM's PrivateData (scontrol show config) says."""
    from asba.errors import ExternalCommandError

    try:
        config = runner.run("config", ["scontrol", "show", "config"], timeout_s=10).stdout
    except ExternalCommandError as exc:
        return f"could not read PrivateData ({exc.message}): the record may hold only your own jobs"
    private = next((line.split("=", 1)[1].strip() for line in config.splitlines()
                    if line.strip().startswith("PrivateData")), "")
    if "jobs" in private.lower():
        return (f"the site hides other users' jobs (PrivateData = {private}): the wait record holds your own "
                "jobs only")
    return "" if len(users) != 1 else "only one user has jobs in the window"


def model_for(conn: sqlite3.Connection, partition: str, now: float, days: float = DEFAULT_DAYS) -> tuple[
        KaplanMeierRecord, int]:
    """The wait record of one partition as known at ``now`` (indexed by partition and submit), and its size: every
    job submitted in the window, a job that had not started by ``now`` right-censored (``decide.wait_km``). A read:
    the table is there since the history was opened (schema 4)."""
    model = KaplanMeierRecord(window_s=days * 86400)
    rows = conn.execute(
        "SELECT qos, submit, start, end_time, req_cpus, req_gpus, timelimit_s, queue_ahead FROM cluster_waits "
        "WHERE partition = ? AND submit >= ? AND submit <= ?", (partition, now - days * 86400, now)).fetchall()
    for qos, submit, start, end, cpus, gpus, limit, ahead in sorted(rows, key=lambda r: r[1]):
        obs = model.submitted(JobClass(partition, cpus, gpus, limit, qos, ahead), float(submit))
        if start is not None and start <= now:
            model.started(obs, float(start))
        elif start is None and end is not None and end <= now:
            model.cancelled(obs, float(end))
    return model, len(rows)
