"""history.* facts: a script's pattern (asba.history.patterns) as facts the rules can match.

Each fact says where it came from: "sacct history: 5 runs of train.sbatch (jobs 41, 42, 43, ...)".
A value the history cannot give (no memory data, no successful run) is left out, never invented.
"""

from __future__ import annotations

from asba.facts.model import Fact
from asba.history.patterns import Pattern

# fact name -> Pattern attribute
_FROM_PATTERN = {
    "history.run_count": "finished_runs",
    "history.cpu_efficiency_pct": "cpu_efficiency_pct",
    "history.cpu_efficiency_peak_pct": "cpu_efficiency_peak_pct",
    "history.cpu_efficiency_cv": "cpu_efficiency_cv",
    "history.effective_cores": "effective_cores",
    "history.gb_per_effective_core": "gb_per_effective_core",
    "history.memory_efficiency_pct": "memory_efficiency_pct",
    "history.memory_efficiency_peak_pct": "memory_efficiency_peak_pct",
    "history.memory_typical_mb": "memory_typical_mb",
    "history.peak_memory_mb": "peak_memory_mb",
    "history.memory_cv": "memory_cv",
    "history.requested_cpus_typical": "requested_cpus",
    "history.requested_memory_mb_typical": "requested_memory_mb",
    "history.cpu_request_ratio": "cpu_request_ratio",
    "history.memory_request_ratio": "memory_request_ratio",
    "history.runtime_mean_s": "runtime_mean_s",
    "history.runtime_p50_s": "runtime_p50_s",
    "history.runtime_p95_s": "runtime_p95_s",
    "history.runtime_cv": "runtime_cv",
    "history.time_limit_typical_s": "time_limit_s",
    "history.runtime_to_limit_ratio": "runtime_to_limit_ratio",
    "history.success_rate": "success_rate",
    "history.oom_count": "oom_count",
    "history.timeout_count": "timeout_count",
    "history.other_failure_count": "other_failure_count",
    "history.runtime_trend": "runtime_trend",
    "history.memory_trend": "memory_trend",
    "history.gpus_typical": "gpus_typical",
    "history.gpu_utilization_pct": "gpu_utilization_pct",
    "history.gpu_utilization_peak_pct": "gpu_utilization_peak_pct",
    "history.gpu_memory_peak_mb": "gpu_memory_peak_mb",
    "history.gpu_utilization_spread_pct": "gpu_utilization_spread_pct",
    "history.gpus_busy": "gpus_busy",
}
SHOWN_IDS = 5


def pattern_source(pat: Pattern) -> str:
    ids = ", ".join(pat.job_ids[:SHOWN_IDS]) + (", ..." if len(pat.job_ids) > SHOWN_IDS else "")
    matched = f" (hash {pat.script_hash[:12]})" if pat.script_hash else ""
    return f"sacct history: {pat.finished_runs} runs of {pat.script}{matched} (jobs {ids})"


def history_facts(pat: Pattern | None, *, partition: str | None = None,
                  user_runtime_ratio: tuple[float | None, int] | None = None) -> list[Fact]:
    """Facts from one script's pattern; [] when there is none (fewer than 2 runs).

    ``partition`` adds the script's typical queue wait there; ``user_runtime_ratio`` (median, job count)
    adds how much of their time limits the user's jobs use overall.
    """
    facts: list[Fact] = []
    if user_runtime_ratio and user_runtime_ratio[0] is not None:
        facts.append(Fact("history.user_runtime_to_limit_ratio", user_runtime_ratio[0],
                          f"sacct history: median elapsed / time limit over {user_runtime_ratio[1]} jobs"))
    if pat is None:
        return facts
    source = pattern_source(pat)
    facts.append(Fact("history.matched_by", "hash" if pat.script_hash else "name", source))
    for name, attr in _FROM_PATTERN.items():
        value = getattr(pat, attr)
        if value is not None:
            facts.append(Fact(name, value, source))
    facts.extend(_gpu_recording(pat, source))
    facts.append(Fact("history.aws_run_count", pat.platform_runs.get("aws", 0), source))
    facts.append(Fact("history.local_run_count", pat.platform_runs.get("local", 0), source))
    if partition and partition in pat.queue_wait_p50_s:
        facts.append(Fact("history.queue_wait_p50_s", pat.queue_wait_p50_s[partition],
                          f"{source}, partition {partition}"))
    return facts


def _gpu_recording(pat: Pattern, source: str) -> list[Fact]:
    """Whether sacct recorded GPU use for the script's GPU runs (only for scripts that had GPUs): false means
    the site keeps no gres/gpuutil, so GPU use is unknown, not 0 %."""
    if not pat.gpu_runs:
        return []
    facts = [Fact("history.gpu_usage_recorded", pat.gpu_recorded_runs > 0,
                  f"{source}: GPU use recorded for {pat.gpu_recorded_runs} of {pat.gpu_runs} GPU runs")]
    if pat.gpus_busy is not None and pat.gpus_typical:
        facts.append(Fact("history.gpus_idle", round(pat.gpus_typical - pat.gpus_busy, 2),
                          f"{source}: {pat.gpus_typical:g} GPUs, about {pat.gpus_busy:g} busy"))
    if pat.gpu_model:
        facts.append(Fact("history.gpu_model", pat.gpu_model, f"{source}: AllocTRES gres/gpu:{pat.gpu_model}"))
    return facts
