"""Replay a job history with no decision log: every finished job as if asba had been asked at its submission.

Only the past is used (time order): when a job is "asked", asba knows the runtimes of the jobs that had ended by
then and the waits of the jobs that had started by then, nothing later. For each job:

* runtime estimate, as `asba explain` makes it (asba.decide.timing.expected_runtime): the p50 / p95 of the
  same script's (same user and key) earlier successful runs when there are ``min_runs``, else the time limit;
* the Tsafrir-Etsion-Feitelson baseline ("Backfilling using system-generated predictions rather than user
  runtime estimates", IEEE TPDS 2007): the mean of the user's last two runtimes, capped at the limit; a job
  that overruns its prediction has it raised to the limit (both the first and the raised error are kept);
* the wait estimate through asba's own interface (asba.decide.wait.estimate_wait) with what was known then:
  the waits of jobs that had started on the partition, with half to twice the job's CPUs (as explain asks);
  the traces keep no queue snapshot per job, so the queue model and sbatch --test-only do not take part;
* the decision: both sides priced (local cost model, the cheapest instance type of the burst partition that
  holds the job, as instance matching finds it), the decision rule pack evaluated on those facts, exactly as
  explain does (no budget: the traces have no spend);
* the Go ASBA rule on the same estimates (asba.audit.regret.go_rule), and the hindsight totals with the real
  wait and runtime.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from asba.audit.regret import AWS, LOCAL, Case, GoInputs, Hindsight, go_rule, policy_choices

RECENT_WAITS = 2000  # started jobs of a partition kept for the wait history (the newest)
MAX_PAST_WAITS = 200  # similar waits handed to the estimate


@dataclass
class TraceJob:
    user: str
    key: str  # what identifies "the same script": a job name, or a request shape where names are missing
    partition: str
    submit_ts: float
    start_ts: float
    end_ts: float
    limit_s: float
    cpus: int
    nodes: int
    mem_mb: float  # whole job
    gpus: int
    state: str

    @property
    def runtime_s(self) -> float:
        return max(self.end_ts - self.start_ts, 0.0)

    @property
    def wait_s(self) -> float:
        return max(self.start_ts - self.submit_ts, 0.0)


@dataclass
class Prediction:
    real_s: float
    asba_s: float
    asba_basis: str
    tef_s: float  # first prediction
    tef_final_s: float  # after raising on overrun


@dataclass
class Replay:
    cases: list[Case] = field(default_factory=list)
    predictions: list[Prediction] = field(default_factory=list)
    wait_errors: list[float] = field(default_factory=list)  # p50 estimate - real
    aws_infeasible: int = 0


class Past:
    """What was known at a moment: ended jobs' runtimes and started jobs' waits, fed in time order."""

    def __init__(self, jobs: Sequence[TraceJob]) -> None:
        self._by_end = sorted(jobs, key=lambda j: j.end_ts)
        self._by_start = sorted(jobs, key=lambda j: j.start_ts)
        self._ends = self._starts = 0
        self.script_runs: dict[tuple[str, str], list[float]] = defaultdict(list)  # successful runtimes
        self.user_last: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=2))
        self.waits: dict[str, deque[tuple[int, float]]] = defaultdict(lambda: deque(maxlen=RECENT_WAITS))

    def advance(self, t: float) -> None:
        while self._ends < len(self._by_end) and self._by_end[self._ends].end_ts <= t:
            job = self._by_end[self._ends]
            if job.state == "COMPLETED":
                bisect.insort(self.script_runs[(job.user, job.key)], job.runtime_s)
            self.user_last[job.user].append(job.runtime_s)
            self._ends += 1
        while self._starts < len(self._by_start) and self._by_start[self._starts].start_ts <= t:
            job = self._by_start[self._starts]
            self.waits[job.partition].append((job.cpus, job.wait_s))
            self._starts += 1

    def similar_waits(self, job: TraceJob) -> list[float]:
        low, high = max(job.cpus // 2, 1), job.cpus * 2
        found = [w for cpus, w in reversed(self.waits[job.partition]) if low <= cpus <= high]
        return found[:MAX_PAST_WAITS]


def tef_prediction(past: Past, job: TraceJob) -> float:
    last = past.user_last.get(job.user)
    if not last:
        return job.limit_s
    return min(sum(last) / len(last), job.limit_s)


def asba_runtime(past: Past, job: TraceJob, min_runs: int) -> Any:
    from asba.decide.timing import expected_runtime

    runs = past.script_runs.get((job.user, job.key), [])
    if len(runs) < min_runs:
        return expected_runtime(job.limit_s, runs=len(runs), min_runs=min_runs)
    p50 = runs[len(runs) // 2] if len(runs) % 2 else (runs[len(runs) // 2 - 1] + runs[len(runs) // 2]) / 2
    p95 = runs[min(len(runs) - 1, math.ceil(0.95 * len(runs)) - 1)]
    return expected_runtime(job.limit_s, history_p50_s=p50, history_p95_s=p95, runs=len(runs), min_runs=min_runs)


class _View:
    """No cluster snapshot: estimate_wait falls back on the history of waits alone."""

    partitions: dict = {}
    now = None  # no queue read, so no wait record to read at a time

    def summary(self, name: str) -> None:
        return None


class Decider:
    """Prices both sides and runs the decision pack, as `asba explain` does, for a trace job."""

    def __init__(self, cfg: Any, catalog: Any, packs: Any, bursts: dict[str, Any]) -> None:
        self.ctx = SimpleNamespace(cfg=cfg, catalog=catalog)
        self.packs, self.bursts = packs, bursts
        self.value = float(cfg.get("user.value_of_hour_usd", 0.0) or 0.0)
        self.startup = float(cfg.get("advisor.aws_startup_s", 300))
        self._offers: dict[tuple, Any] = {}
        self._rates: dict[tuple, float] = {}

    def burst_for(self, job: TraceJob) -> Any:
        wants_gpu = job.gpus > 0
        return next((b for b in self.bursts.values()
                     if any(t.startswith(("p", "g")) for t in b.instance_types) == wants_gpu), None)

    def offer(self, job: TraceJob) -> Any:
        from asba.decide.analysis import pick_offer

        key = (job.cpus, job.nodes, int(job.mem_mb), job.gpus)
        if key not in self._offers:
            burst = self.burst_for(job)
            nodes = max(job.nodes, 1)
            need = {"nodes_min": nodes, "total_cpus": job.cpus, "mem_per_node_mb": job.mem_mb / nodes,
                    "gpus_per_node": job.gpus // nodes, "gpu_type": None}
            req = SimpleNamespace(job=need, script="trace")
            self._offers[key] = pick_offer(self.ctx, req, burst, None, 3600.0, [])[0] if burst else None
        return self._offers[key]

    def local_rate(self, job: TraceJob) -> float:
        from asba.knowledge.costs import local_cost

        key = (job.cpus, job.nodes, int(job.mem_mb), job.gpus)
        if key not in self._rates:
            self._rates[key] = local_cost(self.ctx.cfg, "default", cpus=job.cpus, mem_mb=job.mem_mb, gpus=job.gpus,
                                          nodes=job.nodes, runtime_s=3600.0).usd
        return self._rates[key]

    def decide(self, runtime: Any, wait: Any, offer: Any, rate: float) -> str:
        from asba.decide import compare
        from asba.decide.analysis import decision_facts
        from asba.rules import evaluate

        comp = compare.compare(compare.Inputs(runtime, wait.p10_s or 0.0, wait.p50_s or 0.0, wait.p90_s or 0.0,
                                              rate, offer, self.startup, self.value))
        facts = decision_facts(self.ctx, comp, runtime, offer, self.startup, self.value) + wait.to_facts("local")
        found = evaluate(self.packs, facts).conclusions.get("advice.platform")
        return str(found.value) if found else LOCAL


def replay(jobs: Iterable[TraceJob], decider: Decider, min_runs: int = 2) -> Replay:
    from asba.decide.wait import estimate_wait

    ordered = sorted(jobs, key=lambda j: (j.submit_ts, j.start_ts))
    past, out = Past(ordered), Replay()
    for job in ordered:
        past.advance(job.submit_ts)
        runtime = asba_runtime(past, job, min_runs)
        tef = tef_prediction(past, job)
        out.predictions.append(Prediction(job.runtime_s, runtime.p50_s, runtime.basis, tef,
                                          job.limit_s if job.runtime_s > tef else tef))
        wait = estimate_wait(_View(), job={"total_cpus": job.cpus, "nodes_min": job.nodes},
                             partition=job.partition, past_waits_s=past.similar_waits(job))
        if wait.p50_s is not None:
            out.wait_errors.append(wait.p50_s - job.wait_s)
        offer, rate = decider.offer(job), decider.local_rate(job)
        out.aws_infeasible += offer is None
        out.cases.append(_case(decider, job, runtime, wait, offer, rate))
    return out


def _case(decider: Decider, job: TraceJob, runtime: Any, wait: Any, offer: Any, rate: float) -> Case:
    choice = decider.decide(runtime, wait, offer, rate)
    aws_hourly = None if offer is None else offer.on_demand_usd_per_hour * offer.nodes
    factor = offer.performance_factor if offer is not None else 1.0
    limit_h = job.limit_s / 3600.0
    go = GoInputs(wait.p50_s or 0.0, rate * limit_h, decider.startup,
                  None if aws_hourly is None else aws_hourly * limit_h * factor)
    run_h = job.runtime_s / 3600.0
    hindsight = Hindsight(rate * run_h, job.wait_s + job.runtime_s,
                          None if aws_hourly is None else aws_hourly * run_h * factor,
                          None if aws_hourly is None else decider.startup + job.runtime_s * factor)
    return Case(hindsight, policy_choices(choice, go_rule(go), offer is not None))


def prediction_errors(preds: Sequence[Prediction]) -> dict:
    """Median absolute error (s), median signed error (predicted - real, s) and the share underestimated."""
    from asba.audit.regret import signed_stats

    def block(pairs: list[tuple[float, float]]) -> dict:
        stats = signed_stats([p - r for p, r in pairs])
        rel = sorted(abs(p - r) / max(r, 1.0) for p, r in pairs)
        under = sum(p < r for p, r in pairs)
        return {**stats, "median_abs_rel": round(rel[len(rel) // 2], 4) if rel else None,
                "underestimated": under}

    return {"asba": block([(p.asba_s, p.real_s) for p in preds]),
            "tef_first": block([(p.tef_s, p.real_s) for p in preds]),
            "tef_raised": block([(p.tef_final_s, p.real_s) for p in preds]),
            "asba_from_history": sum(p.asba_basis == "history" for p in preds)}


__all__ = ["AWS", "LOCAL", "Decider", "Past", "Replay", "TraceJob", "prediction_errors", "replay"]
