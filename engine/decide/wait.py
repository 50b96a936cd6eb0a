"""How long will this job wait in the queue? A p10/p50/p90 range from up to three methods, each with its weight.

* ``slurm``: SLURM's own plan for the job (``sbatch --test-only``). It assumes every job runs to its limit, so it
  is taken as the p90, and scaled by the runtime/limit ratio for p50 (ratio) and p10 (ratio / 2), as the queue
  model's replays are.
* ``queue_model``: replay the partition in priority order (`simulate_start`): the jobs ahead start as running
  jobs end, each running for ``ratio x its time limit``; the job starts when its CPUs (or GPUs) are free after
  them, or at once when it fits now and ends before the first blocked job could start (backfill). p50 uses the
  user's runtime/limit ratio (or the default below), p10 half of it, p90 the full limits.
* ``history``: Submit->Start of the user's similar past jobs on this partition (percentiles).
* ``wait_record``: the cluster's own waits of similar jobs, all users: the product-limit estimate of the job's
  class (``wait_km``: jobs still pending are right-censored, classes shrunk toward their parents, the live
  queue's pending count as a class feature); backtested in ``asba cluster backtest``.

The methods are combined by weight (per-quantile weighted mean). ``method`` names the heaviest.
"""

from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asba.decide.wait_classes import THIN_MIN, JobClass, WaitRecordModel
from asba.decide.wait_km import MIN_EVENTS, KaplanMeierRecord
from asba.facts.cluster_facts import ClusterView, JobNeeds, PartitionSummary, job_needs
from asba.facts.model import Fact
from asba.inputs.cluster_parse import QueueJob, parse_duration

# Median runtime / time-limit ratio of the 365 jobs in the mila Cedar trace of 2021-05-16 (0.098: run_time_sec /
# time_limit_sec); used when the user's own ratio is unknown.
DEFAULT_RUNTIME_RATIO = 0.10
WEIGHT_SLURM = 0.5
WEIGHT_QUEUE = 1.0
WEIGHT_RECORD = 2.0  # the method the backtest supports best (benchmarks/results/wait_backtest.md)
WEIGHT_RECORD_THIN = 0.75
AT_ONCE_S = 300.0  # under 5 minutes: "starts almost at once"
HISTORY_MIN_SAMPLES = 3
HISTORY_FULL_WEIGHT_AT = 10  # past waits at which history weighs as much as the queue model (x1.5)


@dataclass(frozen=True)
class WaitComponent:
    name: str
    p10_s: float
    p50_s: float
    p90_s: float
    weight: float
    evidence: int
    detail: str

    def as_dict(self) -> dict:
        return {"name": self.name, "p10_s": round(self.p10_s), "p50_s": round(self.p50_s),
                "p90_s": round(self.p90_s), "weight": round(self.weight, 3), "evidence": self.evidence,
                "detail": self.detail}


@dataclass
class WaitEstimate:
    partition: str
    p10_s: float | None
    p50_s: float | None
    p90_s: float | None
    method: str  # the component with the largest weight, or "none"
    components: list[WaitComponent] = field(default_factory=list)
    evidence_count: int = 0
    gaps: list[str] = field(default_factory=list)

    @property
    def starts_at_once(self) -> bool:
        """p50 under 5 minutes: say "starts almost at once" rather than a number of seconds."""
        return self.p50_s is not None and self.p50_s < AT_ONCE_S

    def to_facts(self, side: str = "local") -> list[Fact]:
        """``wait.<side>_*`` facts (side: local or burst); none when no method could estimate."""
        if self.p50_s is None:
            return []
        weights = ", ".join(f"{c.name} {c.weight:.2f}" for c in self.components)
        src = f"wait estimate for partition {self.partition} ({weights})"
        values = {"p10_s": round(self.p10_s or 0.0, 1), "p50_s": round(self.p50_s, 1),
                  "p90_s": round(self.p90_s or 0.0, 1), "method": self.method, "evidence_count": self.evidence_count}
        return [Fact(f"wait.{side}_{key}", value, src) for key, value in values.items()]

    def as_dict(self) -> dict:
        def r(x: float | None) -> int | None:
            return None if x is None else round(x)

        return {"partition": self.partition, "p10_s": r(self.p10_s), "p50_s": r(self.p50_s), "p90_s": r(self.p90_s),
                "method": self.method, "evidence_count": self.evidence_count, "starts_at_once": self.starts_at_once,
                "components": [c.as_dict() for c in self.components], "gaps": self.gaps}


def estimate_wait(
    view: ClusterView,
    job: Any = None,
    partition: str | None = None,
    past_waits_s: list[float] | None = None,
    runtime_ratio: float | None = None,
    record: WaitRecordModel | KaplanMeierRecord | None = None,
    qos: str | None = None,
) -> WaitEstimate:
    """``record``: the cluster wait record (``history.wait_record.model_for``), read at ``view.now``."""
    needs = job_needs(job)
    name = partition or next(iter(view.partitions), "")
    summary = view.summary(name)
    gaps: list[str] = []
    r50 = runtime_ratio if runtime_ratio and runtime_ratio > 0 else DEFAULT_RUNTIME_RATIO
    parts = [
        _slurm_component(summary, gaps, r50),
        _queue_component(summary, needs, runtime_ratio, gaps, view),
        _history_component(past_waits_s or [], gaps),
        _record_component(record, summary, needs, name, qos, view.now, gaps),
    ]
    return combine(name, [c for c in parts if c is not None], gaps)


def combine(partition: str, components: list[WaitComponent], gaps: list[str]) -> WaitEstimate:
    total = sum(c.weight for c in components)
    if not components or total <= 0:
        return WaitEstimate(partition, None, None, None, "none", [], 0, gaps)
    components = [_normalised(c, total) for c in components]

    def mix(attr: str) -> float:
        return sum(getattr(c, attr) * c.weight for c in components)

    p10, p50, p90 = mix("p10_s"), mix("p50_s"), mix("p90_s")
    dominant = max(components, key=lambda c: c.weight).name
    evidence = sum(c.evidence for c in components)
    return WaitEstimate(partition, min(p10, p50), p50, max(p90, p50), dominant, components, evidence, gaps)


def _normalised(c: WaitComponent, total: float) -> WaitComponent:
    return WaitComponent(c.name, c.p10_s, c.p50_s, c.p90_s, c.weight / total, c.evidence, c.detail)


def _slurm_component(summary: PartitionSummary | None, gaps: list[str], ratio: float) -> WaitComponent | None:
    if summary is None or summary.test_only_s is None:
        gaps.append("slurm: no sbatch --test-only estimate for this partition")
        return None
    est = summary.test_only_s
    return WaitComponent("slurm", est * ratio / 2, est * ratio, est, WEIGHT_SLURM, 1,
                         f"sbatch --test-only: starts in {est:.0f} s if every job runs to its limit (p90); "
                         f"x {ratio:.2f} for p50")


def _history_component(waits: list[float], gaps: list[str]) -> WaitComponent | None:
    waits = sorted(w for w in waits if w is not None and w >= 0)
    if len(waits) < HISTORY_MIN_SAMPLES:
        gaps.append(f"history: {len(waits)} past waits of similar jobs (needs {HISTORY_MIN_SAMPLES})")
        return None
    p10, p50, p90 = _percentiles(waits)
    weight = 1.5 * min(1.0, len(waits) / HISTORY_FULL_WEIGHT_AT)
    return WaitComponent("history", p10, p50, p90, weight, len(waits),
                         f"Submit->Start of {len(waits)} similar past jobs")


def _record_component(record: WaitRecordModel | KaplanMeierRecord | None, summary: PartitionSummary | None,
                      needs: JobNeeds, partition: str, qos: str | None, now: float,
                      gaps: list[str]) -> WaitComponent | None:
    if record is None:
        gaps.append("wait_record: no cluster wait record (run `asba history sync`)")
        return None
    pending = len(summary.pending) if summary is not None and summary.pending is not None else None
    cls = JobClass(partition, needs.cpus, needs.gpus, needs.time_limit_s, qos, pending)
    if isinstance(record, KaplanMeierRecord):
        return _km_component(record, cls, now, gaps)
    est = record.estimate(cls, now)
    if est is None:
        gaps.append(f"wait_record: fewer than {THIN_MIN} waits of similar jobs in the record")
        return None
    weight = WEIGHT_RECORD_THIN if est.thin else WEIGHT_RECORD
    return WaitComponent("wait_record", est.p10_s, est.p50_s, est.p90_s, weight, est.evidence, est.detail())


def _km_component(record: KaplanMeierRecord, cls: JobClass, now: float, gaps: list[str]) -> WaitComponent | None:
    curve = record.estimate(cls, now)
    if curve is None:
        gaps.append(f"wait_record: fewer than {MIN_EVENTS} started waits in the record")
        return None
    p10, p50, p90 = curve.quantiles()
    detail = (f"product-limit estimate of {curve.evidence} jobs of the last {record.window_s / 86400:g} d "
              f"(pending ones censored), {curve.label}")
    return WaitComponent("wait_record", p10, p50, p90, WEIGHT_RECORD, curve.evidence, detail)


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    return cuts[0], statistics.median(values), cuts[-1]


def _queue_component(
    summary: PartitionSummary | None, needs: JobNeeds, ratio: float | None, gaps: list[str], view: ClusterView
) -> WaitComponent | None:
    if summary is None or not summary.exists:
        gaps.append("queue_model: partition not read")
        return None
    if summary.state.upper() not in {"UP", "UNKNOWN"}:
        gaps.append(f"queue_model: partition {summary.name} is {summary.state}: no job starts until it is UP")
        return None
    if summary.total_cpus is None or summary.idle_cpus is None or not view.state.has("squeue"):
        gaps.append("queue_model: needs both the queue (squeue) and the nodes (sinfo)")
        return None
    too_big = _no_node_fits(summary, needs)
    if too_big:
        gaps.append(f"queue_model: {too_big}")
        return None
    use_gpus = needs.gpus > 0 and bool(summary.total_gpus)
    capacity = (summary.total_gpus if use_gpus else summary.total_cpus) or 0
    free = (summary.idle_gpus if use_gpus else summary.idle_cpus) or 0
    need = needs.gpus if use_gpus else needs.cpus
    if need > capacity:
        gaps.append(f"queue_model: the job needs {need} {'GPUs' if use_gpus else 'CPUs'}, the partition has {capacity}")
        return None
    fallback_limit = parse_duration(summary.settings.get("DefaultTime", "")) or 3600
    r50 = ratio if ratio and ratio > 0 else DEFAULT_RUNTIME_RATIO
    running = [(_amount(j, use_gpus), summary.remaining_s.get(j.job_id, math.inf), j.time_limit_s)
               for j in summary.running]
    ahead = [(_amount(j, use_gpus), j.time_limit_s or fallback_limit) for j in summary.ahead for _ in range(j.tasks)]
    quantiles = queue_model_quantiles(capacity, free, running, ahead, need, needs.time_limit_s or fallback_limit, r50)
    if math.inf in quantiles:
        gaps.append("queue_model: running jobs without a time limit hold the resources it needs indefinitely")
        return None
    source = "your runtime/limit ratio" if ratio else "default ratio"
    detail = (f"{len(ahead)} jobs ahead, {len(running)} running, {free}/{capacity} "
              f"{'GPUs' if use_gpus else 'CPUs'} free; runtimes = limit x {r50:.2f} ({source})")
    return WaitComponent("queue_model", *quantiles, WEIGHT_QUEUE, len(running) + len(ahead), detail)


def queue_model_quantiles(
    capacity: float,
    free: float,
    running: Sequence[tuple[float, float, int | None]],
    ahead: Sequence[tuple[float, float]],
    need: float,
    limit_s: float,
    ratio: float,
) -> tuple[float, float, float]:
    """p10/p50/p90 start of the job: replays with runtimes of ratio/2, ratio and 1 x the limits.

    ``running``: (units, seconds left by the limit, the job's limit or None); ``ahead``: (units, limit), in
    priority order (one entry per array task).
    """
    out = []
    for r in (ratio / 2, ratio, 1.0):
        left = [(units, _remaining(by_limit, limit, r)) for units, by_limit, limit in running]
        out.append(simulate_start(capacity, free, left, [(u, r * lim) for u, lim in ahead], need, limit_s))
    low, mid, high = sorted(out)
    return low, mid, high


def _no_node_fits(summary: PartitionSummary, needs: JobNeeds) -> str:
    """Why no node of the partition can hold the job's per-node share ("" when one can)."""
    mem, biggest = needs.mem_per_node_mb, summary.max_node_memory_mb
    if mem and biggest and mem > biggest:
        return f"the job needs {mem:.0f} MB per node, the largest node of {summary.name} has {biggest} MB"
    per_node = -(-needs.cpus // max(1, needs.nodes))
    if summary.max_node_cpus and per_node > summary.max_node_cpus:
        return f"the job needs {per_node} CPUs per node, the largest node of {summary.name} has {summary.max_node_cpus}"
    return ""


def _amount(job: QueueJob, gpus: bool) -> int:
    return job.gpus if gpus else job.cpus


def _remaining(by_limit: float, limit: int | None, ratio: float) -> float:
    """Expected time left: ``ratio x limit - elapsed``, but never below ``ratio x`` the time left by the limit."""
    if by_limit == math.inf:
        return math.inf  # no limit at all (UNLIMITED partition): it may hold its resources for ever
    if not limit:
        return ratio * by_limit
    elapsed = max(0.0, limit - by_limit)
    return max(ratio * limit - elapsed, ratio * by_limit)


def simulate_start(
    capacity: float,
    free_now: float,
    running: list[tuple[float, float]],
    ahead: list[tuple[float, float]],
    need: float,
    limit_s: float,
) -> float:
    """Seconds until a job needing ``need`` units starts, given running (units, seconds left) and, in priority
    order, the jobs ahead (units, runtime). Strict priority order, plus backfill when it fits now and ends before
    the first job ahead could start. Units are CPUs or GPUs of one partition (node packing is not modelled)."""
    releases = [(t, units) for units, t in running if units > 0]
    heapq.heapify(releases)
    free, now = float(free_now), 0.0
    first_ahead_start: float | None = None
    for units, runtime in ahead:
        units = min(units, capacity)
        now, free = _wait_for(units, free, now, releases)
        if now == math.inf:
            return math.inf
        first_ahead_start = now if first_ahead_start is None else first_ahead_start
        free -= units
        heapq.heappush(releases, (now + runtime, units))
    if need <= free_now and (first_ahead_start is None or limit_s <= first_ahead_start):
        return 0.0  # backfill: fits now without delaying the first job ahead
    start, _ = _wait_for(need, free, now, releases)
    return start


def _wait_for(units: float, free: float, now: float, releases: list[tuple[float, float]]) -> tuple[float, float]:
    while free < units:
        if not releases:
            return math.inf, free
        t, freed = heapq.heappop(releases)
        now, free = max(now, t), free + freed
    return now, free
