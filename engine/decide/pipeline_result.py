"""The JSON-ready result of `asba pipeline` / `asba explain --pipeline-mode`, with `asba explain`'s names."""

from __future__ import annotations

from typing import Any

from asba import __version__
from asba.decide import pipeline as pl
from asba.report import units


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def plan_dict(plan: pl.Plan | None) -> dict | None:
    if plan is None:
        return None
    return {"platforms": list(plan.platforms), "cost_usd": _r(plan.cost_usd), "aws_spend_usd": _r(plan.aws_spend_usd),
            "egress_usd": _r(sum(plan.egress_usd)), "time_to_result_s": _r(plan.time_s, 0),
            "objective_usd": _r(plan.objective_usd), "within_budget": plan.within_budget,
            "platform_changes": plan.changes}


def _findings(ev: Any) -> list[dict]:
    return [{"rule": f.rule_id, "severity": f.severity, "found": f.found, "why": f.why, "fix": f.fix}
            for f in ev.findings]


def _trace(ev: Any) -> list[dict]:
    from asba.report.trace import render_json

    return render_json(ev, "notes")["events"]


def step_dict(i: int, advice: Any, step: pl.Step, plan: pl.Plan, ev: Any) -> dict:
    res, a = advice.result, advice.current
    found = ev.conclusions.get("workflow.step_platform")
    where = found.value if found else plan.platforms[i]
    on_aws = where == "aws" and a.comparison.aws is not None
    out = {"step": i + 1, "script": res["script"], "script_name": res["script_name"], "platform": where,
           "rule": found.rule_id if found else None,
           "instance_type": a.comparison.aws.instance_type if on_aws else None,
           "time_to_result_s": _r(step.aws_time_s if on_aws else step.local_time_s, 0),
           "cost_usd": _r(step.aws_cost_usd if on_aws else step.local_cost_usd),
           "transfer_gb": _r(step.transfer_gb, 3), "egress_usd": _r(plan.egress_usd[i]),
           "request": res["request"], "recommendation": res["recommendation"], "local": res["local"],
           "aws": res["aws"], "consistency": res.get("consistency"), "findings": _findings(ev), "trace": _trace(ev)}
    if "array" in res:
        out["array"] = res["array"]
    return out


def budget_message(budget: dict, reserve: float) -> str:
    if budget["monthly_usd"] is None:
        return "no monthly AWS budget configured (budget.monthly_aws_usd)"
    left = budget["remaining_usd"] or 0.0
    share = f" ({100 * reserve / left:.1f}% of what is left)" if left > 0 else ""
    return (f"AWS budget: {units.usd(budget['spent_usd'])} of {units.usd(budget['monthly_usd'])} spent this month, "
            f"{units.usd(left)} left; the pipeline reserves {units.usd(reserve)}{share}")


def build(ctx: Any, advices: list[Any], steps: list[pl.Step], choice: pl.Choice, per_step: list[Any], whole: Any,
          commands: list[str], detected: dict | None, value: float) -> dict:
    first = advices[0].result
    notes = [n for a in advices for n in a.result["notes"]]
    if not any(s.transfer_gb for s in steps):
        notes.append("no step declares the data it sends on (--transfer-gb or '# asba: transfer-out-gb=N'): "
                     "egress between platforms is counted as $0")
    return {
        "asba_version": __version__, "generated_at": first["generated_at"], "data_sources": {
            **first["data_sources"],
            "history": "; ".join(dict.fromkeys(a.result["data_sources"]["history"] for a in advices))},
        "burst_partition": first["burst_partition"], "detected": detected,
        "value_of_hour_usd": value, "objective": "cost + egress + value of an hour x critical path",
        "steps": [step_dict(i, a, s, choice.best, ev) for i, (a, s, ev) in enumerate(zip(advices, steps, per_step))],
        "plan": plan_dict(choice.best), "all_local": plan_dict(choice.all_local), "all_aws": plan_dict(choice.all_aws),
        "reserve_budget_usd": _r(choice.best.aws_spend_usd),
        "all_aws_reserve_usd": _r(choice.all_aws.aws_spend_usd) if choice.all_aws else None,
        "budget": {**first["budget"], "job_cost_usd": _r(choice.best.aws_spend_usd, 2),
                   "message": budget_message(first["budget"], choice.best.aws_spend_usd)},
        "commands": commands, "findings": _findings(whole), "trace": _trace(whole),
        "notes": list(dict.fromkeys(notes)),
    }
