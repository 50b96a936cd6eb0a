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


def job_efficiency(cpu_s: float | None, elapsed_s: int | None, cpus: int | None, peak_mb: float | None,
                   alloc_mb: float | None, limit_s: int | None) -> tuple[float | None, ...]:
    """A job's five efficiency figures, computed together (this runs once per job of a big import):

    (CPU %, memory %, time %, effective CPUs, GB per effective CPU), each None where an input is unknown:
    * CPU % = CPU seconds / (elapsed x allocated CPUs), rounded to 0.01 as seff prints it;
    * memory % = peak / allocated memory; time % = elapsed / time limit;
    * effective CPUs = allocated CPUs x CPU % (the CPUs the job really kept busy);
    * GB per effective CPU = peak (GB) / effective CPUs, None when no CPU was used.
    """
    cpu = round(100.0 * cpu_s / (elapsed_s * cpus), 2) if cpu_s is not None and elapsed_s and cpus else None
    memory = round(100.0 * peak_mb / alloc_mb, 2) if peak_mb is not None and alloc_mb else None
    time = round(100.0 * elapsed_s / limit_s, 2) if elapsed_s is not None and limit_s else None
    effective = round(cpus * cpu / 100.0, 3) if cpus is not None and cpu is not None else None
    per_cpu = round(peak_mb / 1024 / effective, 3) if peak_mb is not None and effective else None
    return cpu, memory, time, effective, per_cpu
