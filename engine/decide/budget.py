"""The monthly AWS budget: what asba-recorded AWS jobs spent this month and what this job would use of the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from asba.report import units


@dataclass(frozen=True)
class AwsRun:
    """A past job on an AWS burst partition, priced at its partition's instance type."""

    start_epoch: float
    elapsed_s: float
    nodes: int
    usd_per_node_hour: float


@dataclass(frozen=True)
class BudgetStatus:
    monthly_usd: float | None  # None: no budget configured
    spent_usd: float
    job_cost_usd: float

    @property
    def remaining_usd(self) -> float | None:
        return None if self.monthly_usd is None else max(self.monthly_usd - self.spent_usd, 0.0)

    @property
    def share_of_remaining_pct(self) -> float | None:
        remaining = self.remaining_usd
        if remaining is None:
            return None
        if remaining <= 0:
            return float("inf") if self.job_cost_usd > 0 else 0.0
        return 100.0 * self.job_cost_usd / remaining

    @property
    def exceeds(self) -> bool:
        remaining = self.remaining_usd
        return remaining is not None and self.job_cost_usd > remaining

    def message(self) -> str:
        if self.monthly_usd is None:
            return "no monthly AWS budget configured (budget.monthly_aws_usd)"
        remaining = self.remaining_usd or 0.0
        head = (
            f"AWS budget: {units.usd(self.spent_usd)} of {units.usd(self.monthly_usd)} spent this month, "
            f"{units.usd(remaining)} left"
        )
        if self.exceeds:
            return f"{head}; this job ({units.usd(self.job_cost_usd)}) exceeds what is left"
        return f"{head}; this job uses {self.share_of_remaining_pct:.1f}% of the remaining budget"


def month_start(now: datetime) -> datetime:
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def spent_this_month(runs: Iterable[AwsRun], now: datetime) -> float:
    """Cost of the runs that started in the calendar month (UTC) of `now`, up to `now`."""
    start, end = month_start(now).timestamp(), now.timestamp()
    return sum(
        run.nodes * run.elapsed_s / 3600.0 * run.usd_per_node_hour
        for run in runs
        if start <= run.start_epoch <= end
    )


def budget_status(monthly_usd: float | None, spent_usd: float, job_cost_usd: float) -> BudgetStatus:
    if monthly_usd is not None and monthly_usd < 0:
        raise ValueError("monthly budget must not be negative")
    return BudgetStatus(monthly_usd, spent_usd, job_cost_usd)
