"""Local vs AWS as a trade of money against time: which side wins, where the choice flips, and how sure we are.

Each side is scored as cost + value_of_hour x time-to-result (hours). The break-even value of an hour is the
price of an hour at which both scores are equal. Confidence is the share of scenarios on a grid of local waits
(p10..p90) and runtimes (p10..p90) in which the chosen side still wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from asba.report import units

LOCAL, AWS = "local", "aws"
GRID_POINTS = 9


@dataclass(frozen=True)
class Side:
    cost_usd: float
    time_to_result_s: float


def score(side: Side, value_of_hour_usd: float) -> float:
    return side.cost_usd + value_of_hour_usd * side.time_to_result_s / 3600.0


def choose(local: Side, aws: Side, value_of_hour_usd: float) -> str:
    """The lower score wins; a tie stays local (no data leaves the site, no cloud spend)."""
    return AWS if score(aws, value_of_hour_usd) < score(local, value_of_hour_usd) else LOCAL


@dataclass(frozen=True)
class BreakEven:
    value_of_hour_usd: float | None  # None when one side wins at every value of an hour
    meaning: str


def break_even(local: Side, aws: Side) -> BreakEven:
    hours_saved = (local.time_to_result_s - aws.time_to_result_s) / 3600.0
    extra_cost = aws.cost_usd - local.cost_usd
    if hours_saved > 0 and extra_cost > 0:
        v = extra_cost / hours_saved
        return BreakEven(v, f"AWS is worth it when an hour of waiting is worth more than {units.usd(v)}")
    if hours_saved < 0 and extra_cost < 0:
        v = extra_cost / hours_saved
        return BreakEven(v, f"local is worth it when an hour of waiting is worth more than {units.usd(v)}")
    if hours_saved >= 0 and extra_cost <= 0:
        return BreakEven(None, "AWS is both cheaper and at least as fast: it wins at any value of an hour")
    return BreakEven(None, "local is both cheaper and at least as fast: it wins at any value of an hour")


def _spread(low: float, high: float, n: int = GRID_POINTS) -> list[float]:
    if high <= low or n < 2:
        return [low]
    return [low + (high - low) * i / (n - 1) for i in range(n)]


@dataclass(frozen=True)
class Scenarios:
    wait_p10_s: float
    wait_p90_s: float
    runtime_low_s: float
    runtime_high_s: float


def confidence(
    chosen: str,
    scenarios: Scenarios,
    side_at: Callable[[float, float], tuple[Side, Side]],
    value_of_hour_usd: float,
) -> float:
    """Share of (wait, runtime) grid points in which `chosen` still wins; `side_at(wait, runtime)` re-prices."""
    waits = _spread(scenarios.wait_p10_s, scenarios.wait_p90_s)
    runtimes = _spread(scenarios.runtime_low_s, scenarios.runtime_high_s)
    held = total = 0
    for wait in waits:
        for runtime in runtimes:
            local, aws = side_at(wait, runtime)
            held += choose(local, aws, value_of_hour_usd) == chosen
            total += 1
    return held / total


def wait_to_flip(local: Side, aws: Side, local_wait_s: float, value_of_hour_usd: float) -> float | None:
    """The local wait (s) at which the two scores are equal, or None when the wait cannot flip the choice."""
    if value_of_hour_usd <= 0:
        return None
    gap_usd = score(aws, value_of_hour_usd) - score(local, value_of_hour_usd)
    threshold = local_wait_s + gap_usd / value_of_hour_usd * 3600.0
    return threshold if threshold >= 0 else None


def bisect_flip(wins: Callable[[float], bool], low: float, high: float, iterations: int = 40) -> float | None:
    """The boundary in [low, high] where `wins` changes from True (at low) to False (at high), if it does."""
    if not wins(low) or wins(high):
        return None
    for _ in range(iterations):
        mid = (low + high) / 2
        if wins(mid):
            low = mid
        else:
            high = mid
    return low
