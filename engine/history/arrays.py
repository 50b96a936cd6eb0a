"""Array tasks in the history: the tasks of one script's arrays are one pattern (asba.history.patterns groups
them by script); this module adds the array view of them — how many arrays, tasks per array, and the spread of
per-task runtime, CPU efficiency and peak memory across tasks. Pure: over JobRecord-like objects.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from asba.history.patterns import percentile


def array_parts(job_id: str) -> tuple[str, str] | None:
    """("43001", "17") for an array task id ``43001_17``; None for a plain job."""
    base, sep, task = str(job_id).partition("_")
    return (base, task) if sep and task and not task.startswith("[") else None


def _spread(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p10": None, "p50": None, "p90": None, "max": None}
    return {"p10": percentile(values, 10), "p50": round(statistics.median(values), 1), "p90": percentile(values, 90),
            "max": max(values)}


def array_summary(runs: Sequence[Any]) -> dict | None:
    """The arrays among ``runs`` and their per-task spread; None when no run is an array task."""
    arrays: dict[str, list[Any]] = defaultdict(list)
    for run in runs:
        parts = array_parts(run.job_id)
        if parts:
            arrays[parts[0]].append(run)
    if not arrays:
        return None
    tasks = [r for group in arrays.values() for r in group]
    done = [r for r in tasks if r.state == "COMPLETED" and r.elapsed_s]
    runtimes = [float(r.elapsed_s) for r in done]
    slowest = max(done, key=lambda r: r.elapsed_s) if done else None
    return {
        "arrays": [{"array_job_id": base, "tasks": len(group),
                    "completed": sum(r.state == "COMPLETED" for r in group),
                    "runtime_p50_s": _spread([float(r.elapsed_s) for r in group if r.elapsed_s])["p50"]}
                   for base, group in sorted(arrays.items())],
        "task_count": len(tasks), "completed_tasks": len(done),
        "task_runtime_s": _spread(runtimes),
        "task_runtime_cv": round(statistics.pstdev(runtimes) / statistics.fmean(runtimes), 3)
        if len(runtimes) > 1 else None,
        "task_cpu_efficiency_pct": _spread([float(r.cpu_efficiency) for r in done if r.cpu_efficiency is not None]),
        "task_peak_memory_mb": _spread([float(r.max_memory_used_mb) for r in done
                                        if r.max_memory_used_mb is not None]),
        "slowest_task": slowest.job_id if slowest else None,
    }
