"""The JSON-ready result of `asba explain` (knowledge/schemas/explain-output.schema.json), built from analyses."""

from __future__ import annotations

from typing import Any

from asba import __version__
from asba.decide import analysis as an
from asba.decide import counterfactual
from asba.report import units


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(float(x), digits)


def request_dict(req: Any) -> dict:
    job = req.job
    return {"nodes": int(job["nodes_min"] or 1), "total_cpus": int(job["total_cpus"] or 1),
            "mem_per_node_mb": job["mem_per_node_mb"], "total_gpus": int(job["total_gpus"] or 0),
            "gpu_type": job["gpu_type"], "time_limit_s": int(job["time_limit_s"] or 0), "partition": job["partition"]}


def sides(a: an.Analysis, ctx: Any) -> tuple[dict, dict | None]:
    comp, rt = a.comparison, a.runtime
    known = a.wait.p50_s is not None
    local = {"cost_usd": _r(comp.local.cost_usd, 4), "wait_p50_s": _r(comp.local.wait_p50_s, 0) if known else None,
             "wait_p90_s": _r(comp.local.wait_p90_s, 0) if known else None, "runtime_s": _r(rt.p50_s, 0),
             "time_to_result_s": _r(comp.local.time_to_result_s, 0),
             "time_to_result_p90_s": _r(comp.local.time_to_result_p90_s, 0), "runtime_basis": rt.basis,
             "runtime_detail": rt.detail, "wait_method": a.wait.method,
             "wait_known": known, "wait_starts_at_once": a.wait.starts_at_once,
             "feasible": a.local_feasible, "infeasible_reason": _cannot(a),
             "cost_source": "local cost model" + (" (embedded default rates)" if ctx.cfg.is_default(
                 "cost_model") else "")}
    local.update(_recharge(ctx, a))
    if comp.aws is None:
        return local, None
    aws, priced = comp.aws, comp.aws_cost
    risk = priced.spot_risk
    return local, {
        "cost_usd": _r(aws.cost_usd, 4), "wait_p50_s": 0.0, "wait_p90_s": 0.0, "runtime_s": _r(aws.runtime_s, 0),
        "time_to_result_s": _r(aws.time_to_result_s, 0), "time_to_result_p90_s": _r(aws.time_to_result_p90_s, 0),
        "runtime_basis": rt.basis, "purchasing": aws.purchasing, "instance_type": aws.instance_type,
        "nodes": aws.nodes, "on_demand_usd": _r(priced.on_demand_usd, 4), "spot_usd": _r(priced.spot_usd, 4),
        "spot_interruption_probability": _r(risk.interruption_probability, 6) if risk else None,
        "transfer_usd": _r(priced.transfer_usd, 4), "startup_s": float(ctx.cfg.get("advisor.aws_startup_s", 300)),
        "performance_factor": a.offer.performance_factor, "price_source": a.offer.price_source,
    }


def _cannot(a: an.Analysis) -> str | None:
    """'cannot run on cpu: needs 128 CPUs on one node (one task); the largest has 64', or None."""
    return next((f.value for f in a.facts if f.name == "decision.local_infeasible_reason"), None)


def _recharge(ctx: Any, a: an.Analysis) -> dict:
    """What the site charges the user for the local run, beside the full cost (only when a rate is set)."""
    from asba.knowledge.costs import recharge

    found = recharge(ctx.cfg, a.partition, int(a.req.job["total_cpus"] or 1), a.runtime.p50_s)
    if found is None:
        return {}
    return {"recharge_usd": round(found[0], 4), "recharge_source": f"config recharge_cpu_hour_usd ({found[1]})"}


def recommendation(a: an.Analysis) -> dict:
    ev, comp = a.evaluation, a.comparison
    basis = ev.conclusions.get("advice.basis")
    on_aws = a.platform == "aws" and comp.aws is not None
    finding = next((f for f in ev.findings if f.rule_id == a.decided_by), None)
    reasons = [finding.found] if finding else ["no decision rule fired (see the trace)"]
    local = comp.local
    if a.local_feasible is False:
        reasons.append(f"local: {_cannot(a)}")
    else:
        wait = units.duration(local.wait_p50_s) if a.wait.p50_s is not None else "unknown"
        reasons.append(f"local: wait {wait} + run {units.duration(local.runtime_s)} = "
                       f"{units.duration(local.time_to_result_s)}{'+' if a.wait.p50_s is None else ''}, "
                       f"{units.usd(local.cost_usd)}")
    if comp.aws is not None:
        reasons.append(f"AWS: start-up + run = {units.duration(comp.aws.time_to_result_s)}, "
                       f"{units.usd(comp.aws.cost_usd)} on {comp.aws.instance_type} x{comp.aws.nodes} "
                       f"{comp.aws.purchasing}")
    reasons.append(f"runtime from {a.runtime.detail}")
    if on_aws:
        reasons.append(a.budget.message())
    forced = basis is not None and basis.value != "value"
    return {"platform": a.platform, "local_cannot": _cannot(a),
            "instance_type": comp.aws.instance_type if on_aws else None,
            "nodes": comp.aws.nodes if on_aws else int(a.req.job["nodes_min"] or 1),
            "purchasing": comp.aws.purchasing if on_aws else "local",
            "confidence": 1.0 if forced else round(comp.confidence, 3), "reasons": reasons, "rule": a.decided_by}


def comparison(a: an.Analysis, ctx: Any) -> dict:
    comp = a.comparison
    be = comp.break_even
    return {"value_of_hour_usd": float(ctx.cfg.get("user.value_of_hour_usd", 0.0) or 0.0),
            "break_even_value_of_hour_usd": _r(be.value_of_hour_usd, 4) if be else None,
            "break_even": be.meaning if be else "no AWS option to compare with",
            "wait_to_flip_s": _r(comp.wait_to_flip_s, 0),
            "memory_to_flip_mb": None,
            "counterfactual": ""}


def warnings(a: an.Analysis) -> list[dict]:
    return [{"rule": f.rule_id, "severity": f.severity, "found": f.found, "why": f.why, "fix": f.fix}
            for f in a.evaluation.findings if f.severity in ("warning", "error")]


def budget(a: an.Analysis) -> dict:
    b = a.budget
    share = b.share_of_remaining_pct
    return {"monthly_usd": b.monthly_usd, "spent_usd": _r(b.spent_usd, 4), "remaining_usd": _r(b.remaining_usd, 4),
            "job_cost_usd": _r(b.job_cost_usd, 4), "exceeds": b.exceeds, "message": b.message(),
            "share_of_remaining_pct": _r(share) if share is not None and share != float("inf") else None}


def trace(a: an.Analysis, level: str) -> tuple[list[dict], list[dict]]:
    """The trace events at `level`, and (for fails/full) why each rule that did not fire stayed silent."""
    from asba.report.trace import render_json

    rendered = render_json(a.evaluation, level)
    return rendered["events"], rendered.get("why_not", []) if level != "notes" else []


def data_sources(ctx: Any, view: Any) -> dict:
    from asba.decide.shape import CONTROLLER_DOWN, unreachable

    cluster = ctx.cluster_note or f"{view.source} SLURM"
    down = unreachable(view)
    gaps = list(dict.fromkeys(view.gaps))
    if down:  # one line, once: every command failed for the same reason
        failed = [g for g in gaps if CONTROLLER_DOWN.search(g) or "not found in scontrol" in g]
        gaps = [g for g in gaps if g not in failed]
        cluster += (f": controller unreachable ({down}); {len(failed)} reads failed, so the queue, the partitions "
                    "and the local wait are unknown")
    if gaps:
        cluster += f" (gaps: {'; '.join(gaps)})"
    files = ctx.cfg.files
    prices = ctx.catalog.price_label().removeprefix("prices: ")
    return {"cluster": cluster, "prices": prices, "history": ctx.history_label,
            "config": ", ".join(files) if files else "embedded defaults (knowledge/defaults/config.yaml)"}


def build_result(ctx: Any, current: an.Analysis, optimized: an.Analysis | None, sizing: Any, hist: Any,
                 view: Any) -> dict:
    opts = ctx.options
    local, aws = sides(current, ctx)
    result = {
        "asba_version": __version__, "decision_id": None, "script": str(opts.script),
        "script_name": opts.script.name, "burst_partition": current.burst.name if current.burst else None,
        "generated_at": ctx.now.strftime("%Y-%m-%dT%H:%M:%SZ"), "data_sources": data_sources(ctx, view),
        "request": request_dict(current.req), "recommendation": recommendation(current),
        "local": local, "aws": aws, "comparison": comparison(current, ctx), "budget": budget(current),
    }
    counterfactual.fill(ctx, current, result["comparison"])
    if current.array is not None:  # a job array: whole-array figures beside the per-task ones, and the split
        from asba.decide.array_result import amend_recommendation, array_block

        result["array"] = array_block(current)
        amend_recommendation(result["recommendation"], result["array"], current,
                             {"local": result["local"], "aws": result["aws"]})
    if opts.optimize:
        from asba.decide.optimized import optimized_block

        result["optimized"] = optimized_block(ctx, current, optimized, sizing)
        if optimized is not None and optimized.array is not None:  # right-sized lines apply to every task
            from asba.decide.array_result import amend_optimized

            amend_optimized(result["optimized"], optimized)
    if opts.recommend_instance:
        from asba.decide.instances import instance_block

        result["instances"], result["instance_notes"] = instance_block(ctx, current)
        from asba.decide.gpu_analysis import gpu_block

        if (gpu := gpu_block(ctx.catalog, current)) is not None:
            result["gpu_analysis"] = gpu
    if opts.with_history:
        from asba.decide.optimized import history_block

        result["history"] = history_block(hist, current)
        from asba.history.arrays import array_summary

        if (arrays := array_summary(hist.runs)) is not None:
            result["history"]["arrays"] = arrays
    result["warnings"] = warnings(current)
    result["notes"] = list(dict.fromkeys(ctx.notes + current.notes + current.req.warnings))
    result["facts"] = [f.as_dict() for f in current.facts]
    result["trace"], silent = trace(current, opts.explain)
    if silent:
        result["trace_why_not"] = silent
    if opts.why_not:
        result["why_not_target"] = opts.why_not
        result["why_not"] = why_not(current, opts.why_not)
    return result


def why_not(a: an.Analysis, target: str) -> list[str]:
    """Rules that would have chosen `target`, with the condition that failed (actual value vs threshold)."""
    packset, ev = a.evaluation.packset, a.evaluation
    lines: list[str] = []
    if a.platform == target:
        lines.append(f"{target} IS the recommendation (rule {a.decided_by}).")
    for rule in packset.producers("advice.platform"):
        if not any(act.conclusion == "advice.platform" and act.value == target for act in rule.actions):
            continue
        answer = ev.why_not(rule.id)
        if answer.happened:
            lines.append(f"{rule.id}: fired")
            continue
        for entry in answer.rules:  # the alternative closest to firing: the fewest failed conditions
            alt = min(entry["alternatives"], key=len) if entry["alternatives"] else []
            lines.append(f"{rule.id}: " + ("; ".join(f["text"] for f in alt) or "outranked by another rule"))
    return lines
