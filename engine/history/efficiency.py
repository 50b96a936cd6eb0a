"""Efficiency exactly as SLURM's contrib ``seff`` computes it, as pure functions.

* CPU efficiency = CPU time / (elapsed x allocated CPUs). seff sums each step's whole seconds and adds the
  summed fractions rounded to a second; that rounding is why cpu_burn shows 50.00 % and not 49.06 %.
* Memory efficiency = peak memory / allocated memory. The peak is the largest step's TRESUsageInTot mem
  (summed over the step's tasks), or, where sacct lacks that column, MaxRSS x NTasks of that step.
  Allocated memory is AllocTRES mem, else ReqMem: per CPU (``Mc``) x CPUs, per node (``Mn``) x nodes,
  or the total (SLURM >= 21.08 prints totals without a suffix).
"""

from __future__ import annotations


def seff_cpu_seconds(whole_seconds: int, fractions: float) -> int:
    """seff's CPU time: whole seconds of every step plus the sum of their fractions, rounded half up."""
    return whole_seconds + int(fractions + 0.5)


def cpu_efficiency(cpu_s: float | None, elapsed_s: int | None, cpus: int | None) -> float | None:
    if cpu_s is None or not elapsed_s or not cpus:
        return None
    return round(100.0 * cpu_s / (elapsed_s * cpus), 2)


def allocated_memory_mb(
    alloc_tres_mb: float | None, req_mb: float | None, scope: str, cpus: int | None, nodes: int | None
) -> float | None:
    if alloc_tres_mb:
        return alloc_tres_mb
    if req_mb is None:
        return None
    if scope == "c":
        return req_mb * (cpus or 1)
    if scope == "n":
        return req_mb * (nodes or 1)
    return req_mb


def memory_efficiency(peak_mb: float | None, alloc_mb: float | None) -> float | None:
    if peak_mb is None or not alloc_mb:
        return None
    return round(100.0 * peak_mb / alloc_mb, 2)


def effective_cpus(cpus: int | None, cpu_eff_pct: float | None) -> float | None:
    if cpus is None or cpu_eff_pct is None:
        return None
    return round(cpus * cpu_eff_pct / 100.0, 3)


def gb_per_effective_cpu(peak_mb: float | None, eff_cpus: float | None) -> float | None:
    """Peak memory (GB) per CPU really used; None when no CPU was used."""
    if peak_mb is None or not eff_cpus:
        return None
    return round(peak_mb / 1024 / eff_cpus, 3)


def time_efficiency(elapsed_s: int | None, limit_s: int | None) -> float | None:
    if elapsed_s is None or not limit_s:
        return None
    return round(100.0 * elapsed_s / limit_s, 2)
