"""A chain of dependent steps (afterok): where to run each step so the whole pipeline is the best deal.

Each step runs after the one before it ends, so the pipeline's time to result is the sum of its steps' times
(the critical path of a chain); each step's local time is its own queue wait + runtime (a dependent job queues
only once its dependency is met), its AWS time start-up + runtime. Data moving from AWS back to the site pays
egress: an AWS step whose next step is local, or the last step when it runs on AWS (the results come home), pays
``transfer_gb x $/GB``; AWS to AWS in one region and data into AWS are free. The best assignment minimises
cost + egress + value of an hour x critical path, with the AWS spend (cost + egress) within the budget. Pure.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

MAX_STEPS = 12  # 2^12 assignments; a longer chain is refused with a clear line


@dataclass(frozen=True)
class Step:
    name: str
    local_cost_usd: float
    local_time_s: float
    aws_cost_usd: float | None  # without egress; None: no AWS option
    aws_time_s: float | None
    transfer_gb: float = 0.0


@dataclass(frozen=True)
class Plan:
    platforms: tuple[str, ...]
    cost_usd: float  # compute on both sides + egress
    aws_spend_usd: float  # AWS compute + egress: what to reserve of the budget
    egress_usd: tuple[float, ...]  # per step
    time_s: float  # critical path
    objective_usd: float
    within_budget: bool

    @property
    def changes(self) -> int:
        return sum(a != b for a, b in zip(self.platforms, self.platforms[1:]))


def egress(steps: list[Step], platforms: tuple[str, ...], usd_per_gb: float) -> tuple[float, ...]:
    out = []
    for i, (step, where) in enumerate(zip(steps, platforms)):
        leaves = where == "aws" and (i == len(steps) - 1 or platforms[i + 1] == "local")
        out.append(step.transfer_gb * usd_per_gb if leaves else 0.0)
    return tuple(out)


def price(steps: list[Step], platforms: tuple[str, ...], value_of_hour_usd: float, usd_per_gb: float,
          remaining_budget_usd: float | None) -> Plan:
    out = egress(steps, platforms, usd_per_gb)
    aws = sum((s.aws_cost_usd or 0.0) for s, p in zip(steps, platforms) if p == "aws") + sum(out)
    local = sum(s.local_cost_usd for s, p in zip(steps, platforms) if p == "local")
    time_s = sum((s.aws_time_s or 0.0) if p == "aws" else s.local_time_s for s, p in zip(steps, platforms))
    fits = remaining_budget_usd is None or aws <= remaining_budget_usd + 1e-9
    cost = local + aws
    return Plan(platforms, cost, aws, out, time_s, cost + value_of_hour_usd * time_s / 3600.0, fits)


@dataclass(frozen=True)
class Choice:
    best: Plan
    all_local: Plan
    all_aws: Plan | None  # None when a step has no AWS option
    unconstrained: Plan  # the best ignoring the budget


def choose(steps: list[Step], value_of_hour_usd: float, usd_per_gb: float,
           remaining_budget_usd: float | None) -> Choice:
    """Every assignment of platforms to steps, priced; the best within budget (all-local always is)."""
    if not 1 <= len(steps) <= MAX_STEPS:
        raise ValueError(f"a pipeline has 1 to {MAX_STEPS} steps")
    options = [("local", "aws") if s.aws_cost_usd is not None and s.aws_time_s is not None else ("local",)
               for s in steps]
    plans = [price(steps, p, value_of_hour_usd, usd_per_gb, remaining_budget_usd)
             for p in itertools.product(*options)]

    def key(plan: Plan) -> tuple[float, int]:  # ties: fewer AWS steps (no cloud spend, no data leaving)
        return round(plan.objective_usd, 9), plan.platforms.count("aws")

    local = next(p for p in plans if "aws" not in p.platforms)
    aws = next((p for p in plans if "local" not in p.platforms), None)
    return Choice(min((p for p in plans if p.within_budget), key=key), local, aws, min(plans, key=key))
