"""GPU figures of a script's runs (part of its Pattern): how many GPUs it takes, of which model, and how busy
sacct recorded them. Runs without GPU use recorded (a site without the GPU accounting plugin) add nothing:
a figure stays None, never 0 %, and `recorded_runs` says how many runs it rests on.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# The run fields this needs, in this order, at the end of patterns.RUN_FIELDS.
GPU_FIELDS = ("requested_gpus", "gpu_model", "gpu_utilization_pct", "gpu_utilization_max_pct",
              "gpu_memory_peak_mb", "gpu_utilization_spread_pct")


@dataclass(frozen=True)
class GpuPattern:
    gpus: float | None  # median GPUs of the runs that had any
    model: str  # the most frequent AllocTRES model, "" when untyped
    gpu_runs: int  # finished runs that had GPUs
    recorded_runs: int  # of those, runs with GPU use recorded
    utilization_pct: float | None  # median of the runs' average utilisation
    utilization_peak_pct: float | None  # highest task utilisation of any run
    memory_peak_mb: float | None  # largest GPU memory of any run's busiest task
    spread_pct: float | None  # median busiest-task-minus-average, where steps had 2+ tasks
    busy_gpus: float | None  # GPUs the median run kept busy: GPUs x average / busiest task (multi-task steps)


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def gpu_pattern(columns: Sequence[Sequence]) -> GpuPattern | None:
    """From the finished runs' GPU_FIELDS columns; None when no run had a GPU."""
    gpus_col, model_col, util_col, top_col, mem_col, spread_col = columns
    with_gpus = [i for i, g in enumerate(gpus_col) if g]
    if not with_gpus:
        return None
    recorded = [i for i in with_gpus if util_col[i] is not None or mem_col[i] is not None]
    utils = [float(util_col[i]) for i in recorded if util_col[i] is not None]
    tops = [float(top_col[i]) for i in recorded if top_col[i] is not None]
    mems = [float(mem_col[i]) for i in recorded if mem_col[i] is not None]
    spreads = [float(spread_col[i]) for i in recorded if spread_col[i] is not None]
    models = Counter(model_col[i] for i in with_gpus if model_col[i])
    gpus = _median([float(gpus_col[i]) for i in with_gpus])
    return GpuPattern(
        gpus=gpus, model=models.most_common(1)[0][0] if models else "", gpu_runs=len(with_gpus),
        recorded_runs=len(recorded), utilization_pct=_median(utils),
        utilization_peak_pct=max(tops) if tops else None, memory_peak_mb=max(mems) if mems else None,
        spread_pct=_median(spreads), busy_gpus=_busy(gpus, utils, spreads),
    )


def _busy(gpus: float | None, utils: list[float], spreads: list[float]) -> float | None:
    """GPUs kept busy when one task drives each GPU: GPUs x average / busiest task. Only where steps had several
    tasks (a spread is known); a single task's utilisation says nothing about how many GPUs it used."""
    if not gpus or not utils or not spreads:
        return None
    ave = statistics.median(utils)
    top = ave + statistics.median(spreads)
    if top <= 0 or ave <= 0:
        return 0.0
    return float(min(gpus, max(1, round(gpus * ave / top))))
