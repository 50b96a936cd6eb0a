"""The jobs `asba submit` started for a logged decision: the id SLURM returned, in the decision log's database.

One row per ``sbatch`` run: the decision, the job id sbatch printed (``--parsable``: ``id`` or ``id;cluster``;
for an array the array's id, whose tasks are ``id_N``), the step of a pipeline (0 for a single job), the exact
argv that ran and when. `asba audit outcomes` joins these ids with the history first (asba.audit.outcomes), and
falls back to the script's hash or name only for decisions with no submitted job.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from asba.errors import ExternalCommandError, StoreError


@dataclass(frozen=True)
class SubmittedJob:
    decision_id: str
    job_id: str
    cluster: str
    step: int
    submitted_at: str
    argv: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"decision_id": self.decision_id, "job_id": self.job_id, "cluster": self.cluster, "step": self.step,
                "submitted_at": self.submitted_at, "argv": list(self.argv)}


def parse_parsable(stdout: str) -> tuple[str, str]:
    """``sbatch --parsable`` prints ``jobid`` or ``jobid;cluster``: (job id, cluster or '')."""
    first = (stdout.strip().splitlines() or [""])[0].strip()
    job_id, _, cluster = first.partition(";")
    if not job_id.isdigit():
        raise ExternalCommandError(f"sbatch --parsable printed {first[:60]!r}, not a job id", where="sbatch",
                         code="ASBA-SUBMIT-003", hint="check the job with squeue --me")
    return job_id, cluster.strip()


def record(conn: sqlite3.Connection, job: SubmittedJob) -> None:
    try:
        with conn:
            conn.execute("INSERT OR REPLACE INTO decision_jobs (decision_id, job_id, cluster, step, submitted_at, "
                         "argv) VALUES (?, ?, ?, ?, ?, ?)", (job.decision_id, job.job_id, job.cluster, job.step,
                                                              job.submitted_at, json.dumps(list(job.argv))))
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot log submitted job {job.job_id}: {exc}", code="ASBA-AUDIT-031") from None


def of_decision(conn: sqlite3.Connection, decision_id: str) -> list[SubmittedJob]:
    rows = conn.execute("SELECT decision_id, job_id, cluster, step, submitted_at, argv FROM decision_jobs "
                        "WHERE decision_id = ? ORDER BY step, job_id", (decision_id,)).fetchall()
    return [SubmittedJob(r[0], r[1], r[2], int(r[3]), r[4], tuple(json.loads(r[5]))) for r in rows]


def submitted_ids(conn: sqlite3.Connection, decisions: Any) -> dict[str, list[tuple[str, str]]]:
    """decision id -> [(job id, cluster)] for the given decisions (empty lists for none)."""
    out: dict[str, list[tuple[str, str]]] = {d.id: [] for d in decisions}
    for decision_id, job_id, cluster in conn.execute("SELECT decision_id, job_id, cluster FROM decision_jobs"):
        if decision_id in out:
            out[decision_id].append((job_id, cluster))
    return out
