"""The text view of `asba pipeline` / `asba explain --pipeline-mode`, rendered from the pipeline result dict."""

from __future__ import annotations

from asba.report import units
from asba.report.sources import data_used


def _heading(title: str) -> list[str]:
    return ["", title, "=" * len(title)]


def _plan_line(label: str, plan: dict | None) -> str:
    if plan is None:
        return f"  {label:<10} not possible (a step has no AWS option)"
    budget = "" if plan["within_budget"] else ", over the budget"
    return (f"  {label:<10} {' -> '.join(plan['platforms'])}: {units.usd(plan['cost_usd'])} "
            f"(AWS {units.usd(plan['aws_spend_usd'])}, egress {units.usd(plan['egress_usd'])}), "
            f"{units.duration(plan['time_to_result_s'])} -> objective {units.usd(plan['objective_usd'])}{budget}")


def _step_lines(step: dict) -> list[str]:
    where = f"AWS {step['instance_type']}" if step["platform"] == "aws" else "local"
    alone = step["recommendation"]["platform"]
    lines = [f"  {step['step']}. {step['script_name']}: {where}, {units.duration(step['time_to_result_s'])}, "
             f"{units.usd(step['cost_usd'])}" + (f" + egress {units.usd(step['egress_usd'])}"
                                                 if step["egress_usd"] else "")
             + (f"  (alone: {alone})" if alone != step["platform"] else "")]
    if step.get("array"):
        lines.append(f"     array of {step['array']['task_count']} tasks (--array={step['array']['spec']})")
    lines += [f"     [{f['severity']}] {f['found']} ({f['rule']})" for f in step["findings"]]
    return lines


def render(result: dict) -> str:
    plan = result["plan"]
    lines = [f"PIPELINE RECOMMENDATION: {units.plural(len(result['steps']), 'step')}, time to result "
             f"{units.duration(plan['time_to_result_s'])}, total cost {units.usd(plan['cost_usd'])}"]
    command = "scripts: " + " ".join(s["script"] for s in result["steps"]) + (
        f" -> burst partition {result['burst_partition']}" if result.get("burst_partition") else "")
    lines += [""] + data_used(result["data_sources"], command)
    if result.get("detected"):
        lines += ["", result["detected"]["message"],
                  f"  (from {result['detected']['source']}; start-after-end window "
                  f"{units.duration(result['detected']['window_s'])})"]
    lines += _heading("PIPELINE PLAN")
    lines.append(f"  Critical path (time to result): {units.duration(plan['time_to_result_s'])}; total cost "
                 f"{units.usd(plan['cost_usd'])}")
    reserve = f"  Reserve budget: {units.usd(result['reserve_budget_usd'])} for the full pipeline"
    if result.get("all_aws_reserve_usd") is not None:
        reserve += f" vs {units.usd(result['all_aws_reserve_usd'])} all-AWS"
    lines.append(reserve)
    lines += ["", "  Steps:"]
    for step in result["steps"]:
        lines += _step_lines(step)
    lines += ["", f"  Plans (objective: {result['objective']}, {units.usd(result['value_of_hour_usd'])} an hour):",
              _plan_line("all local", result["all_local"]), _plan_line("all AWS", result["all_aws"]),
              _plan_line("best", plan)]
    lines += ["", "  Ready to paste (afterok chain):"] + [f"    {c}" for c in result["commands"]]
    if result["findings"]:
        lines += _heading("PIPELINE FINDINGS") + [f"  [{f['severity']}] {f['found']} ({f['rule']})"
                                                   for f in result["findings"]]
    lines.append(f"  {result['budget']['message']}")
    if result.get("notes"):
        lines += _heading("NOTES") + [f"  - {n}" for n in result["notes"]]
    return "\n".join(lines) + "\n"
