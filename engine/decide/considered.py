"""Every option the decision weighed ("Considered resources"): the local partition and each instance type of the
burst partition that fits, on-demand and spot, each priced by the same calculator as the chosen one (cost at
the expected runtime, time to result p50/p90, spot interruption risk), with the one reason it lost.

Pure: it reads an Analysis (asba.decide.analysis) and the settings the comparison used; nothing is re-fetched.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from asba.decide import compare, tradeoff
from asba.report import units


@dataclass(frozen=True)
class Considered:
    platform: str  # local | aws
    where: str  # partition, or burst partition
    instance_type: str | None
    nodes: int
    purchasing: str  # local | on-demand | spot
    cost_usd: float
    time_to_result_s: float
    time_to_result_p90_s: float
    spot_interruption_probability: float | None
    offered: bool  # the burst partition buys its nodes this way (the local partition always is)
    chosen: bool
    reason: str  # why it was chosen, or the one reason it lost

    def as_dict(self) -> dict:
        return asdict(self)


def considered(ctx: Any, a: Any) -> list[Considered]:
    """The options `a` (an Analysis) weighed, priced from what its comparison was computed from."""
    rows = [_local(a)]
    burst, inputs = a.burst, a.priced_with
    if a.match is not None and burst is not None and inputs is not None:
        for option in a.match.options:
            rows += [_aws(ctx, inputs, burst, option, way) for way in _ways(option)]
    rows = [_whole_array(a.array, r) for r in rows]
    chosen = _chosen(a, rows)
    value = inputs.value_of_hour_usd if inputs is not None else 0.0
    rows = [replace(r, chosen=True, reason=_why_chosen(a)) if r is chosen
            else replace(r, reason=_why_lost(a, r, chosen, burst, value)) for r in rows]
    return sorted(rows, key=lambda r: (not r.chosen, r.platform != "local", not r.offered, _score(r, value)))


def _whole_array(plan: Any, row: Considered) -> Considered:
    """For a job array every row is for the whole array, as the local row and the decision are: an AWS option
    costs its per-task price x tasks and gives its result after as many waves as the burst partition's width
    allows (asba.decide.array, the same arithmetic as the array plan)."""
    if plan is None or row.platform != "aws" or plan.aws_width is None:
        return row
    from asba.decide import array as arr

    n, waves = plan.task_count, arr.waves(plan.task_count, plan.aws_width.tasks)
    return replace(row, cost_usd=round(arr.whole(row.cost_usd, n), 4),
                   time_to_result_s=round(waves * row.time_to_result_s),
                   time_to_result_p90_s=round(waves * row.time_to_result_p90_s))


def _score(row: Considered, value: float) -> float:
    return tradeoff.score(tradeoff.Side(row.cost_usd, row.time_to_result_s), value)


def _ways(option: Any) -> list[str]:
    return ["on-demand"] + (["spot"] if option.spot_usd_per_hour is not None else [])


def _local(a: Any) -> Considered:
    local = a.comparison.local
    return Considered("local", a.partition, None, int(a.req.job["nodes_min"] or 1), "local",
                      round(local.cost_usd, 4), round(local.time_to_result_s), round(local.time_to_result_p90_s),
                      None, True, False, "")


def _aws(ctx: Any, inputs: compare.Inputs, burst: Any, option: Any, way: str) -> Considered:
    from asba.decide.analysis import _offer

    offer = _offer_for(_offer(ctx, burst, option), option, way)
    side, cost = compare.aws_option(replace(inputs, offer=offer))
    risk = cost.spot_risk.interruption_probability if way == "spot" and cost.spot_risk else None
    return Considered("aws", burst.name, option.instance_type, option.nodes_needed, way, round(side.cost_usd, 4),
                      round(side.time_to_result_s), round(side.time_to_result_p90_s),
                      None if risk is None else round(risk, 4), burst.purchasing_for(option.instance_type) == way,
                      False, "")


def _offer_for(offer: compare.Offer, option: Any, way: str) -> compare.Offer:
    if way == "spot":
        return replace(offer, spot_usd_per_hour=option.spot_usd_per_hour, spot_bucket=option.spot_interruption)
    return replace(offer, spot_usd_per_hour=None, spot_bucket=None)


def _chosen(a: Any, rows: list[Considered]) -> Considered:
    aws = a.comparison.aws
    if a.platform == "aws" and aws is not None:
        for row in rows:
            if (row.instance_type, row.purchasing) == (aws.instance_type, aws.purchasing):
                return row
    return rows[0]


def _why_chosen(a: Any) -> str:
    finding = next((f for f in a.evaluation.findings if f.rule_id == a.decided_by), None)
    return f"chosen ({a.decided_by}): {finding.found}" if finding else "chosen (no decision rule fired)"


def _why_lost(a: Any, row: Considered, chosen: Considered, burst: Any, value: float) -> str:
    if not row.offered:
        return f"{burst.name} buys its {row.instance_type} nodes {burst.purchasing_for(row.instance_type or '')}"
    family = a.evaluation.conclusions.get("instance.family_class")
    offer = a.offer
    if row.platform == "aws" and family and offer and not _in_family(row.instance_type or "", family.value) \
            and _in_family(offer.instance_type, family.value) and row.cost_usd <= chosen.cost_usd:
        return f"not a {family.value} type, which the workload asks for ({family.rule_id})"
    if row.platform != chosen.platform:
        return _platform_reason(a, row, chosen, value)
    return _score_reason(row, chosen, value)


def _in_family(instance_type: str, family_class: str) -> bool:
    from asba.decide.analysis import FAMILY_PATTERNS

    return re.match(FAMILY_PATTERNS.get(family_class, r"."), instance_type) is not None


def _platform_reason(a: Any, row: Considered, chosen: Considered, value: float) -> str:
    decided = a.evaluation.conclusions.get("advice.basis")
    if decided is not None and decided.value != "value":  # budget, feasibility or a forced platform
        finding = next((f for f in a.evaluation.findings if f.rule_id == a.decided_by), None)
        return f"{a.decided_by}: {finding.found}" if finding else f"ruled out by {a.decided_by}"
    return _score_reason(row, chosen, value)


def _score_reason(row: Considered, chosen: Considered, value: float) -> str:
    """Cost plus the value of the time to result, against the chosen option (tradeoff.score)."""
    extra = row.cost_usd - chosen.cost_usd
    slower_h = (row.time_to_result_s - chosen.time_to_result_s) / 3600
    gap = tradeoff.score(tradeoff.Side(row.cost_usd, row.time_to_result_s), value) \
        - tradeoff.score(tradeoff.Side(chosen.cost_usd, chosen.time_to_result_s), value)
    if extra > 0 and abs(slower_h) < 1 / 120:
        return f"{units.usd(extra)} more for the same time to result"
    if extra > 0 and slower_h >= 0:
        return f"{units.usd(extra)} more and {_hours(slower_h)} later than the chosen option"
    if extra > 0:
        return (f"{_hours(-slower_h)} sooner but {units.usd(extra)} more, and that time is worth only "
                f"{units.usd(value * -slower_h)}")
    if slower_h > 0:
        return (f"{units.usd(-extra)} cheaper but {_hours(slower_h)} later, and that time is worth "
                f"{units.usd(value * slower_h)}")
    if gap > 0:
        return f"no better: cost plus the value of time is {units.usd(gap)} higher"
    return "equal; the chosen one came first"


def _hours(h: float) -> str:
    return f"{h * 60:.0f} min" if h < 1 else f"{h:.1f} h"
