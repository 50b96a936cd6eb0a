"""`asba cluster backtest DUMP... --decisions`: replay every job as if asba had been asked at its submission and
measure the local-vs-AWS choices of several policies against hindsight.

At each submission only the past is known (the wait forecasts of ``decide.wait_backtest``, which learn from jobs
started by then, jobs still pending being censored; the runtimes of the same user's jobs with the same request
that had ended by then, ``audit.backtest.Past``). The AWS side is priced for the job's request from the catalog
(the cheapest fitting instance type of the burst partition, real runtime x its performance factor, start-up
billed), the local side from the cost model (``audit.backtest.Decider``).

Policies: ``asba`` (the decision pack on asba's product-limit wait forecast), ``always-local``, ``always-aws``,
``go-rule`` (the Go ASBA scoring rule, ``audit.regret``, on the same wait p50) and ``naive`` (the decision pack on
the partition's recent median wait as p10 = p50 = p90). Scores per policy: **normalised regret** = sum of regret /
sum of |local total - AWS total| (0 = hindsight-perfect; always-local + always-AWS = 1), the mean regret per job
with a 95 % day-block bootstrap interval (whole days resampled: jobs of one day share a queue), and the
wrong-choice rate. Jobs that never started by the end of the trace are censored: their local wait is at least
(last submission - submit); they are scored with that lower bound and counted apart.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asba.audit import backtest as bt
from asba.audit.break_even import DEFAULT_MEM_MB_PER_CPU
from asba.audit.regret import AWS, LOCAL, GoInputs, Hindsight, go_rule
from asba.inputs.wait_traces import TraceJob

POLICIES = ("asba", "always-local", "always-aws", "go-rule", "naive")
BOOTSTRAP = 1000
DAY_S = 86400.0


@dataclass
class Decided:
    day: int
    hindsight: Hindsight
    choices: dict[str, str]
    censored: bool


@dataclass
class DecisionReplay:
    decider: Any
    jobs: Sequence[TraceJob] = ()
    min_runs: int = 2
    cases: list[Decided] = field(default_factory=list)
    aws_infeasible: int = 0

    def __post_init__(self) -> None:
        self.load(self.jobs)

    def load(self, jobs: Sequence[TraceJob]) -> None:
        """The next trace file: its finished jobs teach runtimes (each in its time, never ahead of it)."""
        finished = [_audit_job(j) for j in jobs if j.start is not None and j.end is not None]
        self.past = bt.Past(finished)
        self.last_submit = max((j.submit for j in jobs), default=0.0)

    def __call__(self, job: TraceJob, curve: Any, naive: tuple[float, float, float] | None) -> None:
        if not job.limit_s:
            return
        censored = job.start is None
        if censored and job.end is not None:
            return  # left the queue without starting: nothing ran, nothing to decide in hindsight
        self.past.advance(job.submit)
        audit_job = _audit_job(job)
        runtime = bt.asba_runtime(self.past, audit_job, self.min_runs)
        offer, rate = self.decider.offer(audit_job), self.decider.local_rate(audit_job)
        self.aws_infeasible += offer is None
        mine = curve.quantiles() if curve is not None else None
        choices = {"asba": self._decide(runtime, mine, offer, rate, job.partition),
                   "naive": self._decide(runtime, (naive[1],) * 3 if naive else None, offer, rate, job.partition)}
        aws_hourly = None if offer is None else offer.on_demand_usd_per_hour * offer.nodes
        factor = offer.performance_factor if offer is not None else 1.0
        limit_h, startup = job.limit_s / 3600.0, self.decider.startup
        choices["go-rule"] = go_rule(GoInputs(mine[1] if mine else 0.0, rate * limit_h, startup,
                                              None if aws_hourly is None else aws_hourly * limit_h * factor))
        choices["always-local"], choices["always-aws"] = LOCAL, AWS if offer is not None else LOCAL
        wait = (self.last_submit - job.submit) if censored else job.wait_s or 0.0
        run_s = audit_job.runtime_s
        aws_time = startup + run_s * factor
        self.cases.append(Decided(int(job.submit // DAY_S), Hindsight(
            rate * run_s / 3600, wait + run_s, None if aws_hourly is None else aws_hourly * aws_time / 3600,
            None if aws_hourly is None else aws_time), choices, censored))

    def _decide(self, runtime: Any, q: tuple[float, float, float] | None, offer: Any, rate: float,
                partition: str) -> str:
        from asba.decide.wait import WaitEstimate

        if offer is None:
            return LOCAL
        wait = WaitEstimate(partition, *(q or (None, None, None)), "wait_record" if q else "none")
        return self.decider.decide(runtime, wait, offer, rate)


def _audit_job(job: TraceJob) -> bt.TraceJob:
    cpus, nodes = max(job.cpus or 1, 1), max(job.nodes or 1, 1)
    start = job.start if job.start is not None else job.submit
    end = job.end if job.end is not None else start + (job.limit_s or 0.0)
    return bt.TraceJob(job.user or "?", f"{cpus}/{int(job.limit_s or 0)}", job.partition, job.submit, start,
                       max(end, start), job.limit_s or 3600.0, cpus, nodes,
                       job.mem_mb or DEFAULT_MEM_MB_PER_CPU * cpus, job.gpus or 0,
                       "COMPLETED" if job.end is not None else "")  # traces keep no state: an ended job taught its run


def summary(cases: Sequence[Decided], value: float, seed: int = 23) -> dict:
    """Per policy: normalised regret, mean regret per job with its day-block bootstrap interval, wrong-choice
    rate; and the jobs, censored jobs and the share where AWS wins in hindsight."""
    spread = sum(abs(c.hindsight.total(LOCAL, value) - c.hindsight.total(AWS, value)) for c in cases)
    by_day: dict[int, list[Decided]] = defaultdict(list)
    for case in cases:
        by_day[case.day].append(case)
    days = list(by_day.values())
    rng = random.Random(seed)
    out: dict[str, Any] = {"jobs": len(cases), "censored": sum(c.censored for c in cases), "days": len(days),
                           "value_of_hour_usd": value,
                           "aws_better_share": _share(sum(c.hindsight.best(value) == AWS for c in cases), len(cases)),
                           "policies": {}}
    for policy in POLICIES:
        regrets = [c.hindsight.regret(c.choices[policy], value) for c in cases]
        total = sum(regrets)
        day_sums = [(sum(c.hindsight.regret(c.choices[policy], value) for c in d), len(d)) for d in days]
        out["policies"][policy] = {
            "normalised_regret": round(total / spread, 4) if spread > 0 else None,
            "regret_usd": round(total, 2), "mean_regret_usd": round(total / len(cases), 4) if cases else None,
            "mean_regret_95_usd": _bootstrap(day_sums, rng),
            "wrong_choice_rate": _share(sum(r > 0 for r in regrets), len(cases)),
            "aws_chosen": sum(c.choices[policy] == AWS for c in cases)}
    return out


def _bootstrap(day_sums: list[tuple[float, int]], rng: random.Random) -> list[float] | None:
    if len(day_sums) < 2:
        return None
    means = []
    for _ in range(BOOTSTRAP):
        draw = [day_sums[rng.randrange(len(day_sums))] for _ in day_sums]
        jobs = sum(n for _, n in draw)
        means.append(sum(s for s, _ in draw) / jobs if jobs else 0.0)
    means.sort()
    return [round(means[int(0.025 * BOOTSTRAP)], 4), round(means[int(0.975 * BOOTSTRAP) - 1], 4)]


def _share(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None
