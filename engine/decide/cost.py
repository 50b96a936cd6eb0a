"""AWS cost of a job at its expected runtime: on-demand, spot (with the expected cost of interruptions) and data
transfer. Pure functions; prices come from the knowledge base, the local cost from the cost model.

Spot interruptions: the Spot Instance Advisor publishes, per type, a bucket for the share of spot capacity that
AWS reclaimed over the trailing month (<5%, 5-10%, 10-15%, 15-20%, >20%). asba reads the bucket's middle (25% for
">20%") as the chance one instance is interrupted within a month of running (730 h), turns it into a constant
hourly hazard, and asks how likely it is that any of the job's nodes is interrupted during its runtime. An
interrupted job without checkpointing loses on average half its progress and must run again; with checkpointing
it loses about half a checkpoint interval (`checkpoint_interval_s`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HOURS_PER_MONTH = 730.0
BUCKET_MONTHLY_RATE = {"<5%": 0.025, "5-10%": 0.075, "10-15%": 0.125, "15-20%": 0.175, ">20%": 0.25}
DEFAULT_CHECKPOINT_INTERVAL_S = 3600.0
# A non-checkpointed spot job is flagged when it runs this long or its interruption risk exceeds this share.
LONG_SPOT_RUN_S = 4 * 3600.0
RISKY_INTERRUPTION_PROBABILITY = 0.10


@dataclass(frozen=True)
class SpotRisk:
    bucket: str
    interruption_probability: float  # any node interrupted during the run
    expected_lost_s: float  # expected re-run time per node
    flagged: bool
    reason: str


@dataclass(frozen=True)
class AwsCost:
    instance_type: str
    nodes: int
    runtime_s: float
    on_demand_usd: float
    spot_usd: float | None  # None when the type has no spot offer
    spot_expected_usd: float | None  # spot including the expected cost of interruptions
    transfer_usd: float
    spot_risk: SpotRisk | None

    def total(self, purchasing: str) -> float:
        if purchasing == "spot" and self.spot_expected_usd is not None:
            return self.spot_expected_usd + self.transfer_usd
        return self.on_demand_usd + self.transfer_usd


def hourly_hazard(bucket: str) -> float:
    try:
        monthly = BUCKET_MONTHLY_RATE[bucket]
    except KeyError:
        raise ValueError(f"unknown spot interruption bucket {bucket!r}") from None
    return -math.log1p(-monthly) / HOURS_PER_MONTH


def spot_risk(
    bucket: str,
    runtime_s: float,
    nodes: int = 1,
    *,
    checkpointing: bool = False,
    checkpoint_interval_s: float = DEFAULT_CHECKPOINT_INTERVAL_S,
) -> SpotRisk:
    hours = runtime_s / 3600.0
    probability = 1.0 - math.exp(-hourly_hazard(bucket) * hours * max(nodes, 1))
    lost_per_interruption = min(checkpoint_interval_s, runtime_s) / 2 if checkpointing else runtime_s / 2
    expected_lost = probability * lost_per_interruption
    flagged = not checkpointing and (runtime_s >= LONG_SPOT_RUN_S or probability >= RISKY_INTERRUPTION_PROBABILITY)
    if flagged:
        reason = (
            f"{hours:.1f} h on spot without checkpointing: {probability:.0%} chance of an interruption "
            f"(bucket {bucket}), which would lose about {runtime_s / 7200:.1f} h of work"
        )
    else:
        reason = f"{probability:.1%} chance of an interruption during the run (bucket {bucket})"
    return SpotRisk(bucket, probability, expected_lost, flagged, reason)


def transfer_cost(gigabytes_out: float, usd_per_gb: float) -> float:
    """Data transfer out of AWS (egress); data in is free."""
    return max(gigabytes_out, 0.0) * usd_per_gb


def aws_cost(
    instance_type: str,
    nodes: int,
    runtime_s: float,
    on_demand_usd_per_hour: float,
    spot_usd_per_hour: float | None = None,
    spot_bucket: str | None = None,
    *,
    checkpointing: bool = False,
    transfer_gb: float = 0.0,
    transfer_usd_per_gb: float = 0.09,
) -> AwsCost:
    if nodes < 1 or runtime_s < 0:
        raise ValueError("nodes must be >= 1 and runtime >= 0")
    node_hours = nodes * runtime_s / 3600.0
    on_demand = node_hours * on_demand_usd_per_hour
    spot = spot_expected = None
    risk = None
    if spot_usd_per_hour is not None:
        spot = node_hours * spot_usd_per_hour
        spot_expected = spot
        if spot_bucket:
            risk = spot_risk(spot_bucket, runtime_s, nodes, checkpointing=checkpointing)
            spot_expected = spot + nodes * risk.expected_lost_s / 3600.0 * spot_usd_per_hour
    return AwsCost(
        instance_type,
        nodes,
        runtime_s,
        on_demand,
        spot,
        spot_expected,
        transfer_cost(transfer_gb, transfer_usd_per_gb),
        risk,
    )

