"""The counterfactual line: what would have to change for the other platform to win, computed not canned.

Three levers, each found by solving or bisecting the same score the decision uses: the local wait (solved
exactly), the memory request (bisected over re-priced requests: a smaller request is cheaper locally and may
fit a smaller instance type) and the value of an hour (the break-even).
"""

from __future__ import annotations

import copy
from typing import Any

from asba.decide import analysis as an
from asba.decide import compare, tradeoff
from asba.report import units

MIN_MEM_MB = 1024


def _aws_wins_at_memory(ctx: Any, a: an.Analysis, mem_mb: float) -> bool:
    req = copy.copy(a.req)
    req.job = dict(a.req.job, mem_per_node_mb=mem_mb, total_mem_mb=mem_mb * (a.req.job["nodes_min"] or 1))
    family = a.evaluation.conclusions.get("instance.family_class")
    offer, _ = an.pick_offer(ctx, req, a.burst, family.value if family else None, a.runtime.p50_s, [])
    if offer is None:
        return False
    rate, _ = an.local_rate(ctx, req, a.partition, a.placement)
    inputs = compare.Inputs(a.runtime, a.wait.p10_s or 0.0, a.wait.p50_s or 0.0, a.wait.p90_s or 0.0, rate, offer,
                            float(ctx.cfg.get("advisor.aws_startup_s", 300)),
                            float(ctx.cfg.get("user.value_of_hour_usd", 0.0) or 0.0))
    return compare.compare(inputs).preferred == "aws"


def memory_to_flip(ctx: Any, a: an.Analysis) -> float | None:
    mem = a.req.job.get("mem_per_node_mb")
    if not mem or mem <= MIN_MEM_MB:
        return None
    found = tradeoff.bisect_flip(lambda m: _aws_wins_at_memory(ctx, a, m), MIN_MEM_MB, float(mem), iterations=12)
    return None if found is None else float(int(found // 1024) * 1024 or MIN_MEM_MB)


def fill(ctx: Any, a: an.Analysis, comparison: dict) -> None:
    comp = a.comparison
    basis = a.evaluation.conclusions.get("advice.basis")
    if a.local_feasible is False:
        comparison["break_even"] = "no break-even: the local cluster cannot run this job as written"
        comparison["break_even_value_of_hour_usd"] = comparison["wait_to_flip_s"] = None
        comparison["counterfactual"] = ("Local becomes an option only with a request one node can hold (fewer CPUs, "
                                        "less memory or fewer GPUs per node, or no more nodes than the partition has).")
        return
    if comp.aws is None:
        why = a.notes[-1] if a.notes else "no burst partition"
        comparison["counterfactual"] = "AWS is not an option here: " + why
        return
    if basis is not None and basis.value == "budget":
        comparison["counterfactual"] = (f"AWS would be recommended if {units.usd(a.budget.job_cost_usd)} of the "
                                        f"monthly AWS budget were left (there is {units.usd(a.budget.remaining_usd)}).")
        return
    value = comparison["value_of_hour_usd"]
    be = comp.break_even.value_of_hour_usd
    wait = comp.wait_to_flip_s
    if a.platform == "local":
        parts = []
        if wait is not None and wait > (a.wait.p50_s or 0):
            parts.append(f"the local wait exceeded {units.hours(wait)}")
        mem = memory_to_flip(ctx, a)
        comparison["memory_to_flip_mb"] = mem
        if mem is not None:
            parts.append(f"the request were <= {units.mem(mem)} per node")
        if be is not None and be > value and comp.local.time_to_result_s > comp.aws.time_to_result_s:
            parts.append(f"an hour of waiting were worth more than {units.usd(be)}")
        head = "AWS would win if "
    else:
        parts = []
        if wait is not None and wait < (a.wait.p50_s or 0):
            parts.append(f"the local wait were under {units.hours(wait)}")
        if be is not None and be < value and comp.local.time_to_result_s > comp.aws.time_to_result_s:
            parts.append(f"an hour of waiting were worth less than {units.usd(be)}")
        head = "Local would win if "
    comparison["counterfactual"] = (head + " or ".join(parts) + "." if parts else
                                    "No change of the local wait, the memory request or the value of an hour "
                                    "alone flips this choice.")
