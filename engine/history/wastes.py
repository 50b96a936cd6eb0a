"""Overall efficiency and the biggest wastes per script (`asba insights --efficiency`), one job at a time.

A tally takes the jobs in submit order and keeps only running sums: the totals, and one accumulator per
script. Memory grows with the number of scripts, never with the number of jobs, so a million-job history is
summed in a few MB. The arithmetic (and its order) is the one a list of every job would give.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

# What the tally needs from a job, in this order (a JobRecord attribute or a column of the same name).
FIELDS = ("script_name", "state", "elapsed_s", "alloc_cpus", "seff_cpu_s", "requested_memory_mb",
          "max_memory_used_mb", "requested_gpus", "gpu_utilization_pct")
_SUMS = ("core_h", "used_core_h", "mem_gbh", "used_mem_gbh", "gpu_h", "gpu_h_recorded", "used_gpu_h")
# GPU efficiency is over the GPU-hours whose use sacct recorded (gpu_h_recorded): GPU-hours of jobs on sites or
# partitions without GPU accounting are counted as allocated, never as idle.


class WasteTally:
    def __init__(self) -> None:
        self.jobs = 0
        self.states: dict[str, int] = {}
        self.core_s = 0
        self.used_s = 0
        self.gpu = [0.0, 0.0, 0.0]  # GPU-seconds allocated, of them with use recorded, used (x utilisation)
        self.by_script: dict[str, dict] = {}

    def add_all(self, rows: Iterable[tuple]) -> WasteTally:
        for row in rows:
            self.add(*row)
        return self

    def add(self, script: str, state: str, elapsed: int | None, cpus: int | None, seff_cpu_s: int | None,
            requested_mb: float | None, peak_mb: float | None, gpus: int | None = 0,
            gpu_util: float | None = None) -> None:
        self.jobs += 1
        self.states[state] = self.states.get(state, 0) + 1
        self.core_s += (elapsed or 0) * (cpus or 0)
        if elapsed:
            self.used_s += seff_cpu_s or 0
        if not elapsed or not cpus:
            return
        a = self.by_script.get(script)
        if a is None:
            a = self.by_script[script] = {"script": script, "jobs": 0, **dict.fromkeys(_SUMS, 0.0)}
        a["jobs"] += 1
        if gpus:
            self._add_gpu(a, elapsed * gpus, gpu_util)
        a["core_h"] += elapsed * cpus / 3600
        a["used_core_h"] += (seff_cpu_s or 0) / 3600
        a["mem_gbh"] += elapsed * (requested_mb or 0) / 1024 / 3600
        a["used_mem_gbh"] += elapsed * (peak_mb or 0) / 1024 / 3600

    def _add_gpu(self, a: dict, gpu_s: int, util: float | None) -> None:
        used = gpu_s * util / 100 if util is not None else 0.0
        recorded = gpu_s if util is not None else 0
        for i, value in enumerate((gpu_s, recorded, used)):
            self.gpu[i] += value
        a["gpu_h"] += gpu_s / 3600
        a["gpu_h_recorded"] += recorded / 3600
        a["used_gpu_h"] += used / 3600

    def totals(self) -> dict:
        core_s, used_s = self.core_s, self.used_s
        gpu_s, recorded_s, used_gpu_s = self.gpu
        return {"jobs": self.jobs, "states": dict(self.states), "core_hours": round(core_s / 3600, 3),
                "cpu_hours_used": round(used_s / 3600, 3),
                "cpu_efficiency": round(100 * used_s / core_s, 2) if core_s else None,
                "gpu_hours": round(gpu_s / 3600, 3), "gpu_hours_recorded": round(recorded_s / 3600, 3),
                "gpu_efficiency": round(100 * used_gpu_s / recorded_s, 2) if recorded_s else None}

    def rows(self) -> list[dict]:
        """Per script: allocated vs used core-hours and memory GB-hours, biggest CPU waste first."""
        rows = [dict(a) for a in self.by_script.values()]
        for a in rows:
            a["wasted_core_h"] = round(a["core_h"] - a["used_core_h"], 3)
            a["wasted_mem_gbh"] = round(a["mem_gbh"] - a["used_mem_gbh"], 3)
            a["cpu_efficiency"] = round(100 * a["used_core_h"] / a["core_h"], 2) if a["core_h"] else None
            a["memory_efficiency"] = round(100 * a["used_mem_gbh"] / a["mem_gbh"], 2) if a["mem_gbh"] else None
            a["gpu_efficiency"] = (round(100 * a["used_gpu_h"] / a["gpu_h_recorded"], 2) if a["gpu_h_recorded"]
                                   else None)
            for key in _SUMS:
                a[key] = round(a[key], 3)
        return sorted(rows, key=lambda a: (-a["wasted_core_h"], -a["wasted_mem_gbh"]))


# A stored script's sums (asba.history.script_summary) are put together in the order a pass over every job
# would have met them: jobs in submit order, ties by job id (ORDER BY submit_ts, job_id; SQLite puts NULL first).
ORDER_FIELDS = ("submit_ts", "job_id")


def _order(submit_ts: int | None, job_id: str) -> tuple:
    return (submit_ts is not None, submit_ts or 0, job_id)


def script_sums(runs: list[tuple]) -> dict:
    """One script's share of the tally: runs are FIELDS + ORDER_FIELDS, in any order. Its float sums are added
    in submit order, as a pass over every job adds them; each state and the script itself keep the position
    (submit time, job id) where that pass would first meet them."""
    ordered = sorted(runs, key=lambda r: _order(r[-2], r[-1]))
    tally = WasteTally().add_all(r[:-2] for r in ordered)
    firsts: dict[str, list] = {}
    for r in ordered:
        firsts.setdefault(r[1], [r[-2], r[-1]])
    first = next(([r[-2], r[-1]] for r in ordered if r[2] and r[3]), None)
    acc = next(iter(tally.by_script.values()), None)
    return {"jobs": tally.jobs, "core_s": tally.core_s, "used_s": tally.used_s, "gpu": tally.gpu,
            "states": {state: [count, *firsts[state]] for state, count in tally.states.items()},
            "first": first, "sums": None if acc is None else {k: v for k, v in acc.items() if k != "script"}}


def combine(scripts: Iterable[tuple[str, dict]]) -> WasteTally:
    """The tally of every job, from each script's script_sums (same totals, same rows, in the same order)."""
    tally = WasteTally()
    counts: dict[str, int] = {}
    state_first: dict[str, tuple] = {}
    found: list[tuple[tuple, str, dict]] = []
    for name, share in scripts:
        tally.jobs += share["jobs"]
        tally.core_s += share["core_s"]
        tally.used_s += share["used_s"]
        for i, value in enumerate(share.get("gpu", ())):
            tally.gpu[i] += value
        for state, (count, ts, job_id) in share["states"].items():
            counts[state] = counts.get(state, 0) + count
            state_first[state] = min(state_first.get(state, _order(ts, job_id)), _order(ts, job_id))
        if share["sums"] is not None:
            found.append((_order(*share["first"]), name, share["sums"]))
    tally.states = {state: counts[state] for state in sorted(counts, key=state_first.__getitem__)}
    for _, name, sums in sorted(found, key=itemgetter(0)):
        tally.by_script[name] = {"script": name, **sums}
    return tally
