"""--recommend-instance: the cheapest feasible instance types across the whole catalog, beside the choice."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from asba.decide import analysis as an

SHOWN = 8
CLASSES = (("gpu", r"^(p|g)\d"), ("memory", r"^(r|x|u|z)\d"), ("compute", r"^c\d"), ("general", r"^m\d"))


def family_class(instance_type: str) -> str:
    return next((name for name, pattern in CLASSES if re.match(pattern, instance_type)), "other")


def instance_block(ctx: Any, a: an.Analysis) -> tuple[list[dict], list[str]]:
    from asba.knowledge.matching import match_instances

    family = a.evaluation.conclusions.get("instance.family_class")
    workload = a.evaluation.conclusions.get("workload.class")
    efa = bool(family and family.value == "hpc") and a.req.job.get("nodes_min", 1) > 1 and an.multi_node_mpi(a.req)
    need = an.node_need(a.req, family.value if family else None, efa, an.whole_node_mb(None, a.partition))
    aws_runtime = a.comparison.aws.runtime_s if a.comparison.aws else a.runtime.p50_s
    match = match_instances(need, ctx.catalog, None, aws_runtime)
    notes = [f"Need: {need.describe()}",
             f"Workload type: {workload.value if workload else 'unknown'} "
             f"({'rule ' + workload.rule_id if workload else 'no history to classify it'}{_confidence(a)})",
             f"Family class: {family.value if family else 'unknown'}"
             + (f" (rule {family.rule_id})" if family else "")]
    if a.offer is not None:
        notes.insert(0, f"Current choice: {a.offer.instance_type} x{a.offer.nodes} in {a.burst.name}")
    if not match.options:
        notes.append(f"Nothing in the catalog can hold it: {match.reason_none}")
    patterns = a.burst.instance_types if a.burst else ()
    current = a.offer.on_demand_usd_per_hour * a.offer.nodes if a.offer else None
    rows = []
    for option in match.options[:SHOWN]:
        hourly = option.on_demand_usd_per_hour
        rows.append({
            "instance_type": option.instance_type, "nodes": option.nodes_needed, "vcpus": option.vcpus,
            "memory_gib": option.memory_gib, "gpus": option.gpus, "on_demand_usd_per_hour": hourly,
            "spot_usd_per_hour": option.spot_usd_per_hour, "spot_interruption": option.spot_interruption,
            "job_cost_usd": round(hourly * option.nodes_needed * aws_runtime / 3600, 4) if hourly else None,
            "family_class": family_class(option.instance_type), "arch": option.arch,
            "in_burst_partition": any(fnmatch.fnmatchcase(option.instance_type, p) for p in patterns),
            "vs_current_pct": (round(100 * (hourly * option.nodes_needed / current - 1), 1)
                               if hourly and current else None),
        })
    return rows, notes


def _confidence(a: an.Analysis) -> str:
    """'; medium confidence, 3 successful runs' from the workload pack's conclusions, or ''."""
    found = {n: a.evaluation.conclusions.get(f"workload.{n}") for n in ("confidence", "evidence_runs", "basis")}
    if not found["confidence"] or not found["evidence_runs"]:
        return ""
    kind = "failed" if found["basis"] and found["basis"].value == "failure" else "successful"
    from asba.report import units

    return f"; {found['confidence'].value} confidence, {units.plural(found['evidence_runs'].value, kind + ' run')}"
