"""Facts from the knowledge base: the burst target, the best matching instance, prices and local cost.

Every fact names its source (price snapshot and date, config file and line). Names are declared in
``knowledge/vocabulary/aws.yaml`` and ``cost.yaml``.
"""

from __future__ import annotations

from typing import Any

from asba.facts.model import Fact
from asba.knowledge.costs import Cost
from asba.knowledge.matching import Match


def match_facts(match: Match, partition: Any = None) -> list[Fact]:
    """aws.* facts for the burst partition (a BurstPartition or None) and the cheapest feasible type."""
    where = f"{partition.name} ({partition.source})" if partition is not None else f"EC2 catalog {match.region}"
    facts = [
        Fact("aws.burst_partition", partition.name if partition is not None else "", where),
        Fact("aws.region", match.region, where),
        Fact("aws.candidate_count", len(match.options), f"instance matching over {where}"),
        Fact("aws.price_label", match.price_label, "knowledge/ec2/SOURCE.md"),
    ]
    if partition is not None:
        facts.append(Fact("aws.purchasing", partition.purchasing, where))
    best = match.best
    if best is None:
        facts.append(Fact("aws.no_fit_reason", match.reason_none or "", f"instance matching over {where}"))
        return facts
    price = f"price {best.price_source} {best.price_date} {best.region}"
    facts += [
        Fact("aws.best_instance_type", best.instance_type, f"instance matching over {where}"),
        Fact("aws.best_family", best.instance_type.split(".")[0], f"instance matching over {where}"),
        Fact("aws.best_nodes", best.nodes_needed, f"instance matching over {where}"),
        Fact("aws.best_packing_waste_pct", best.packing_waste_pct, f"instance matching over {where}"),
        Fact("aws.best_efa", best.efa, f"EC2 catalog {best.instance_type}"),
        Fact("aws.best_arch", best.arch, f"EC2 catalog {best.instance_type}"),
        Fact("aws.price_date", best.price_date, price),
    ]
    if best.on_demand_usd_per_hour is not None:
        facts.append(Fact("aws.best_on_demand_usd_per_hour", best.on_demand_usd_per_hour, price))
        facts.append(Fact("cost.aws_on_demand_usd", best.on_demand_usd, f"{price}, {match.runtime_s:g} s"))
    if best.spot_usd_per_hour is not None:
        spot_src = "spot estimate from Spot Advisor" if best.spot_estimate else f"spot {best.price_source}"
        facts.append(Fact("aws.best_spot_usd_per_hour", best.spot_usd_per_hour, f"{spot_src}, {price}"))
        facts.append(Fact("aws.spot_is_estimate", best.spot_estimate, spot_src))
        facts.append(Fact("cost.aws_spot_usd", best.spot_usd, f"{spot_src}, {match.runtime_s:g} s"))
    if best.spot_interruption is not None:
        facts.append(Fact("aws.best_spot_interruption", best.spot_interruption, "AWS Spot Instance Advisor"))
    return facts


def local_cost_facts(cost: Cost, partition: str, runtime_s: float) -> list[Fact]:
    """cost.local_* facts: the local cost of the job and whether asba's default cost model was used."""
    rates = sorted(set(cost.sources.values()))
    source = f"cost model for {partition} ({', '.join(rates)}), {runtime_s:g} s"
    return [
        Fact("cost.local_usd", cost.usd, source),
        Fact("cost.local_model_default", cost.used_default, source),
    ]
