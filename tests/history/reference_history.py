"""The implementations `asba insights --efficiency` and the runtime-ratio median had before the history kept
summaries (commit 0de205e, verbatim but for names): the reference the summaries are compared against."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence


def reference_totals(records: Sequence) -> dict:
    core_s = sum((r.elapsed_s or 0) * (r.alloc_cpus or 0) for r in records)
    used_s = sum(r.seff_cpu_s or 0 for r in records if r.elapsed_s)
    states: dict[str, int] = {}
    for r in records:
        states[r.state] = states.get(r.state, 0) + 1
    gpu_jobs = [r for r in records if r.elapsed_s and r.alloc_cpus and r.requested_gpus]
    gpu_s = sum(r.elapsed_s * r.requested_gpus for r in gpu_jobs)
    recorded = [r for r in gpu_jobs if r.gpu_utilization_pct is not None]
    recorded_s = sum(r.elapsed_s * r.requested_gpus for r in recorded)
    used_gpu_s = sum(r.elapsed_s * r.requested_gpus * r.gpu_utilization_pct / 100 for r in recorded)
    return {"jobs": len(records), "states": states, "core_hours": round(core_s / 3600, 3),
            "cpu_hours_used": round(used_s / 3600, 3),
            "cpu_efficiency": round(100 * used_s / core_s, 2) if core_s else None,
            "gpu_hours": round(gpu_s / 3600, 3), "gpu_hours_recorded": round(recorded_s / 3600, 3),
            "gpu_efficiency": round(100 * used_gpu_s / recorded_s, 2) if recorded_s else None}


def reference_waste_rows(records: Iterable) -> list[dict]:
    """Per script: allocated vs used core-hours and memory GB-hours, biggest CPU waste first."""
    acc: dict[str, dict] = {}
    for r in records:
        if not r.elapsed_s or not r.alloc_cpus:
            continue
        a = acc.setdefault(r.script_name, {"script": r.script_name, "jobs": 0, "core_h": 0.0, "used_core_h": 0.0,
                                           "mem_gbh": 0.0, "used_mem_gbh": 0.0, "gpu_h": 0.0,
                                           "gpu_h_recorded": 0.0, "used_gpu_h": 0.0})
        a["jobs"] += 1
        a["core_h"] += r.elapsed_s * r.alloc_cpus / 3600
        a["used_core_h"] += (r.seff_cpu_s or 0) / 3600
        a["mem_gbh"] += r.elapsed_s * (r.requested_memory_mb or 0) / 1024 / 3600
        a["used_mem_gbh"] += r.elapsed_s * (r.max_memory_used_mb or 0) / 1024 / 3600
        if r.requested_gpus:
            a["gpu_h"] += r.elapsed_s * r.requested_gpus / 3600
            if r.gpu_utilization_pct is not None:
                a["gpu_h_recorded"] += r.elapsed_s * r.requested_gpus / 3600
                a["used_gpu_h"] += r.elapsed_s * r.requested_gpus * r.gpu_utilization_pct / 100 / 3600
    rows = list(acc.values())
    for a in rows:
        a["wasted_core_h"] = round(a["core_h"] - a["used_core_h"], 3)
        a["wasted_mem_gbh"] = round(a["mem_gbh"] - a["used_mem_gbh"], 3)
        a["cpu_efficiency"] = round(100 * a["used_core_h"] / a["core_h"], 2) if a["core_h"] else None
        a["memory_efficiency"] = round(100 * a["used_mem_gbh"] / a["mem_gbh"], 2) if a["mem_gbh"] else None
        a["gpu_efficiency"] = round(100 * a["used_gpu_h"] / a["gpu_h_recorded"], 2) if a["gpu_h_recorded"] else None
        for key in ("core_h", "used_core_h", "mem_gbh", "used_mem_gbh", "gpu_h", "gpu_h_recorded", "used_gpu_h"):
            a[key] = round(a[key], 3)
    return sorted(rows, key=lambda a: (-a["wasted_core_h"], -a["wasted_mem_gbh"]))


def reference_runtime_ratio(conn, user=None) -> tuple[float | None, int]:
    sql = ("SELECT CAST(elapsed_s AS REAL) / time_limit_s FROM jobs WHERE time_limit_s > 0 AND elapsed_s > 0 "
           "AND end_ts IS NOT NULL")
    params: list = []
    if user:
        sql += " AND user = ?"
        params.append(user)
    ratios = [row[0] for row in conn.execute(sql, params)]
    return (round(statistics.median(ratios), 3) if ratios else None, len(ratios))


def reference_aws_spend(store, bursts, catalog, now) -> float:
    """aws_spend before it summed in SQLite: one AwsRun per job."""
    from asba.decide import budget as budgets
    from asba.decide.history_view import _vcpu_rate

    start = budgets.month_start(now)
    rows = store.conn.execute(
        "SELECT partition, alloc_cpus, elapsed_s, start_ts FROM jobs WHERE execution_platform = 'aws' "
        "AND start_ts >= ? AND start_ts <= ?", (int(start.timestamp()), int(now.timestamp()))).fetchall()
    rates = {name: _vcpu_rate(catalog, part) for name, part in bursts.items()}
    fallback = sorted(r for r in rates.values() if r)
    default = fallback[len(fallback) // 2] if fallback else 0.0
    runs = [budgets.AwsRun(float(ts), float(elapsed or 0), int(cpus or 1), rates.get(part) or default)
            for part, cpus, elapsed, ts in rows]
    return budgets.spent_this_month(runs, now)
