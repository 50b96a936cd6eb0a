"""Expected runtime and time to result, as pure functions over plain numbers.

Local time to result = queue wait + expected runtime. AWS time to result = instance start-up + expected runtime
x the instance family's performance factor (runtime there / runtime here; 1.0 when unknown).
"""

from __future__ import annotations

from dataclasses import dataclass

BASIS_HISTORY = "history"
BASIS_TIME_LIMIT = "time-limit"


@dataclass(frozen=True)
class RuntimeEstimate:
    """The runtime the decision assumes, with where it came from."""

    p50_s: float
    p95_s: float
    basis: str  # "history" (p50/p95 of past successful runs) or "time-limit" (no usable history)
    detail: str  # human-readable, e.g. "history p50 of 5 runs" or "time limit 6h (no history)"

    def as_dict(self) -> dict:
        return {"p50_s": self.p50_s, "p95_s": self.p95_s, "basis": self.basis, "detail": self.detail}


def expected_runtime(
    time_limit_s: float,
    *,
    history_p50_s: float | None = None,
    history_p95_s: float | None = None,
    runs: int = 0,
    min_runs: int = 2,
) -> RuntimeEstimate:
    """History p50/p95 when there are at least `min_runs` runs, otherwise the time limit (the worst case)."""
    if time_limit_s <= 0:
        raise ValueError("time limit must be positive")
    if runs >= min_runs and history_p50_s and history_p50_s > 0:
        p95 = history_p95_s if history_p95_s and history_p95_s >= history_p50_s else history_p50_s
        return RuntimeEstimate(
            float(history_p50_s), float(p95), BASIS_HISTORY, f"history p50 of {runs} successful runs"
        )
    why = f"only {runs} run(s) in history" if runs else "no history"
    return RuntimeEstimate(
        float(time_limit_s), float(time_limit_s), BASIS_TIME_LIMIT, f"time limit ({why}; runtime assumed = limit)"
    )


@dataclass(frozen=True)
class TimeToResult:
    p50_s: float
    p90_s: float


def local_time_to_result(wait_p50_s: float, wait_p90_s: float, runtime_s: float) -> TimeToResult:
    return TimeToResult(wait_p50_s + runtime_s, max(wait_p50_s, wait_p90_s) + runtime_s)


def aws_runtime(runtime_s: float, performance_factor: float = 1.0) -> float:
    """Runtime on the instance family: factor > 1 means slower than the local nodes."""
    if performance_factor <= 0:
        raise ValueError("performance factor must be positive")
    return runtime_s * performance_factor


def aws_time_to_result(startup_s: float, runtime_s: float, performance_factor: float = 1.0) -> TimeToResult:
    total = startup_s + aws_runtime(runtime_s, performance_factor)
    return TimeToResult(total, total)


def runtime_range(estimate: RuntimeEstimate) -> tuple[float, float]:
    """A p10..p90 runtime band for scenario analysis.

    With history, p10 and p90 come from a normal fit through p50 and p95 (p95 = p50 + 1.645 sigma). With only
    the time limit there is no spread to model: the band collapses to the limit.
    """
    if estimate.basis != BASIS_HISTORY or estimate.p95_s <= estimate.p50_s:
        return estimate.p50_s, estimate.p50_s
    sigma = (estimate.p95_s - estimate.p50_s) / 1.645
    low = max(estimate.p50_s - 1.2816 * sigma, 0.1 * estimate.p50_s)
    return low, estimate.p50_s + 1.2816 * sigma
