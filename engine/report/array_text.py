"""The ARRAY section of `asba explain` (text), rendered from the ``array`` block of the result dict."""

from __future__ import annotations

from collections.abc import Callable

from asba.report import units


def headline(rec: dict) -> str | None:
    """The RECOMMENDATION line when the decision pack offered a split (else None: the usual line)."""
    split = rec.get("array_split")
    if not split:
        return None
    return (f"RECOMMENDATION: split the array: {units.plural(split['local_tasks'], 'task')} on the local cluster, "
            f"{units.count(split['aws_tasks'])} on {split['burst_partition']} "
            f"(AWS: {split['instance_type']} x{split['nodes']}, "
            f"{split['purchasing']})")


def _hours(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.1f}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}%"


def _row(label: str, per: str, whole: str) -> str:
    return f"  {label:<22}{per:>14}  {whole:>14}"


def _side(name: str, side: dict | None) -> list[str]:
    if side is None:
        return [f"  {name}: no AWS option"]
    times = (f"{units.duration(side['time_to_result_p10_s'])} / {units.duration(side['time_to_result_s'])} / "
             f"{units.duration(side['time_to_result_p90_s'])}")
    lines = [f"  {name}: {side['tasks']} at a time, {units.plural(side['waves'], 'wave')}; "
             f"time to result p10/p50/p90 {times}",
             f"    bound: {side['bound']} ({side['bound_source']})"]
    others = [f"{b['name']} ({b['tasks']} tasks)" for b in side["bounds"] if b["name"] != side["bound"]]
    if others:
        lines.append(f"    other bounds: {', '.join(others)}")
    return lines


def _split(split: dict | None) -> list[str]:
    if split is None:
        return []
    lines = ["", f"  Split (objective: {split['objective']}):"]
    for label, s in (("all local", split["all_local"]), ("all AWS", split["all_aws"]), ("best split", split)):
        budget = "" if s["within_budget"] else ", over the budget"
        lines.append(f"    {label:<11} {s['local_tasks']:>6} here / {s['aws_tasks']:<6} AWS: "
                     f"{units.usd(s['cost_usd'])}, {units.duration(s['time_to_result_s'])} -> "
                     f"objective {units.usd(s['objective_usd'])}{budget}")
    if not split["offered"]:
        lines.append(f"    no split offered ({split['rule'] or 'no rule decided'})")
        return lines
    lines += ["", f"  Ready to paste ({split['rule']}):"] + [f"    {c}" for c in split["commands"]]
    return lines


def render(result: dict) -> list[str]:
    block = result["array"]
    per, whole = block["per_task"], block["whole"]
    title = f"ARRAY: {block['task_count']} tasks (--array={block['spec']})"
    lines = ["", title, "=" * len(title), _row("", "per task", "whole array")]
    lines += [
        _row("Local cost", units.usd(per["local_cost_usd"]), units.usd(whole["local_cost_usd"])),
        _row("AWS cost", units.usd(per["aws_cost_usd"]), units.usd(whole["aws_cost_usd"])),
        _row("Core-hours", _hours(per["core_hours"]), _hours(whole["core_hours"])),
        _row("GiB-hours", _hours(per["gb_hours"]), _hours(whole["gb_hours"])),
        _row("GPU-hours", _hours(per["gpu_hours"]), _hours(whole["gpu_hours"])),
        _row("Local time to result", units.duration(per["local_time_to_result_s"]),
             units.duration(whole["local_time_to_result_s"])),
        _row("AWS time to result", units.duration(per["aws_time_to_result_s"]),
             units.duration(whole["aws_time_to_result_s"])),
        _row("AWS budget share", _pct(per["budget_share_pct"]), _pct(whole["budget_share_pct"])),
        "",
    ]
    lines += _side("Local", block["local"]) + _side("AWS", block["aws"])
    return lines + _split(block["split"])


def _pct0(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0f}%"


def _spread(values: dict, fmt: Callable[[float | None], str]) -> str:
    return " / ".join(fmt(values[k]) for k in ("p10", "p50", "p90", "max"))


def history_lines(hist: dict) -> list[str]:
    """PERSONAL HISTORY INSIGHTS for array tasks: one line per array, then the per-task spread and the pattern."""
    arrays = hist["arrays"]
    lines = [f"    array {a['array_job_id']}: {units.plural(a['tasks'], 'task')}, {a['completed']} completed, "
             f"task runtime p50 {units.duration(a['runtime_p50_s'])}" for a in arrays["arrays"]]
    cv = arrays["task_runtime_cv"]
    lines += [
        f"  PER-TASK SPREAD ({units.plural(arrays['completed_tasks'], 'completed task')}, p10 / p50 / p90 / max):",
        f"    runtime: {_spread(arrays['task_runtime_s'], units.duration)}"
        + (f" (variation {cv:.0%}; slowest task {arrays['slowest_task']})" if cv is not None else ""),
        f"    CPU efficiency: {_spread(arrays['task_cpu_efficiency_pct'], _pct0)}",
        f"    peak memory: {_spread(arrays['task_peak_memory_mb'], units.mem)}",
        "  PATTERNS DETECTED (all tasks of this script as one pattern):",
    ]
    return lines + [f"    - {p}" for p in hist["patterns"]]
