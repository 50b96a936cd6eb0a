"""The ``array`` block of `asba explain --json`: whole-array figures with the per-task figure beside each, both
sides' widths and waves with the bound that applies, and the split the decision pack offered (or why not)."""

from __future__ import annotations

from typing import Any

from asba.decide.array import Makespan, Width
from asba.decide.array_plan import ArrayPlan
from asba.report import units

OBJECTIVE = "cost + value of an hour x time to result (the last task's end)"


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def _share(cost: float | None, remaining: float | None) -> float | None:
    if cost is None or remaining is None or remaining <= 0:
        return None
    return round(100.0 * cost / remaining, 2)


def _figures(p: ArrayPlan, n: int, remaining: float | None) -> dict:
    comp = p.per_task if n == 1 else p.whole
    aws = comp.aws
    usage = p.usage.totals(n)
    return {"local_cost_usd": _r(comp.local.cost_usd), "aws_cost_usd": _r(aws.cost_usd) if aws else None,
            **usage, "local_time_to_result_s": _r(comp.local.time_to_result_s, 0),
            "aws_time_to_result_s": _r(aws.time_to_result_s, 0) if aws else None,
            "budget_share_pct": _share(aws.cost_usd if aws else None, remaining)}


def _side(w: Width | None, span: Makespan | None) -> dict | None:
    if w is None or span is None:
        return None
    return {**w.as_dict(), "waves": span.waves, "time_to_result_p10_s": round(span.p10_s),
            "time_to_result_s": round(span.p50_s), "time_to_result_p90_s": round(span.p90_s)}


def _split(p: ArrayPlan, evaluation: Any) -> dict | None:
    if p.split is None:
        return None
    found = evaluation.conclusions.get("advice.array_split")
    best, local, aws = p.split.best, p.split.all_local, p.split.all_aws
    return {"offered": bool(found and found.value == "split"), "rule": found.rule_id if found else None,
            **best.as_dict(), "all_local": local.as_dict(), "all_aws": aws.as_dict(),
            "commands": p.commands if found and found.value == "split" else [], "objective": OBJECTIVE}


def array_block(a: Any) -> dict:
    """`a`: an Analysis with an ArrayPlan (a.array)."""
    p: ArrayPlan = a.array
    remaining = a.budget.remaining_usd
    return {"task_count": p.task_count, "spec": p.spec, "throttle": p.throttle,
            "lift_throttle_on_aws": p.lift_throttle, "per_task": _figures(p, 1, remaining),
            "whole": _figures(p, p.task_count, remaining), "local": _side(p.local_width, p.local_span),
            "aws": _side(p.aws_width, p.aws_span), "split": _split(p, a.evaluation)}


def _waves_text(side: dict, lead: str, each: str) -> str:
    return (f"{lead}{units.plural(side['waves'], 'wave')} x {each} "
            f"(up to {side['tasks']} at a time, {side['bound']}) = "
            f"{units.duration(side['time_to_result_s'])}")


def amend_recommendation(rec: dict, block: dict, a: Any, sides: dict) -> None:
    """Reasons that describe the whole array (waves, not one run), and the split when the pack offered it.

    ``sides``: the result's ``local`` and ``aws`` blocks, which get ``array_waves`` for the text view."""
    comp = a.comparison
    local, aws = block["local"], block["aws"]
    n = block["task_count"]
    for i, reason in enumerate(rec["reasons"]):
        if reason.startswith("local: "):
            rec["reasons"][i] = _waves_text(local, f"local: wait {units.duration(comp.local.wait_p50_s)} + ",
                                            f"run {units.duration(a.runtime.p50_s)}") + \
                f", {units.usd(comp.local.cost_usd)} for {n} tasks"
        elif reason.startswith("AWS: ") and aws is not None and comp.aws is not None:
            each = units.duration(aws["time_to_result_s"] / max(aws["waves"], 1))
            rec["reasons"][i] = _waves_text(aws, "AWS: ", f"start-up + run {each}") + (
                f", {units.usd(comp.aws.cost_usd)} on {comp.aws.instance_type} x{comp.aws.nodes} "
                f"{comp.aws.purchasing} for {n} tasks")
    for key, side in (("local", local), ("aws", aws)):
        if rec_side := sides.get(key):
            rec_side["array_waves"] = side["waves"] if side else None
    split = block["split"]
    if split and split["offered"]:
        finding = next((f for f in a.evaluation.findings if f.rule_id == split["rule"]), None)
        rec["reasons"].insert(1, finding.found if finding else "split the array (see ARRAY)")
        rec["array_split"] = {"local_tasks": split["local_tasks"], "aws_tasks": split["aws_tasks"],
                              "burst_partition": a.burst.name, "instance_type": comp.aws.instance_type,
                              "nodes": comp.aws.nodes, "purchasing": comp.aws.purchasing,
                              "commands": split["commands"], "rule": split["rule"]}


def amend_optimized(block: dict, optimized: Any) -> None:
    """The right-sized request of an array: whole-array reasons and waves, and lines that apply per task."""
    if "recommendation" not in block:
        return
    array = array_block(optimized)
    amend_recommendation(block["recommendation"], array, optimized, {"local": block["local"], "aws": block["aws"]})
    block["array"] = array
    block["sbatch_lines_apply_to"] = f"each of the {array['task_count']} array tasks"
