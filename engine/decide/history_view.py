"""The script's own history as the advisor uses it: pattern, facts, runs, failures, spend and right-sizing evidence."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from asba.decide import budget as budgets
from asba.decide.rightsize import Evidence
from asba.facts.model import Fact

FAILED = {"OUT_OF_MEMORY", "TIMEOUT", "FAILED", "NODE_FAIL", "BOOT_FAIL", "DEADLINE"}


@dataclass
class ScriptHistory:
    pattern: Any = None
    runs: list[Any] = field(default_factory=list)  # JobRecord, submit order
    facts: list[Fact] = field(default_factory=list)
    past_waits_s: list[float] = field(default_factory=list)
    runtime_ratio: float | None = None


def runs_of(store: Any, script: Path, script_hash: str | None) -> list[Any]:
    if store is None:
        return []
    runs = store.jobs(script_hash=script_hash) if script_hash else []
    return runs or store.jobs(script_name=script.name)


def load(store: Any, script: Path, job: dict, partition: str, example: bool) -> ScriptHistory:
    if store is None:
        return ScriptHistory()
    from asba.decide.job_wait import history_waits
    from asba.facts.history_facts import history_facts
    from asba.history.patterns import pattern_for_script, user_runtime_limit_ratio

    pattern = pattern_for_script(store, script_hash=job.get("script_hash"), script_name=script.name)
    ratio = user_runtime_limit_ratio(store)
    facts = history_facts(pattern, partition=partition, user_runtime_ratio=ratio)
    waits, _ = history_waits(store, job, partition, example)
    runs = runs_of(store, script, job.get("script_hash"))
    if pattern is not None:
        from asba.facts.history_facts import pattern_source
        from asba.history.evidence import evidence_facts, from_runs

        facts += evidence_facts(from_runs(runs), pattern_source(pattern))
    return ScriptHistory(pattern, runs, facts, waits, ratio[0])


def failure_facts(hist: ScriptHistory, partition: str, burst: str | None) -> list[Fact]:
    failed = [r for r in hist.runs if r.state in FAILED]
    facts = [Fact("decision.failures_on_partition", sum(r.partition == partition for r in failed),
                  f"sacct history: failed runs of this script on {partition} "
                  f"({', '.join(r.job_id for r in failed if r.partition == partition) or 'none'})")]
    if burst:
        facts.append(Fact("decision.failures_on_burst", sum(r.partition == burst for r in failed),
                          f"sacct history: failed runs of this script on {burst}"))
    return facts


def evidence(hist: ScriptHistory, nodes: int) -> Evidence:
    pat = hist.pattern
    ooms = [r.requested_memory_mb / max(r.nodes or 1, 1) for r in hist.runs
            if r.state == "OUT_OF_MEMORY" and r.requested_memory_mb]
    timeouts = [r.time_limit_s for r in hist.runs if r.state == "TIMEOUT" and r.time_limit_s]
    if pat is None:  # one run is no pattern, but one run killed for memory or time is carried all the same
        return Evidence(runs=len([r for r in hist.runs if r.state == "COMPLETED"]),
                        oom_request_mb=max(ooms) if ooms else None,
                        timeout_limit_s=max(timeouts) if timeouts else None)
    per_node = max(nodes, 1)
    # cores from successful runs only: a run killed at its start (OOM, TIMEOUT) says nothing about its cores
    cores = [r.effective_cpus for r in hist.runs if r.succeeded and r.effective_cpus is not None]
    finished = [r.elapsed_s for r in hist.runs if r.state == "COMPLETED" and not r.exit_code and r.elapsed_s]
    return Evidence(
        runs=pat.finished_runs,
        peak_mem_mb=pat.peak_memory_mb / per_node if pat.peak_memory_mb else None,
        effective_cores=statistics.median(cores) if cores else None,
        peak_effective_cores=max(cores) if cores else None,
        runtime_p95_s=pat.runtime_p95_s,
        runtime_max_s=float(max(finished)) if finished else None,
        oom_request_mb=max(ooms) if ooms else None,
        timeout_limit_s=max(timeouts) if timeouts else None,
        gpus_busy=pat.gpus_busy, gpu_memory_peak_mb=pat.gpu_memory_peak_mb, gpu_model=pat.gpu_model,
        gpu_recorded=bool(pat.gpu_recorded_runs),
    )


def aws_spend(store: Any, bursts: dict[str, Any], catalog: Any, now: datetime) -> tuple[float, str]:
    """This month's spend of jobs recorded on burst partitions, priced per vCPU-hour of each partition's types.

    Summed by SQLite per partition over the index of AWS jobs by start (CPUs x seconds, as whole numbers), so a
    big history costs what this month's AWS jobs cost, not what the history holds."""
    if store is None:
        return 0.0, "no history database: no recorded AWS spend"
    start = budgets.month_start(now)
    rows = store.conn.execute(
        "SELECT partition, count(*), sum(coalesce(nullif(alloc_cpus, 0), 1) * coalesce(elapsed_s, 0)) FROM jobs "
        "WHERE execution_platform = 'aws' AND start_ts >= ? AND start_ts <= ? GROUP BY partition",
        (int(start.timestamp()), int(now.timestamp()))).fetchall()
    if not rows:
        return 0.0, f"no jobs on AWS partitions since {start:%Y-%m-%d} in the history"
    rates = {name: _vcpu_rate(catalog, part) for name, part in bursts.items()}
    fallback = sorted(r for r in rates.values() if r)
    default = fallback[len(fallback) // 2] if fallback else 0.0
    spent = sum(cpu_s / 3600.0 * (rates.get(part) or default) for part, _, cpu_s in rows)
    jobs = sum(count for _, count, _ in rows)
    return spent, (f"{jobs} jobs on AWS partitions since {start:%Y-%m-%d} (history), priced at each "
                   "partition's median on-demand $/vCPU-hour")


def _vcpu_rate(catalog: Any, partition: Any) -> float | None:
    from asba.knowledge.matching import expand_types

    types, _ = expand_types(catalog, partition.instance_types)
    rates = sorted(t.on_demand_usd_per_hour / t.vcpus for t in types
                   if getattr(t, "on_demand_usd_per_hour", None) and t.vcpus)
    return rates[len(rates) // 2] if rates else None


def aws_spend_by_day(store: Any, bursts: dict[str, Any], catalog: Any, now: datetime) -> list[tuple[str, float]]:
    """This month's AWS spend per day (UTC, by job start), priced as aws_spend prices the month's total."""
    start = budgets.month_start(now)
    rows = store.conn.execute(
        "SELECT partition, date(start_ts, 'unixepoch'), sum(coalesce(nullif(alloc_cpus, 0), 1) * "
        "coalesce(elapsed_s, 0)) FROM jobs WHERE execution_platform = 'aws' AND start_ts >= ? AND start_ts <= ? "
        "GROUP BY partition, 2", (int(start.timestamp()), int(now.timestamp()))).fetchall()
    rates = {name: _vcpu_rate(catalog, part) for name, part in bursts.items()}
    known = sorted(r for r in rates.values() if r)
    default = known[len(known) // 2] if known else 0.0
    days: dict[str, float] = {}
    for part, day, cpu_s in rows:
        days[day] = days.get(day, 0.0) + cpu_s / 3600.0 * (rates.get(part) or default)
    return sorted(days.items())
