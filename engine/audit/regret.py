"""Regret of a local-vs-AWS choice in hindsight, and the simple policies asba is measured against.

For one job, each platform has a *total* in dollars: its cost plus the value of the time to its result
(wait + runtime) at the user's value of an hour. The better platform in hindsight is the one with the smaller
total; a policy's regret on the job is its platform's total minus that smaller total (0 when it chose right).
Both totals are computed from the same models asba decides with (the local cost model, the instance price),
with the real runtime and the real wait where the job ran, the estimated wait where it did not.

Policies compared on the same jobs:

* ``asba``: what asba advised.
* ``always-local`` / ``always-aws``: one platform for every job (always-aws falls back to local when AWS has no
  instance that fits).
* ``go-rule``: the decision of the original Go ASBA (scttfrdmn/aws-slurm-burst-advisor,
  internal/analyzer/decision_engine.go ``calculateScore``): per platform
  ``score = time_weight x max(0, 100 - 10 x wait_h) + cost_weight x max(0, 100 - cost_usd) + reliability_weight
  x availability``, with its default weights (internal/config/config.go ``DefaultConfig``: TimeWeight 0.7,
  CostWeight 0.3; ReliabilityWeight is not set there, so 0) and availability 90 for AWS. The Go tool prices
  both sides at the job's time limit and counts AWS start-up as its wait. The higher score wins.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LOCAL, AWS = "local", "aws"
GO_TIME_WEIGHT = 0.7
GO_COST_WEIGHT = 0.3
GO_RELIABILITY_WEIGHT = 0.0  # not set in the Go DefaultConfig
GO_AWS_AVAILABILITY = 90.0
GO_LOCAL_AVAILABILITY = 50.0  # the Go default when node counts are unknown
POLICIES = ("asba", "always-local", "always-aws", "go-rule")


@dataclass(frozen=True)
class Hindsight:
    """What each side cost and took for one job (seconds, USD); aws_* None when no instance type fits."""

    local_cost_usd: float
    local_time_s: float
    aws_cost_usd: float | None
    aws_time_s: float | None

    def total(self, platform: str, value_of_hour_usd: float) -> float:
        if platform == AWS and self.aws_cost_usd is not None and self.aws_time_s is not None:
            return self.aws_cost_usd + value_of_hour_usd * self.aws_time_s / 3600.0
        return self.local_cost_usd + value_of_hour_usd * self.local_time_s / 3600.0

    def best(self, value_of_hour_usd: float) -> str:
        if self.aws_cost_usd is None:
            return LOCAL
        return AWS if self.total(AWS, value_of_hour_usd) < self.total(LOCAL, value_of_hour_usd) else LOCAL

    def regret(self, platform: str, value_of_hour_usd: float) -> float:
        best = self.total(self.best(value_of_hour_usd), value_of_hour_usd)
        return max(0.0, self.total(platform, value_of_hour_usd) - best)


@dataclass(frozen=True)
class GoInputs:
    """What the Go rule sees when it decides: estimated local wait, both costs at the time limit, AWS start-up."""

    local_wait_s: float
    local_cost_at_limit_usd: float
    aws_startup_s: float
    aws_cost_at_limit_usd: float | None


def go_score(wait_s: float, cost_usd: float, availability: float) -> float:
    time_score = max(0.0, 100.0 - 10.0 * wait_s / 3600.0)
    cost_score = max(0.0, 100.0 - cost_usd / 100.0 * 100.0)
    return GO_TIME_WEIGHT * time_score + GO_COST_WEIGHT * cost_score + GO_RELIABILITY_WEIGHT * availability


def go_rule(inputs: GoInputs) -> str:
    if inputs.aws_cost_at_limit_usd is None:
        return LOCAL
    local = go_score(inputs.local_wait_s, inputs.local_cost_at_limit_usd, GO_LOCAL_AVAILABILITY)
    aws = go_score(inputs.aws_startup_s, inputs.aws_cost_at_limit_usd, GO_AWS_AVAILABILITY)
    return AWS if aws > local else LOCAL


@dataclass(frozen=True)
class Case:
    """One decided job: the hindsight totals and each policy's choice."""

    hindsight: Hindsight
    choices: dict[str, str]  # policy -> platform


def policy_choices(asba_choice: str, go_choice: str, aws_possible: bool) -> dict[str, str]:
    return {"asba": asba_choice, "always-local": LOCAL, "always-aws": AWS if aws_possible else LOCAL,
            "go-rule": go_choice}


@dataclass(frozen=True)
class RegretSummary:
    jobs: int
    total_usd: dict[str, float]  # policy -> summed regret
    mean_usd: dict[str, float]
    wrong: dict[str, int]  # policy -> jobs where it chose the worse side

    def vs_best_baseline_pct(self) -> float | None:
        """How far asba's regret is below the better of always-local / always-AWS, in percent (positive:
        asba is better). None when both baselines have no regret."""
        base = min(self.total_usd["always-local"], self.total_usd["always-aws"])
        if base <= 0:
            return None
        return 100.0 * (base - self.total_usd["asba"]) / base

    def vs_go_pct(self) -> float | None:
        go = self.total_usd["go-rule"]
        return None if go <= 0 else 100.0 * (go - self.total_usd["asba"]) / go

    def as_dict(self) -> dict:
        return {"jobs": self.jobs, "total_usd": _rounded(self.total_usd), "mean_usd": _rounded(self.mean_usd),
                "wrong_choices": self.wrong, "asba_below_best_baseline_pct": _round(self.vs_best_baseline_pct()),
                "asba_below_go_rule_pct": _round(self.vs_go_pct())}


def summarise(cases: Sequence[Case], value_of_hour_usd: float, policies: Iterable[str] = POLICIES) -> RegretSummary:
    names = list(policies)
    totals = {p: 0.0 for p in names}
    wrong = {p: 0 for p in names}
    for case in cases:
        for p in names:
            r = case.hindsight.regret(case.choices[p], value_of_hour_usd)
            totals[p] += r
            wrong[p] += r > 0
    n = len(cases)
    return RegretSummary(n, totals, {p: (totals[p] / n if n else 0.0) for p in names}, wrong)


def signed_stats(errors: Sequence[float]) -> dict:
    """Median and p90 of signed errors (predicted - real), with the count; a positive median: overestimates."""
    values = sorted(e for e in errors if e is not None)
    if not values:
        return {"n": 0, "median": None, "p90": None, "median_abs": None}
    p90 = values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[-1]
    return {"n": len(values), "median": round(statistics.median(values), 4), "p90": round(p90, 4),
            "median_abs": round(statistics.median(abs(v) for v in values), 4)}


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def _rounded(d: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in d.items()}
