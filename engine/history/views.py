"""What people read about their history: the runs table, the roadmap's PERSONAL HISTORY INSIGHTS block,
one job's request-versus-use bars (like jobstats / seff-array) and the biggest wastes. Pure: these build
text lines and rich tables; the CLI prints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter

from asba.history.patterns import Pattern
from asba.history.record import JobRecord
from asba.history.wastes import FIELDS as WASTE_FIELDS
from asba.history.wastes import WasteTally
from asba.inputs.sacct_formats import iso
from asba.report import units

waste_view = attrgetter(*WASTE_FIELDS)
BAR_WIDTH = 30
OVER_ALLOCATED = 2.0  # requested / used above this is called over-allocation
CONSISTENT_CV = 0.25


def human_mb(mb: float | None) -> str:
    """Memory by the one rule (report.units.mem): '124 GiB', '1.5 GiB', '500 MiB'; '-' when unknown."""
    return "-" if mb is None else units.mem(mb)


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def hours(seconds: float | None) -> str:
    """A duration by the one rule (report.units.duration): '2h 06m', '5m', '8s'; '-' when unknown."""
    return "-" if seconds is None else units.duration(seconds)


def runs_table(records: Sequence[JobRecord], width: int = 160, title: str | None = None):
    """The runs; below 120 columns only what fits: job, script, state, efficiencies, runtime, wait."""
    from rich import box
    from rich.table import Table

    wide = width >= 120
    table = Table(title=title or units.plural(len(records), "job"), box=box.SIMPLE_HEAD, pad_edge=False)
    headers = ("job", "script", "partition", "state", "exit", "CPU eff", "mem peak/req", "mem eff", "ran/limit",
               "wait") if wide else ("job", "script", "state", "CPU", "mem", "ran", "wait")
    for header in headers:  # names wrap (never two scripts cut to one label); numbers never wrap
        table.add_column(header, overflow="fold" if header == "script" else "ellipsis", no_wrap=header != "script")
    for r in records:
        if wide:
            table.add_row(r.job_id, r.script_name, r.partition, r.state, _exit(r),
                          f"{pct(r.cpu_efficiency)} of {r.alloc_cpus or '-'}",
                          f"{human_mb(r.max_memory_used_mb)}/ {human_mb(r.requested_memory_mb)}",
                          pct(r.memory_efficiency), f"{hours(r.elapsed_s)}/{hours(r.time_limit_s)}",
                          hours(r.queue_wait_s))
        else:
            table.add_row(r.job_id, r.script_name, r.state, pct(r.cpu_efficiency), pct(r.memory_efficiency),
                          hours(r.elapsed_s), hours(r.queue_wait_s))
    return table


def patterns_table(patterns: Iterable[Pattern], width: int = 160):
    """The patterns table, filled one pattern at a time (each pattern's run list is let go once its row is in)."""
    from rich import box
    from rich.table import Table

    wide = width >= 120
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    headers = ("script", "runs", "CPU eff p50/peak", "cores used/req", "mem p50/peak", "mem eff",
               "runtime p50/p95/limit", "success", "OOM/TO", "trend") if wide else \
        ("script", "runs", "CPU", "cores", "mem peak", "runtime p95", "ok", "trend")
    for header in headers:
        table.add_column(header, overflow="fold" if header == "script" else "ellipsis", no_wrap=header != "script")
    for p in patterns:
        if wide:
            table.add_row(p.script, str(p.finished_runs),
                          f"{pct(p.cpu_efficiency_pct)}/{pct(p.cpu_efficiency_peak_pct)}",
                          f"{_num(p.effective_cores)}/{_num(p.requested_cpus)}",
                          f"{human_mb(p.memory_typical_mb)}/ {human_mb(p.peak_memory_mb)}",
                          pct(p.memory_efficiency_pct),
                          f"{hours(p.runtime_p50_s)}/{hours(p.runtime_p95_s)}/{hours(p.time_limit_s)}",
                          f"{p.success_rate:.0%}", f"{p.oom_count}/{p.timeout_count}", p.runtime_trend)
        else:
            table.add_row(p.script, str(p.finished_runs), pct(p.cpu_efficiency_pct),
                          f"{_num(p.effective_cores)}/{_num(p.requested_cpus)}", human_mb(p.peak_memory_mb),
                          hours(p.runtime_p95_s), f"{p.success_rate:.0%}", p.runtime_trend)
    table.title = f"Patterns of {table.row_count} scripts (2+ finished runs)"
    return table


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _cores(n: int | None) -> str:
    return units.plural(n, "core") if n else "- cores"


def _exit(r: JobRecord) -> str:
    return "-" if r.exit_code is None else f"{r.exit_code}:{r.exit_signal or 0}"


def totals(records: Sequence[JobRecord]) -> dict:
    return WasteTally().add_all(map(waste_view, records)).totals()


def totals_line(records: Sequence[JobRecord]) -> str:
    return totals_text(totals(records))


def totals_text(t: dict) -> str:
    """One line from a totals dict (WasteTally.totals)."""
    states = ", ".join(f"{units.count(n)} {s}" for s, n in sorted(t["states"].items()))
    return (f"Totals: {units.plural(t['jobs'], 'job')} ({states}); {units.amount(t['core_hours'])} core-hours "
            f"allocated, {units.amount(t['cpu_hours_used'])} used (CPU efficiency {pct(t['cpu_efficiency'])})"
            + gpu_totals_text(t))


def gpu_totals_text(t: dict) -> str:
    """'; 66.0 GPU-hours allocated, GPU efficiency 60.2 % ...' for a history with GPU jobs, else ''."""
    if not t.get("gpu_hours"):
        return ""
    if not t["gpu_hours_recorded"]:
        return f"; {units.amount(t['gpu_hours'])} GPU-hours allocated, GPU use not recorded (no gres/gpuutil in sacct)"
    part = ("" if t["gpu_hours_recorded"] == t["gpu_hours"]
            else f" over the {units.amount(t['gpu_hours_recorded'])} GPU-hours with use recorded")
    return f"; {units.amount(t['gpu_hours'])} GPU-hours allocated, GPU efficiency {pct(t['gpu_efficiency'])}{part}"


def insights_block(pattern: Pattern, runs: Sequence[JobRecord]) -> list[str]:
    """The roadmap's PERSONAL HISTORY INSIGHTS block for one script."""
    lines = ["PERSONAL HISTORY INSIGHTS", "=" * 26,
             f"You've run {pattern.script} {pattern.finished_runs} times before:"]
    for number, r in enumerate(runs, 1):
        lines.append(f"  Run {number} ({r.execution_platform}, job {r.job_id}, {r.state}): "
                     f"{hours(r.elapsed_s)} runtime, "
                     f"{human_mb(r.max_memory_used_mb)} memory, {pct(r.cpu_efficiency)} CPU efficiency")
    lines += ["", "PATTERNS DETECTED:"] + [f"  {mark} {text}" for mark, text in _detected(pattern, runs)]
    return lines


def _detected(p: Pattern, runs: Sequence[JobRecord]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if p.runtime_p50_s is not None:
        spread = "Consistent" if (p.runtime_cv or 0) <= CONSISTENT_CV else "Variable"
        found.append(("✓", f"{spread} runtime: ~{hours(p.runtime_p50_s)} (p95 {hours(p.runtime_p95_s)}; "
                           f"you request {hours(p.time_limit_s)})"))
    if p.memory_request_ratio is not None and p.memory_request_ratio > OVER_ALLOCATED:
        found.append(("✓", f"Memory over-allocation: you use ~{human_mb(p.memory_typical_mb)} "
                           f"(peak {human_mb(p.peak_memory_mb)}), request {human_mb(p.requested_memory_mb)}"))
    if p.cpu_efficiency_pct is not None:
        found.append(("✓", f"CPU efficiency: {pct(p.cpu_efficiency_pct)} typical, {pct(p.cpu_efficiency_peak_pct)} "
                           f"best (~{p.effective_cores} of {p.requested_cpus} cores used)"))
    found += _gpu_line(p)
    failures = p.oom_count + p.timeout_count + p.other_failure_count
    if failures:
        found.append(("!", f"Failures: {p.oom_count} out of memory, {p.timeout_count} timed out, "
                           f"{p.other_failure_count} other (success rate {p.success_rate:.0%})"))
    found += _platform_line(runs)
    return found


def _gpu_line(p: Pattern) -> list[tuple[str, str]]:
    text = gpu_summary(p)
    if text is None:
        return []
    return [("✓" if p.gpu_recorded_runs else "?", text)]


def gpu_summary(p: Pattern) -> str | None:
    """The GPU efficiency of a script's runs, or that their GPU use was not recorded; None without GPU runs."""
    if not p.gpu_runs:
        return None
    if not p.gpu_recorded_runs:
        return (f"GPU use: not recorded for the {p.gpu_runs} GPU runs (this cluster's sacct has no gres/gpuutil); "
                "unknown, not 0 %")
    parts = [f"{pct(p.gpu_utilization_pct)} typical" if p.gpu_utilization_pct is not None else "utilisation -"]
    if p.gpu_memory_peak_mb is not None:
        parts.append(f"GPU memory peak {human_mb(p.gpu_memory_peak_mb)}")
    if p.gpus_busy is not None and p.gpus_typical and p.gpus_busy < p.gpus_typical:
        parts.append(f"about {p.gpus_busy:.0f} of {p.gpus_typical:.0f} GPUs busy")
    return f"GPU efficiency: {', '.join(parts)} ({p.gpu_recorded_runs} of {p.gpu_runs} GPU runs recorded)"


def _platform_line(runs: Sequence[JobRecord]) -> list[tuple[str, str]]:
    by_platform: dict[str, list[float]] = {}
    for r in runs:
        if r.succeeded and r.elapsed_s:
            by_platform.setdefault(r.execution_platform, []).append(r.elapsed_s)
    if len(by_platform) < 2:
        return []
    import statistics

    local, aws = statistics.median(by_platform["local"]), statistics.median(by_platform["aws"])
    return [("✓", f"Platform performance: median runtime {hours(local)} local vs {hours(aws)} on AWS")]


def bar(fraction: float | None, width: int = BAR_WIDTH) -> str:
    if fraction is None:
        return "[" + "?" * width + "]"
    filled = max(0, min(width, round(fraction * width)))
    return "[" + "|" * filled + " " * (width - filled) + "]"


def job_bars(r: JobRecord) -> list[str]:
    """One job, request versus use, as terminal bars."""
    used_cpus = r.effective_cpus
    named = ", ".join(x for x in (r.job_name, f"script {r.script_name}" if r.script_name else "") if x)
    lines = [f"Job {r.job_id}{f' ({named})' if named else ''} on {r.partition or '-'} "
             f"[{r.execution_platform}]: {r.state}, exit {_exit(r)}",
             f"  submitted {iso(r.submit_ts) or '-'}, waited {hours(r.queue_wait_s)}, ran {hours(r.elapsed_s)}"]
    rows = [
        ("CPU", _frac(r.cpu_efficiency), f"{pct(r.cpu_efficiency)} of {_cores(r.alloc_cpus)} "
                                         f"({'-' if used_cpus is None else f'{used_cpus:.2f}'} used)"),
        ("Memory", _frac(r.memory_efficiency), f"{pct(r.memory_efficiency)} of {human_mb(r.requested_memory_mb)} "
                                               f"({human_mb(r.max_memory_used_mb)} peak)"),
        ("Time", _frac(r.time_efficiency), f"{pct(r.time_efficiency)} of {hours(r.time_limit_s)} "
                                           f"({hours(r.elapsed_s)} used)"),
    ]
    if r.requested_gpus:
        rows.append(("GPU", _frac(r.gpu_utilization_pct), _gpu_text(r)))
    lines += [f"  {name:<7}{bar(frac)} {text}" for name, frac, text in rows]
    return lines


def _gpu_text(r: JobRecord) -> str:
    gpus = units.plural(r.requested_gpus, f"{r.gpu_model.upper() + ' ' if r.gpu_model else ''}GPU")
    if r.gpu_utilization_pct is None and r.gpu_memory_peak_mb is None:
        return f"use not recorded for {gpus} (no gres/gpuutil in sacct: unknown, not 0 %)"
    text = f"{pct(r.gpu_utilization_pct)} busy on average, {gpus}"
    if r.gpu_utilization_max_pct is not None:
        text += f" (busiest task {pct(r.gpu_utilization_max_pct)})"
    if r.gpu_memory_peak_mb is not None:
        text += f", GPU memory peak {human_mb(r.gpu_memory_peak_mb)}"
    return text


def _frac(percent: float | None) -> float | None:
    return None if percent is None else percent / 100

