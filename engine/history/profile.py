"""A user's profile from their history and the decision outcomes (roadmap 2.3, smart defaults).

* request vs use: the median request (CPUs, memory, time limit) of the user's finished jobs beside the median
  use (effective CPUs = TotalCPU / Elapsed, peak memory, elapsed), overall and per script;
* where runs succeeded or failed, with counts: local partitions, and for jobs on burst partitions the instance
  type the decision they followed advised (asba.audit.outcomes; "type unknown" when no decision was logged);
* AWS performance per instance family: runtime on AWS over runtime locally, from the scripts that ran
  successfully on both (asba.audit.refinements);
* budget sensitivity: of the jobs that followed AWS advice, how many the user sent to AWS, by the advised AWS
  cost (a user who follows cheap AWS advice but not dear advice is budget sensitive).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from asba.history.gpu_alerts import LowGpuJobs

COST_BANDS = ((0.0, 1.0, "under $1"), (1.0, 10.0, "$1-10"), (10.0, 100.0, "$10-100"), (100.0, float("inf"), "$100+"))
TOP_SCRIPTS = 10


def _median(values: Iterable[float | None]) -> float | None:
    known = [float(v) for v in values if v is not None]
    return round(statistics.median(known), 3) if known else None


@dataclass
class RequestUse:
    jobs: int
    cpus_requested: float | None
    cpus_used: float | None
    memory_requested_gb: float | None
    memory_used_gb: float | None
    time_limit_h: float | None
    runtime_h: float | None
    # GPU runs only: median GPUs, median utilisation of the runs whose use sacct recorded (None: none recorded)
    gpu_jobs: int = 0
    gpus_requested: float | None = None
    gpu_utilization_pct: float | None = None
    gpu_recorded_jobs: int = 0

    @classmethod
    def of(cls, runs: Sequence[Any]) -> RequestUse:
        gpu_runs = [r for r in runs if r.requested_gpus]
        recorded = [r for r in gpu_runs if r.gpu_utilization_pct is not None]
        return cls(len(runs), _median(r.alloc_cpus for r in runs), _median(r.effective_cpus for r in runs),
                   _median(_gb(r.requested_memory_mb) for r in runs), _median(_gb(r.max_memory_used_mb) for r in runs),
                   _median(_h(r.time_limit_s) for r in runs), _median(_h(r.elapsed_s) for r in runs),
                   len(gpu_runs), _median(r.requested_gpus for r in gpu_runs),
                   _median(r.gpu_utilization_pct for r in recorded), len(recorded))


def _gb(mb: float | None) -> float | None:
    return None if mb is None else mb / 1024.0


def _h(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600.0


@dataclass
class Place:
    where: str  # partition, or "aws <instance type>"
    platform: str
    runs: int = 0
    succeeded: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(self.failures.values())


@dataclass
class Profile:
    user: str
    jobs: int
    finished: int
    overall: RequestUse
    scripts: list[dict]
    places: list[Place]
    budget: dict
    performance: list[dict] = field(default_factory=list)
    failure_patterns: list[dict] = field(default_factory=list)
    gpu_alert: LowGpuJobs | None = None  # GPU jobs under jobstats' 15 % line (asba.history.gpu_alerts)

    def as_dict(self) -> dict:
        data = asdict(self)
        for place, entry in zip(self.places, data["places"]):
            entry["failed"] = place.failed
        return data


def instance_of_jobs(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(cluster, job id) -> the instance type of the decision a burst-partition job followed."""
    try:
        rows = conn.execute("SELECT cluster, job_id, data FROM decision_outcomes WHERE ran = 'aws'").fetchall()
    except sqlite3.OperationalError:  # no outcomes table yet
        return {}
    found = {}
    for cluster, job_id, data in rows:
        try:
            advised = json.loads(data).get("advised_instance")
        except (ValueError, TypeError, AttributeError):  # a damaged row tells nothing: the job counts as not followed
            continue
        if advised:
            found[(cluster, job_id)] = advised
    return found


def places(runs: Sequence[Any], instances: dict[tuple[str, str], str]) -> list[Place]:
    table: dict[str, Place] = {}
    for r in runs:
        if r.execution_platform == "aws":
            where = f"{r.partition} ({instances.get((r.cluster, r.job_id), 'type unknown')})"
        else:
            where = r.partition
        place = table.setdefault(where, Place(where, r.execution_platform))
        place.runs += 1
        kind = r.failure_kind
        if kind is None:
            place.succeeded += 1
        else:
            place.failures[kind] = place.failures.get(kind, 0) + 1
    return sorted(table.values(), key=lambda p: (-p.runs, p.where))


def budget_sensitivity(outcomes: Sequence[Any]) -> dict:
    """Share of AWS advice followed, by the advised AWS cost."""
    advised = [o for o in outcomes if o.advised == "aws"]
    bands = []
    for low, high, label in COST_BANDS:
        inside = [o for o in advised if low <= float(_aws_cost(o) or 0.0) < high]
        if inside:
            bands.append({"cost": label, "advised": len(inside), "followed": sum(o.followed for o in inside)})
    followed = sum(o.followed for o in advised)
    return {"aws_advised": len(advised), "followed": followed,
            "share_followed": round(followed / len(advised), 3) if advised else None, "by_cost": bands}


def _aws_cost(o: Any) -> float | None:
    # the advised AWS cost is the prediction when the job ran on AWS, else the other side in hindsight
    if o.ran == "aws":
        return o.predicted_cost_usd
    return (o.hindsight or {}).get("aws_cost_usd")


def script_rows(runs: Sequence[Any]) -> list[dict]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for r in runs:
        grouped[r.script_name or r.job_name].append(r)
    top = sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:TOP_SCRIPTS]
    return [{"script": name, **asdict(RequestUse.of(group)),
             "states": dict(Counter(r.state for r in group))} for name, group in top]


def performance(runs: Sequence[Any], instances: dict[tuple[str, str], str]) -> list[dict]:
    """AWS over local runtime per instance family, from the scripts that ran successfully on both."""
    from asba.audit.refinements import performance_factor

    grouped: dict[str, list[Any]] = defaultdict(list)
    for r in runs:
        grouped[r.script_name or r.job_name].append(r)
    families: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for script, group in sorted(grouped.items()):
        facts = {f.name: f.value for f in performance_factor(group, instances)}
        if facts:
            families[facts["refine.aws_performance_family"]].append((script, facts["refine.aws_performance_factor"]))
    return [{"family": fam, "factor": round(statistics.median(v for _s, v in found), 3),
             "scripts": [{"script": s, "factor": v} for s, v in found]} for fam, found in sorted(families.items())]


def failure_patterns(runs: Sequence[Any], instances: dict[tuple[str, str], str]) -> list[dict]:
    """Each script's failure patterns, keyed by where they happened (asba.history.failure_risk)."""
    from asba.history.failure_risk import patterns

    grouped: dict[str, list[Any]] = defaultdict(list)
    for r in runs:
        grouped[r.script_name or r.job_name].append(r)
    return [{"script": script, "pattern": p.describe(), "where": p.where, "kind": p.kind,
             "occurrences": p.occurrences, "confidence": round(p.confidence, 3)}
            for script, group in sorted(grouped.items()) if any(r.failure_kind for r in group)
            for p in patterns(group, instances)]


def build(store: Any, user: str | None, outcomes: Sequence[Any], days: float | None = None) -> Profile:
    from asba.history.record import FINISHED_STATES

    runs = store.jobs(user=user, days=days)
    finished = [r for r in runs if r.state in FINISHED_STATES and r.elapsed_s is not None]
    mine = [o for o in outcomes if not user or o.user == user]
    instances = instance_of_jobs(store.conn)
    return Profile(user or "all users in the history", len(runs), len(finished), RequestUse.of(finished),
                   _classed(store, script_rows(finished), user, days), places(finished, instances),
                   budget_sensitivity(mine),
                   performance(finished, instances), failure_patterns(finished, instances))


def _classed(store: Any, rows: list[dict], user: str | None, days: float | None) -> list[dict]:
    """Each script's workload class, from its pattern as `history --patterns` and `explain` class it."""
    from asba.history.patterns import pattern_for_script
    from asba.history.workload_class import classify

    for row in rows:
        pattern = pattern_for_script(store, script_name=row["script"], days=days, user=user) if row["script"] else None
        found = classify(pattern) if pattern is not None else None
        row["workload_class"] = found.name if found else None
        row["workload_confidence"] = found.confidence if found else None
    return rows
