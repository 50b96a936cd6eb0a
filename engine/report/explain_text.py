"""The text view of `asba explain`: roadmap-style sections rendered from the same dict as `--json`."""

from __future__ import annotations

from asba.report import units
from asba.report.considered_text import considered_lines, instance_lines, wrapped
from asba.report.consistency_text import consistency_lines
from asba.report.sources import data_used, wrap

RULE = "=" * 40


def _heading(title: str) -> list[str]:
    return ["", title, "=" * len(title)]


def request_line(req: dict) -> str:
    gpus = f", {units.plural(req['total_gpus'], 'GPU')}" if req.get("total_gpus") else ""
    part = f" on partition {req['partition']}" if req.get("partition") else ""
    return (
        f"{units.plural(req['nodes'], 'node')}, {units.plural(req['total_cpus'], 'CPU')}, "
        f"{units.mem(req.get('mem_per_node_mb'))}/node{gpus}, "
        f"{units.duration(req['time_limit_s'])} limit{part}"
    )


def recommendation_line(rec: dict) -> str:
    if rec.get("array_split"):
        from asba.report.array_text import headline

        return headline(rec) or ""
    cannot = f"{rec['local_cannot']}. " if rec.get("local_cannot") else ""
    if rec["platform"] == "none":
        return f"RECOMMENDATION: {cannot}No AWS option can hold it either: reshape the request (see warnings)"
    if rec["platform"] == "aws":
        where = f"AWS: {rec['instance_type']} x{rec['nodes']}, {rec['purchasing']}"
    else:
        where = "the local cluster"
    return f"RECOMMENDATION: {cannot}Run on {where} (confidence {units.pct(rec['confidence'])})" if cannot else (
        f"RECOMMENDATION: run on {where} (confidence {units.pct(rec['confidence'])})")


def answer_lines(rec: dict) -> list[str]:
    """The answer on top: the recommendation, its one-line reason, then the figures behind it (80 columns)."""
    reasons = list(rec["reasons"])
    if rec.get("array_split") and len(reasons) > 1:  # the split's own reason first (the decision's is second)
        reasons.insert(0, reasons.pop(1))
    lines = [recommendation_line(rec)]
    if reasons:
        lines += wrap(f"Why: {reasons.pop(0)}", indent="", hanging="  ")
    for reason in reasons:
        lines += wrap(f"- {reason}", indent="  ", hanging="    ")
    return lines


def _wait(local: dict) -> str:
    if local.get("feasible") is False:
        return "cannot run here (see recommendation)"
    if local.get("wait_known") is False:
        return "wait unknown (the time below excludes it; see notes)"
    p90 = f"(p90 {units.duration(local['wait_p90_s'])})"
    if local.get("wait_starts_at_once"):
        return f"starts almost at once {p90}"
    return f"wait {units.duration(local['wait_p50_s'])} {p90}"


def side_lines(local: dict, aws: dict | None) -> list[str]:
    waves = f"{local['array_waves']} waves x " if local.get("array_waves") else ""
    if local.get("feasible") is False:
        lines = [f"  Local: {local.get('infeasible_reason')} (as written it would be refused or never start)"]
        return lines + _aws_lines(aws)
    lines = [
        f"  Local: {_wait(local)} + {waves}run "
        f"{units.duration(local['runtime_s'])} -> {units.duration(local['time_to_result_s'])}, "
        f"cost {units.usd(local['cost_usd'])}"
        + (f" (full cost; your site charges {units.usd(local['recharge_usd'])} at its recharge rate)"
           if local.get("recharge_usd") is not None else "")
    ]
    return lines + _aws_lines(aws)


def _aws_lines(aws: dict | None) -> list[str]:
    if aws is None:
        return ["  AWS:   no option (see notes)"]
    spot = f", spot {units.usd(aws['spot_usd'])}" if aws.get("spot_usd") is not None else ""
    waves = f"{aws['array_waves']} waves x (" if aws.get("array_waves") else ""
    return [
        f"  AWS:   {waves}start-up {units.duration(aws['startup_s'])} + run {units.duration(aws['runtime_s'])}"
        f"{')' if waves else ''} -> "
        f"{units.duration(aws['time_to_result_s'])}, cost {units.usd(aws['cost_usd'])} "
        f"({aws['instance_type']} x{aws['nodes']} {aws['purchasing']}; "
        f"on-demand {units.usd(aws['on_demand_usd'])}{spot})"
    ]


def _analysis(result: dict) -> list[str]:
    local, aws, comp = result["local"], result["aws"], result["comparison"]
    lines = _heading("CURRENT ANALYSIS")
    lines.append(f"  Request: {request_line(result['request'])}")
    lines.append(f"  Runtime: {units.duration(local['runtime_s'])} from {local['runtime_detail']}")
    lines += side_lines(local, aws)
    lines.append(f"  Value of an hour: {units.usd(comp['value_of_hour_usd'])}; {comp['break_even']}")
    lines.append(f"  {comp['counterfactual']}")
    lines.append(f"  {result['budget']['message']}")
    return lines


def _history(result: dict) -> list[str]:
    hist = result.get("history")
    lines = _heading("PERSONAL HISTORY INSIGHTS")
    if not hist or not hist.get("runs"):
        return lines + [f"  {hist['message'] if hist else 'no history of this script'}"]
    lines.append(f"  You've run {result['script_name']} {units.plural(hist['run_count'], 'time')} before "
                 f"({hist['source']}):")
    if hist.get("arrays"):
        from asba.report.array_text import history_lines

        return lines + history_lines(hist)
    for run in hist["runs"]:
        lines.append(
            f"    job {run['job_id']} ({run['platform']}, {run['partition']}, {run['state']}): "
            f"{units.duration(run['elapsed_s'])}, "
            f"{units.mem(run['max_memory_used_mb'])} peak, {run['cpu_efficiency']:.0f}% CPU efficiency"
        )
    lines.append("  PATTERNS DETECTED:")
    lines += [f"    - {p}" for p in hist["patterns"]]
    return lines


def _block(title: str, block: dict) -> list[str]:
    lines = ["", f"{title}:", f"  Request: {request_line(block['request'])}"]
    lines += side_lines(block["local"], block["aws"])
    lines.append(f"  {recommendation_line(block['recommendation'])}")
    return lines


def _sizing_label(changes: list[dict]) -> str:
    if all(c["proposed"] < c["current"] for c in changes):
        return "over-allocated"
    if all(c["proposed"] > c["current"] for c in changes):
        return "under-allocated"
    return "as written"


def _optimized(result: dict) -> list[str]:
    opt = result["optimized"]
    lines = _heading("RIGHT-SIZING (--optimize)")
    notes = [f"  {note}" for note in opt.get("gpu_notes") or []]
    if opt["status"] != "changed":
        return lines + [f"  {opt['message']}"] + notes
    current = {k: result[k] for k in ("request", "local", "aws", "recommendation")}
    lines += _block(f"CURRENT REQUEST ({_sizing_label(opt['changes'])})", current)
    lines += _block("OPTIMIZED REQUEST (right-sized)", opt)
    lines += ["", "  Changes:"]
    lines += [f"    {c['resource']}: {c['current_text']} -> {c['proposed_text']} ({c['reason']})"
              for c in opt["changes"]]
    lines += [f"  {note}" for note in opt.get("gpu_notes") or []]
    per = f" (per task: {opt['sbatch_lines_apply_to']})" if opt.get("sbatch_lines_apply_to") else ""
    lines += ["", f"  Ready to paste{per}:"] + [f"    {line}" for line in opt["sbatch_lines"]]
    lines += ["", f"KEY INSIGHT: {opt['key_insight']}"]
    return lines


def _instances(result: dict) -> list[str]:
    lines = _heading("INSTANCE TYPE ANALYSIS")
    for note in result.get("instance_notes", []):
        lines += wrapped(note, "  ")
    lines += instance_lines(result.get("instances", []))
    if not result.get("instances"):
        lines.append("  no instance type can hold this job")
    if result.get("gpu_analysis"):
        from asba.report.gpu_text import gpu_lines

        lines += gpu_lines(result["gpu_analysis"])
    return lines


def _warnings(result: dict) -> list[str]:
    if not result["warnings"]:
        return []
    lines = _heading("WARNINGS")
    for w in result["warnings"]:
        lines += [f"  [{w['severity']}] {w['found']} ({w['rule']})", f"      why: {w['why']}", f"      fix: {w['fix']}"]
    return lines


def render(result: dict, *, brief: bool = False, trace_text: str | None = None) -> str:
    lines = answer_lines(result["recommendation"])
    command = f"script: {result['script']}" + (f" -> burst partition {result['burst_partition']}"
                                                    if result.get("burst_partition") else "")
    lines += [""] + data_used(result["data_sources"], command)
    lines += _analysis(result)
    if "array" in result:
        from asba.report import array_text

        lines += array_text.render(result)
    if "history" in result:
        lines += _history(result)
    if "optimized" in result:
        lines += _optimized(result)
    if "instances" in result:
        lines += _instances(result)
    if not brief:
        lines += considered_lines(result.get("considered"))
    lines += _warnings(result)
    lines += consistency_lines(result.get("consistency"))
    if result.get("notes"):
        lines += _heading("NOTES") + [f"  - {n}" for n in result["notes"]]
    if result.get("why_not"):
        lines += _heading(f"WHY NOT {result['why_not_target'].upper()}") + [f"  {w}" for w in result["why_not"]]
    if trace_text and not brief:
        lines += _heading("TRACE") + trace_text.rstrip("\n").splitlines()
    if result.get("decision_id"):
        lines += ["", f"Decision {result['decision_id']} logged (asba audit show {result['decision_id']})."]
    return "\n".join(lines) + "\n"
