"""What happened after a logged decision: the decision log joined with the job history.

A job *follows* a decision first by its id: a job `asba submit` started for the decision (asba.audit.submitted;
an array's tasks by the array id), matched by ``job id`` whatever its submission time, and no other decision can
claim it. A decision with no submitted job falls back to the script: a job follows it when it runs the same script
and was submitted within ``WINDOW_S`` (24 h) after the decision: same script hash (``--track-history``
submissions, or a hash sacct recorded), else the same script file name (the submission's script name, or a
job name equal to the file name or its stem). A job that several decisions of the script could claim belongs
to the latest one made before it was submitted.

For each such job the join keeps where it ran (``local`` or ``aws``: a burst partition), whether that is where
the advice said, the real wait (Submit->Start), runtime (Elapsed) and state, its real cost (the local cost model
for local runs; the advised instance type's price x nodes x runtime for AWS runs), the prediction made for that
side, and the hindsight totals of both sides for regret (asba.audit.regret). Rows live in their own table,
``decision_outcomes``, keyed by (decision, cluster, job): re-running the join after a history sync updates rows
(a job that was running has finished) and never duplicates or loses them.
"""

from __future__ import annotations

import calendar
import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from asba.audit.regret import AWS, LOCAL, GoInputs, Hindsight, go_rule
from asba.errors import StoreError
from asba.history.schema import OUTCOMES_INDEX_SQL, OUTCOMES_SQL

WINDOW_S = 24 * 3600
SCHEMA, INDEX = OUTCOMES_SQL, OUTCOMES_INDEX_SQL  # created when the history is opened (schema 4)
_JOB_COLS = ("cluster", "job_id", "job_name", "partition", "state", "submit_ts", "queue_wait_s", "elapsed_s",
             "alloc_cpus", "requested_memory_mb", "requested_gpus", "nodes", "execution_platform",
             "time_limit_s", "user")


@dataclass
class Outcome:
    decision_id: str
    decided_at: str
    script: str
    cluster: str
    job_id: str
    matched_by: str  # job id | hash | name
    submit_ts: int | None
    advised: str
    advised_instance: str | None
    ran: str
    partition: str
    followed: bool
    state: str
    user: str
    wait_s: float | None
    runtime_s: float | None
    real_cost_usd: float | None
    cost_basis: str
    predicted_wait_s: float | None
    predicted_runtime_s: float | None
    predicted_cost_usd: float | None
    value_of_hour_usd: float
    hindsight: dict | None  # Hindsight fields, None until the job has finished
    go_choice: str
    aws_possible: bool

    def as_dict(self) -> dict:
        return asdict(self)

    def hindsight_obj(self) -> Hindsight | None:
        return Hindsight(**self.hindsight) if self.hindsight else None


def connect(path: Any = None) -> sqlite3.Connection:
    """The history database with the decision log and this table in place."""
    from asba.audit.log import connect as log_connect

    return log_connect(path)  # the outcomes table is created at open (asba.history.schema, schema 4)


def store_epoch(iso_utc: str) -> int:
    """A decision's UTC time on the history's scale (sacct's naive local times stored as if UTC)."""
    utc = calendar.timegm(datetime.strptime(iso_utc[:19], "%Y-%m-%dT%H:%M:%S").timetuple())
    return utc + (time.localtime(utc).tm_gmtoff or 0)


def _candidates(conn: sqlite3.Connection, decision: Any, start: int) -> list[tuple[dict, str]]:
    """Jobs of the decision's script submitted within the window (the submit_ts index bounds the scan)."""
    name = decision.script.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    digest = decision.script_hash or "\0none"
    cols = ", ".join(f"j.{c}" for c in _JOB_COLS)
    sql = (f"SELECT {cols}, COALESCE(s.script_hash, j.script_hash) FROM jobs j "
           "LEFT JOIN submissions s ON s.job_id = j.base_id WHERE j.submit_ts >= ? AND j.submit_ts <= ? AND "
           "(s.script_hash = ? OR j.script_hash = ? OR COALESCE(s.script_name, j.script_name) = ? "
           "OR j.job_name IN (?, ?)) ORDER BY j.submit_ts, j.job_id")
    rows = conn.execute(sql, (start, start + WINDOW_S, digest, digest, name, name, stem)).fetchall()
    return [(dict(zip(_JOB_COLS, row[:-1])), "hash" if row[-1] == decision.script_hash else "name") for row in rows]


def _by_id(conn: sqlite3.Connection, ids: list[tuple[str, str]]) -> list[tuple[dict, str]]:
    """The history's jobs with these submitted ids (an array's tasks share the array's id as base_id)."""
    cols = ", ".join(f"j.{c}" for c in _JOB_COLS)
    found = []
    for job_id, cluster in ids:
        rows = conn.execute(f"SELECT {cols} FROM jobs j WHERE j.base_id = ? AND (? = '' OR j.cluster = ?) "
                            "ORDER BY j.submit_ts, j.job_id", (job_id, cluster, cluster)).fetchall()
        found += [(dict(zip(_JOB_COLS, row)), "job id") for row in rows]
    return found


def claimed_jobs(conn: sqlite3.Connection, decisions: Iterable[Any]) -> list[tuple[Any, dict, str]]:
    """(decision, job, matched_by) for every job. A job submitted for a decision (its id logged by `asba submit`)
    is that decision's; a decision with no submitted job claims by script, and a job so claimed goes to the
    latest decision before its submission."""
    from asba.audit.submitted import submitted_ids

    decisions = list(decisions)
    ids = submitted_ids(conn, decisions)
    best: dict[tuple[str, str], tuple[tuple[int, int], Any, dict, str]] = {}
    for decision in decisions:
        start = store_epoch(decision.created_at)
        by_id = bool(ids[decision.id])
        found = _by_id(conn, ids[decision.id]) if by_id else _candidates(conn, decision, start)
        for job, how in found:
            key, rank = (job["cluster"], job["job_id"]), (int(by_id), start)
            if key not in best or best[key][0] < rank:
                best[key] = (rank, decision, job, how)
    return [(d, j, how) for _s, d, j, how in sorted(best.values(), key=lambda v: (v[2]["submit_ts"] or 0,
                                                                                    v[2]["job_id"]))]


def _fact(decision: Any, name: str, default: Any = None) -> Any:
    return next((f["value"] for f in decision.facts if f["name"] == name), default)


class Pricer:
    """Real costs from the same models asba decides with: the local cost model and the instance prices."""

    def __init__(self, cfg: Any, catalog: Any) -> None:
        self.cfg, self.catalog = cfg, catalog

    def local(self, partition: str, job: dict, runtime_s: float) -> float:
        from asba.knowledge.costs import local_cost

        hourly = local_cost(self.cfg, partition, cpus=int(job["alloc_cpus"] or 1),
                            mem_mb=float(job["requested_memory_mb"] or 0.0), gpus=int(job["requested_gpus"] or 0),
                            nodes=int(job["nodes"] or 1), runtime_s=3600.0).usd
        return hourly * runtime_s / 3600.0  # priced per hour, then scaled: seconds-long jobs keep their cost

    def aws_hourly(self, aws: dict) -> tuple[float | None, str]:
        """USD per hour for the advised instance type and node count, and where the price came from."""
        name = aws.get("instance_type")
        if not name or name not in self.catalog:
            return None, "no advised instance type with a price"
        itype = self.catalog.get(name)
        spot = aws.get("purchasing") == "spot" and itype.spot_usd_per_hour is not None
        rate = itype.spot_usd_per_hour if spot else itype.on_demand_usd_per_hour
        if rate is None:
            return None, f"no price for {name}"
        nodes = int(aws.get("nodes") or 1)
        return rate * nodes, f"{name} x{nodes} {'spot' if spot else 'on-demand'} ({self.catalog.price_label()})"


def outcome_of(decision: Any, job: dict, how: str, pricer: Pricer) -> Outcome:
    res = decision.result
    local, aws = res.get("local") or {}, res.get("aws")
    ran = AWS if job["execution_platform"] == AWS else LOCAL
    finished = job["elapsed_s"] is not None and job["state"] not in ("PENDING", "RUNNING", "REQUEUED")
    value = float(_fact(decision, "decision.value_of_hour_usd", 0.0) or 0.0)
    factor = float((aws or {}).get("performance_factor") or 1.0)
    startup = float((aws or {}).get("startup_s") or 0.0)
    hourly, price_src = pricer.aws_hourly(aws or {})
    local_part = (res.get("request") or {}).get("partition") or (job["partition"] if ran == LOCAL else "default")
    hindsight = real_cost = None
    cost_basis = price_src if ran == AWS else f"local cost model, partition {job['partition']}"
    if finished:
        runtime = float(job["elapsed_s"])
        wait = float(job["queue_wait_s"] or 0.0)
        local_rt, aws_rt = (runtime, runtime * factor) if ran == LOCAL else (runtime / factor, runtime)
        local_wait = wait if ran == LOCAL else float(local.get("wait_p50_s") or 0.0)
        aws_wait = wait if ran == AWS else startup
        local_usd = pricer.local(job["partition"] if ran == LOCAL else local_part, job, local_rt)
        transfer = float((aws or {}).get("transfer_usd") or 0.0)
        aws_usd = None if hourly is None else hourly * aws_rt / 3600.0 + transfer
        hindsight = Hindsight(local_usd, local_wait + local_rt, aws_usd,
                              None if aws_usd is None else aws_wait + aws_rt)
        real_cost = local_usd if ran == LOCAL else aws_usd
    side = aws if ran == AWS and aws else local
    return Outcome(
        decision.id, decision.created_at, decision.script, job["cluster"], job["job_id"], how, job["submit_ts"],
        decision.platform, decision.instance_type, ran, job["partition"], ran == decision.platform, job["state"],
        job["user"] or "", None if job["queue_wait_s"] is None else float(job["queue_wait_s"]),
        None if not finished else float(job["elapsed_s"]), real_cost, cost_basis,
        startup if ran == AWS else local.get("wait_p50_s"), side.get("runtime_s"), side.get("cost_usd"), value,
        asdict(hindsight) if hindsight else None, go_rule(go_inputs(res)), aws is not None)


def go_inputs(res: dict) -> GoInputs:
    """What the Go rule would have seen for this decision: asba's wait estimate, costs scaled to the limit."""
    local, aws = res.get("local") or {}, res.get("aws")
    limit = float((res.get("request") or {}).get("time_limit_s") or 0.0) or float(local.get("runtime_s") or 0.0)
    scale = limit / float(local.get("runtime_s") or limit or 1.0)
    aws_cost = None if not aws else float(aws.get("cost_usd") or 0.0) * scale
    return GoInputs(float(local.get("wait_p50_s") or 0.0), float(local.get("cost_usd") or 0.0) * scale,
                    float((aws or {}).get("startup_s") or 0.0), aws_cost)


_UPSERT = ("INSERT INTO decision_outcomes (decision_id, cluster, job_id, decided_at, submit_ts, script, matched_by, "
           "advised, ran, partition, followed, state, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (decision_id, cluster, job_id) DO UPDATE SET state = excluded.state, "
           "ran = excluded.ran, partition = excluded.partition, followed = excluded.followed, "
           "matched_by = excluded.matched_by, data = excluded.data WHERE decision_outcomes.data IS NOT excluded.data")


def refresh(conn: sqlite3.Connection, decisions: list[Any], pricer: Pricer) -> dict[str, int]:
    """Join the decisions with the history and upsert the outcome rows (one transaction); returns counts."""
    outcomes = [outcome_of(d, job, how, pricer) for d, job, how in claimed_jobs(conn, decisions)]
    rows = [(o.decision_id, o.cluster, o.job_id, o.decided_at, o.submit_ts, o.script, o.matched_by, o.advised,
             o.ran, o.partition, int(o.followed), o.state, json.dumps(o.as_dict(), sort_keys=True)) for o in outcomes]
    try:
        conn.execute("BEGIN IMMEDIATE")
        before = conn.total_changes
        conn.executemany(_UPSERT, rows)
        changed = conn.total_changes - before
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreError(f"cannot store decision outcomes: {exc}", code="ASBA-AUDIT-011") from None
    return {"jobs": len(rows), "changed": changed, "unchanged": len(rows) - changed}


def decisions_since(conn: sqlite3.Connection, since_iso: str | None) -> list[Any]:
    from asba.audit.log import COLUMNS, _decision

    sql = f"SELECT {', '.join(COLUMNS)} FROM decisions"
    rows = conn.execute(sql + (" WHERE created_at >= ? ORDER BY created_at, id" if since_iso else
                               " ORDER BY created_at, id"), (since_iso,) if since_iso else ()).fetchall()
    return [_decision(row) for row in rows]


def stored(conn: sqlite3.Connection, since_iso: str | None = None) -> list[Outcome]:
    sql = "SELECT data FROM decision_outcomes"
    params: tuple = ()
    if since_iso:
        sql += " WHERE decided_at >= ?"
        params = (since_iso,)
    rows = conn.execute(sql + " ORDER BY submit_ts, job_id", params).fetchall()
    try:
        return [Outcome(**json.loads(row[0])) for row in rows]
    except (ValueError, TypeError):
        raise StoreError("a row of the decision outcomes table is damaged (not the JSON asba wrote)",
                         hint="`asba audit outcomes` writes the table again from the decisions and the jobs",
                         code="ASBA-AUDIT-021") from None
