"""The --optimize block (current vs right-sized, side by side, with the key insight) and the --with-history block."""

from __future__ import annotations

from typing import Any

from asba.decide import analysis as an
from asba.decide import rightsize
from asba.decide.result import recommendation, request_dict, sides
from asba.report import units


def _text(resource: str, value: float) -> str:
    if resource == "mem_mb":
        return rightsize.format_mem(value)
    if resource == "time_s":
        return rightsize.format_time(value)
    if resource == "gpus":
        return units.plural(int(value), "GPU")
    if resource == "gpu_memory_gib":
        return f"{units.gib(value)} per GPU"
    return f"{int(value)} CPUs"


def _plan(a: an.Analysis) -> tuple[str, float]:
    """What is recommended and what it costs: a job array's split when the pack offered it, else the platform."""
    split = a.evaluation.conclusions.get("advice.array_split")
    if a.array is not None and a.array.split is not None and split is not None and split.value == "split":
        best = a.array.split.best
        return f"split {best.local_tasks} local / {best.aws_tasks} on AWS", best.cost_usd
    if a.platform == "aws" and a.comparison.aws is not None:
        return "aws", a.comparison.aws.cost_usd
    return a.platform, a.comparison.local.cost_usd


def key_insight(current: an.Analysis, optimized: an.Analysis) -> str:
    (before, cost_before), (after, cost_after) = _plan(current), _plan(optimized)
    if before != after and not (before.startswith("split") and after.startswith("split")):
        why = ("the over-allocated request made local look better; the right-sized one favours AWS"
               if after == "aws" else f"the right-sized request makes {after} the better deal")
        return f"Right-sizing changes the decision from {before} to {after}: {why}."
    local_a, local_b = current.comparison.local, optimized.comparison.local
    before_text, after_text = units.usd(cost_before), units.usd(cost_after)
    cost = (f"keeps its cost at {before_text}" if before_text == after_text
            else f"changes its cost from {before_text} to {after_text}")
    time_a, time_b = units.duration(local_a.time_to_result_s), units.duration(local_b.time_to_result_s)
    local = (f"local time to result stays at {time_a}" if time_a == time_b
             else f"local time to result goes from {time_a} to {time_b}")
    kept = f"keeps the recommendation ({after})" if before == after else (
        f"moves the split from {before.removeprefix('split ')} to {after.removeprefix('split ')}")
    return f"Right-sizing {kept} and {cost}; {local}."


def optimized_block(ctx: Any, current: an.Analysis, optimized: an.Analysis | None, sizing: Any) -> dict:
    block: dict[str, Any] = {"status": sizing.status, "message": sizing.message, "gpu_notes": list(sizing.notes)}
    if optimized is None:
        return block
    local, aws = sides(optimized, ctx)
    block.update(
        changes=[{"resource": c.resource, "current": c.current, "proposed": c.proposed, "reason": c.reason,
                  "current_text": _text(c.resource, c.current), "proposed_text": _text(c.resource, c.proposed)}
                 for c in sizing.changes],
        sbatch_lines=sizing.sbatch_lines, request=request_dict(optimized.req),
        recommendation=recommendation(optimized), local=local, aws=aws,
        decision_flipped=optimized.platform != current.platform, key_insight=key_insight(current, optimized))
    return block


def _patterns(pat: Any, job: dict) -> list[str]:
    found = []
    if pat.runtime_p50_s and job.get("time_limit_s"):
        found.append(f"runtime: ~{units.duration(pat.runtime_p50_s)} (p95 {units.duration(pat.runtime_p95_s)}), "
                     f"you request {units.duration(job['time_limit_s'])}")
    nodes = max(int(job.get("nodes_min") or 1), 1)
    if pat.peak_memory_mb and job.get("mem_per_node_mb") and nodes > 1:  # per node, as the request is
        found.append(f"memory per node: peak {units.mem(pat.peak_memory_mb / nodes)}, typical "
                     f"{units.mem((pat.memory_typical_mb or 0) / nodes)} (the job's {units.mem(pat.peak_memory_mb)} "
                     f"over {nodes} nodes: an average, the busiest node may hold more); you request "
                     f"{units.mem(job['mem_per_node_mb'])} per node")
    elif pat.peak_memory_mb and job.get("mem_per_node_mb"):
        found.append(f"memory: peak {units.mem(pat.peak_memory_mb)}, typical {units.mem(pat.memory_typical_mb)}; "
                     f"you request {units.mem(job['mem_per_node_mb'])} per node")
    if pat.cpu_efficiency_pct is not None:
        found.append(f"CPU efficiency: {pat.cpu_efficiency_pct:.0f}% typical (~{pat.effective_cores or 0:.1f} of "
                     f"{job.get('total_cpus')} CPUs busy)")
    from asba.history.views import gpu_summary

    if (gpu := gpu_summary(pat)) is not None:
        found.append(gpu)
    found.append(f"success rate {pat.success_rate:.0%}: {pat.oom_count} out-of-memory, {pat.timeout_count} timeout, "
                 f"{pat.other_failure_count} other failure(s)")
    if pat.platform_runs:
        found.append("platforms: " + ", ".join(f"{k} {v}" for k, v in sorted(pat.platform_runs.items())))
    if pat.runtime_trend not in ("unknown", "stable"):
        found.append(f"runtime trend: {pat.runtime_trend}")
    return found


def history_block(hist: Any, current: an.Analysis) -> dict:
    from asba.facts.history_facts import pattern_source

    runs = [{"job_id": r.job_id, "partition": r.partition, "state": r.state, "elapsed_s": r.elapsed_s,
             "max_memory_used_mb": r.max_memory_used_mb, "cpu_efficiency": r.cpu_efficiency or 0.0,
             "platform": r.execution_platform} for r in hist.runs]
    if hist.pattern is None:
        return {"run_count": len(runs), "runs": runs, "patterns": [], "source": "",
                "message": f"not enough history: {len(runs)} run(s) of this script (need 2)"}
    return {"run_count": len(runs), "runs": runs, "source": pattern_source(hist.pattern),
            "patterns": _patterns(hist.pattern, current.req.job), "message": ""}
