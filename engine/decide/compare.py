"""Price both sides for one request: local (wait + runtime, cost model) and AWS (start-up + runtime x family
factor, on-demand or spot). Pure: every input is a plain number the advisor gathered with its provenance.
"""

from __future__ import annotations

from dataclasses import dataclass

from asba.decide import cost as costs
from asba.decide import timing, tradeoff


@dataclass(frozen=True)
class Offer:
    """One priced instance type for the job (from instance matching)."""

    instance_type: str
    family: str
    nodes: int
    on_demand_usd_per_hour: float  # per node
    spot_usd_per_hour: float | None  # per node; None when there is no spot offer
    spot_bucket: str | None
    price_source: str
    performance_factor: float = 1.0


@dataclass(frozen=True)
class Inputs:
    runtime: timing.RuntimeEstimate
    wait_p10_s: float
    wait_p50_s: float
    wait_p90_s: float
    local_usd_per_hour: float
    offer: Offer | None
    startup_s: float
    value_of_hour_usd: float
    checkpointing: bool = False
    transfer_gb: float = 0.0
    transfer_usd_per_gb: float = 0.09


@dataclass(frozen=True)
class SideResult:
    platform: str
    cost_usd: float
    wait_p50_s: float
    wait_p90_s: float
    runtime_s: float
    time_to_result_s: float
    time_to_result_p90_s: float
    runtime_basis: str
    purchasing: str | None = None
    instance_type: str | None = None
    nodes: int | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None or k in ("cost_usd", "runtime_basis")}


@dataclass(frozen=True)
class Comparison:
    local: SideResult
    aws: SideResult | None
    aws_cost: costs.AwsCost | None
    preferred: str  # the lower cost + value-of-time score, before budget and feasibility rules
    advantage_usd: float  # local score - AWS score (> 0: AWS is better value); 0 without an AWS option
    break_even: tradeoff.BreakEven | None
    confidence: float
    wait_to_flip_s: float | None


def _local(inputs: Inputs, wait_p50: float, wait_p90: float, runtime_s: float) -> SideResult:
    ttr = timing.local_time_to_result(wait_p50, wait_p90, runtime_s)
    return SideResult(
        "local",
        inputs.local_usd_per_hour * runtime_s / 3600.0,
        wait_p50,
        wait_p90,
        runtime_s,
        ttr.p50_s,
        ttr.p90_s,
        inputs.runtime.basis,
    )


def _aws(inputs: Inputs, runtime_s: float) -> tuple[SideResult, costs.AwsCost]:
    offer = inputs.offer
    assert offer is not None
    run_there = timing.aws_runtime(runtime_s, offer.performance_factor)
    priced = costs.aws_cost(
        offer.instance_type,
        offer.nodes,
        run_there + inputs.startup_s,  # EC2 bills from launch: the start-up (boot, slurmd) is paid time
        offer.on_demand_usd_per_hour,
        offer.spot_usd_per_hour,
        offer.spot_bucket,
        checkpointing=inputs.checkpointing,
        transfer_gb=inputs.transfer_gb,
        transfer_usd_per_gb=inputs.transfer_usd_per_gb,
    )
    # The burst partition decides how nodes are bought: a spot price is offered only for spot partitions.
    purchasing = "spot" if offer.spot_usd_per_hour is not None else "on-demand"
    ttr = timing.aws_time_to_result(inputs.startup_s, runtime_s, offer.performance_factor)
    side = SideResult(
        "aws", priced.total(purchasing), 0.0, 0.0, run_there, ttr.p50_s, ttr.p90_s, inputs.runtime.basis,
        purchasing, offer.instance_type, offer.nodes,
    )
    return side, priced


def _sides(inputs: Inputs, wait_s: float, runtime_s: float) -> tuple[tradeoff.Side, tradeoff.Side]:
    local = _local(inputs, wait_s, wait_s, runtime_s)
    aws, _ = _aws(inputs, runtime_s)
    return tradeoff.Side(local.cost_usd, local.time_to_result_s), tradeoff.Side(aws.cost_usd, aws.time_to_result_s)


def aws_option(inputs: Inputs) -> tuple[SideResult, costs.AwsCost]:
    """The AWS side alone, priced as compare() prices it (no scenario confidence): for listing the options."""
    return _aws(inputs, inputs.runtime.p50_s)


def compare(inputs: Inputs) -> Comparison:
    runtime_s = inputs.runtime.p50_s
    local = _local(inputs, inputs.wait_p50_s, inputs.wait_p90_s, runtime_s)
    if inputs.offer is None:
        return Comparison(local, None, None, "local", 0.0, None, 1.0, None)
    aws, priced = _aws(inputs, runtime_s)
    local_side = tradeoff.Side(local.cost_usd, local.time_to_result_s)
    aws_side = tradeoff.Side(aws.cost_usd, aws.time_to_result_s)
    value = inputs.value_of_hour_usd
    preferred = tradeoff.choose(local_side, aws_side, value)
    low, high = timing.runtime_range(inputs.runtime)
    scenarios = tradeoff.Scenarios(inputs.wait_p10_s, inputs.wait_p90_s, low, high)
    share = tradeoff.confidence(preferred, scenarios, lambda w, r: _sides(inputs, w, r), value)
    return Comparison(
        local,
        aws,
        priced,
        preferred,
        tradeoff.score(local_side, value) - tradeoff.score(aws_side, value),
        tradeoff.break_even(local_side, aws_side),
        share,
        tradeoff.wait_to_flip(local_side, aws_side, inputs.wait_p50_s, value),
    )
