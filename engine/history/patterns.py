"""Patterns per script, from 2 runs up: how the user's runs of one script really behaved.

Runs are grouped by script hash (recorded with ``--track-history``), else by script name (sacct's
SubmitLine, else the job name). Pure statistics over the runs; the workload type is the classification
rule pack's business, not this module's.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from operator import attrgetter, itemgetter

from asba.history.gpu_pattern import GPU_FIELDS, gpu_pattern
from asba.history.record import FAILURE_STATES, FINISHED_STATES

MIN_RUNS = 2
TREND_THRESHOLD = 0.15  # later half vs earlier half: more than 15 % apart is a trend

# What a pattern needs from one run, in this order (a JobRecord attribute or a SQL column of the same name).
RUN_FIELDS = ("job_id", "state", "exit_code", "elapsed_s", "time_limit_s", "alloc_cpus", "requested_memory_mb",
              "max_memory_used_mb", "cpu_efficiency", "memory_efficiency", "effective_cpus",
              "execution_platform", "queue_wait_s", "partition") + GPU_FIELDS
run_view = attrgetter(*RUN_FIELDS)
(JOB, STATE, EXIT, ELAPSED, LIMIT, CPUS, REQ_MEM, PEAK_MEM, CPU_EFF, MEM_EFF, EFF_CPUS, PLATFORM, WAIT,
 PARTITION) = range(len(RUN_FIELDS) - len(GPU_FIELDS))
GPU_AT = len(RUN_FIELDS) - len(GPU_FIELDS)


@dataclass
class Pattern:
    script: str
    script_hash: str
    runs: int
    job_ids: list[str]
    finished_runs: int
    cpu_efficiency_pct: float | None
    cpu_efficiency_peak_pct: float | None
    cpu_efficiency_cv: float | None
    effective_cores: float | None
    memory_efficiency_pct: float | None
    memory_efficiency_peak_pct: float | None
    memory_typical_mb: float | None
    peak_memory_mb: float | None
    memory_cv: float | None
    requested_cpus: float | None
    requested_memory_mb: float | None
    cpu_request_ratio: float | None  # requested CPUs / effective cores
    memory_request_ratio: float | None  # requested memory / peak memory
    gb_per_effective_core: float | None
    runtime_mean_s: float | None
    runtime_p50_s: float | None
    runtime_p95_s: float | None
    runtime_cv: float | None
    time_limit_s: float | None
    runtime_to_limit_ratio: float | None  # p95 runtime / typical time limit
    success_rate: float
    oom_count: int
    timeout_count: int
    other_failure_count: int
    runtime_trend: str  # rising | falling | stable | unknown
    memory_trend: str
    platform_runs: dict[str, int]
    queue_wait_p50_s: dict[str, float] = field(default_factory=dict)  # per partition
    # GPU runs (asba.history.gpu_pattern): None / 0 where no run had a GPU or none had its use recorded
    gpus_typical: float | None = None
    gpu_model: str = ""
    gpu_runs: int = 0
    gpu_recorded_runs: int = 0
    gpu_utilization_pct: float | None = None
    gpu_utilization_peak_pct: float | None = None
    gpu_memory_peak_mb: float | None = None
    gpu_utilization_spread_pct: float | None = None
    gpus_busy: float | None = None
    # runs that FAILED with the program's own non-zero exit code after running (asba.history.evidence)
    program_failed_runs: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def _cv(values: Sequence[float]) -> float | None:
    """Population coefficient of variation, in floats (statistics.pstdev's exact fractions are too slow)."""
    n = len(values)
    if n < 2:
        return None
    mean = math.fsum(values) / n
    if not mean:
        return None
    variance = math.fsum((v - mean) ** 2 for v in values) / n
    return round(math.sqrt(variance) / mean, 3)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _trend(values: Sequence[float]) -> str:
    if len(values) < 4:
        return "unknown"
    half = len(values) // 2
    early, late = statistics.fmean(values[:half]), statistics.fmean(values[-half:])
    if not early:
        return "unknown"
    change = (late - early) / early
    return "rising" if change > TREND_THRESHOLD else "falling" if change < -TREND_THRESHOLD else "stable"


def _present(values: Iterable, keep: Iterable) -> list[float]:
    """values whose partner in `keep` is truthy and which are not None, as floats."""
    return [float(v) for v, k in zip(values, keep) if k and v is not None]


def _known(values: Iterable) -> list[float]:
    return [float(v) for v in values if v is not None]


def compute(script: str, script_hash: str, runs: Sequence[tuple]) -> Pattern | None:
    """The pattern of one script's runs (tuples in RUN_FIELDS order, oldest first); None below 2 runs."""
    finished = [r for r in runs if r[STATE] in FINISHED_STATES]
    if len(finished) < MIN_RUNS:
        return None
    cols = list(zip(*finished))  # one pass to columns; the statistics below run over columns
    ok = [s == "COMPLETED" and not e for s, e in zip(cols[STATE], cols[EXIT])]
    failures = Counter(FAILURE_STATES.get(s, "failed") for s, good in zip(cols[STATE], ok) if not good)
    measured = [bool(e) for e in cols[ELAPSED]]
    cpu_eff, mem_eff = _present(cols[CPU_EFF], measured), _present(cols[MEM_EFF], measured)
    peaks, runtimes = _present(cols[PEAK_MEM], measured), _present(cols[ELAPSED], ok)
    effective = _median(_present(cols[EFF_CPUS], measured))
    ok_peaks = _present(cols[PEAK_MEM], [m and good for m, good in zip(measured, ok)])
    # "typical" is what successful runs used: a killed run's memory was sampled at the kill (issue 21, item 15)
    typical_mem, peak = _median(ok_peaks or peaks), (max(peaks) if peaks else None)
    limit = _median(_known(cols[LIMIT]))
    p95 = percentile(runtimes, 95)
    req_cpus, req_mem = _median(_known(cols[CPUS])), _median(_known(cols[REQ_MEM]))
    n_ok = sum(ok)
    return Pattern(
        script=script, script_hash=script_hash, runs=len(runs), job_ids=[r[JOB] for r in runs],
        finished_runs=len(finished), cpu_efficiency_pct=_median(cpu_eff),
        cpu_efficiency_peak_pct=max(cpu_eff) if cpu_eff else None, cpu_efficiency_cv=_cv(cpu_eff),
        effective_cores=effective, memory_efficiency_pct=_median(mem_eff),
        memory_efficiency_peak_pct=max(mem_eff) if mem_eff else None, memory_typical_mb=typical_mem,
        peak_memory_mb=peak, memory_cv=_cv(peaks), requested_cpus=req_cpus, requested_memory_mb=req_mem,
        cpu_request_ratio=_ratio(req_cpus, effective), memory_request_ratio=_ratio(req_mem, peak),
        gb_per_effective_core=_ratio(typical_mem / 1024 if typical_mem is not None else None, effective),
        runtime_mean_s=round(math.fsum(runtimes) / len(runtimes), 1) if runtimes else None,
        runtime_p50_s=_median(runtimes), runtime_p95_s=p95, runtime_cv=_cv(runtimes), time_limit_s=limit,
        runtime_to_limit_ratio=_ratio(p95, limit), success_rate=round(n_ok / len(finished), 3),
        oom_count=failures["oom"], timeout_count=failures["timeout"],
        other_failure_count=sum(failures.values()) - failures["oom"] - failures["timeout"],
        runtime_trend=_trend(runtimes), memory_trend=_trend(peaks), platform_runs=dict(Counter(cols[PLATFORM])),
        queue_wait_p50_s=_waits(cols[PARTITION], cols[WAIT]), **_gpu_fields(cols[GPU_AT:GPU_AT + len(GPU_FIELDS)]),
        program_failed_runs=sum(s == "FAILED" and bool(e) and bool(t)
                                for s, e, t in zip(cols[STATE], cols[EXIT], cols[ELAPSED])),
    )


def _gpu_fields(columns: Sequence[Sequence]) -> dict:
    g = gpu_pattern(columns)
    if g is None:
        return {}
    return {"gpus_typical": g.gpus, "gpu_model": g.model, "gpu_runs": g.gpu_runs, "gpu_recorded_runs": g.recorded_runs,
            "gpu_utilization_pct": g.utilization_pct, "gpu_utilization_peak_pct": g.utilization_peak_pct,
            "gpu_memory_peak_mb": g.memory_peak_mb, "gpu_utilization_spread_pct": g.spread_pct,
            "gpus_busy": g.busy_gpus}


def _waits(partitions: Sequence[str], waits: Sequence[int | None]) -> dict[str, float]:
    by_partition: dict[str, list[float]] = {}
    for partition, wait in zip(partitions, waits):
        if wait is not None:
            by_partition.setdefault(partition, []).append(float(wait))
    return {p: round(statistics.median(w), 1) for p, w in sorted(by_partition.items())}


def pattern_for_script(store, script_hash: str | None = None, script_name: str | None = None,
                       days: float | None = None, user: str | None = None) -> Pattern | None:
    """The pattern of one script: by hash when runs with that hash exist, else by name. None below 2 runs."""
    for key, kwargs in (("hash", {"script_hash": script_hash}), ("name", {"script_name": script_name})):
        if not next(iter(kwargs.values())):
            continue
        records = store.jobs(days=days, user=user, **kwargs)
        label = script_name or (records[0].script_name if records else "")
        by_hash = (script_hash or "") if key == "hash" else ""  # script_hash is set when key == "hash"
        pattern = compute(label or str(script_hash), by_hash, [run_view(r) for r in records])
        if pattern is not None:
            return pattern
    return None


def all_patterns(store, days: float | None = None, user: str | None = None) -> Iterator[Pattern]:
    """Patterns of every script with 2 runs or more, streamed one script at a time (bounded memory): of the
    whole history from the patterns kept up to date on import (asba.history.script_summary), else computed."""
    from asba.history import script_summary

    if days is None and not user and script_summary.ready(store.conn):
        yield from script_summary.cached_patterns(store.conn)
        return
    yield from scan_patterns(store, days, user)


def scan_patterns(store, days: float | None = None, user: str | None = None) -> Iterator[Pattern]:
    """all_patterns computed from the jobs themselves, in one pass over the (script_name, submit) index."""
    tracked = store.conn.execute("SELECT 1 FROM submissions LIMIT 1").fetchone() is not None
    if tracked:
        key_sql = ("COALESCE(s.script_name, j.script_name), "
                   "COALESCE(NULLIF(s.script_hash, ''), 'name:' || COALESCE(s.script_name, j.script_name)) AS k")
        join, order = " LEFT JOIN submissions s ON s.job_id = j.base_id", "k, j.submit_ts"
    else:  # nothing recorded with --track-history: group by name, in the order of the (script_name, submit) index
        key_sql, join, order = "j.script_name", "", "j.script_name, j.submit_ts"
    from asba.history.store import recent_where

    where, params = recent_where(days, user)
    sql = (f"SELECT {', '.join(f'j.{c}' for c in RUN_FIELDS)}, {key_sql} FROM jobs j{join}"
           + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {order}")
    key_pos, name_pos = (len(RUN_FIELDS) + 1, len(RUN_FIELDS)) if tracked else (len(RUN_FIELDS),) * 2
    with store.mapped():
        for key, group in itertools.groupby(store.conn.execute(sql, params), itemgetter(key_pos)):
            runs = list(group)
            if len(runs) >= MIN_RUNS and (pattern := _grouped(key, runs[0][name_pos], runs, tracked)) is not None:
                yield pattern


def _grouped(key: str | None, name: str, runs: list[tuple], tracked: bool) -> Pattern | None:
    script_hash = "" if not tracked or key is None or key.startswith("name:") else key
    if not script_hash and not (name or "").strip():
        return None  # jobs with no JobName are unrelated: never pooled into one "script" (issue 21, item 8)
    return compute(name, script_hash, runs)


def user_runtime_limit_ratio(store, user: str | None = None, days: float | None = None) -> tuple[float | None, int]:
    """Median of elapsed / time limit over the user's finished jobs, and how many jobs that is (the whole
    history's comes from a summary kept up to date on import: asba.history.summary)."""
    from asba.history.summary import runtime_ratio

    since = None
    if days is not None:
        from asba.history.store import now_epoch

        since = now_epoch() - int(days * 86400)
    return runtime_ratio(store.conn, user=user or None, since_epoch=since)
