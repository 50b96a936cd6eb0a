"""One request, fully analysed: facts -> instance family -> priced sides -> decision rules -> recommendation.

The advisor runs this once for the request as written and, with --optimize, again for the right-sized request.
Rules run twice: first to learn the instance family class (needed to pick the instance type), then with every
computed fact, which yields the decision and the trace that is shown and logged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from asba.decide import budget as budgets
from asba.decide import compare, domain_advice, gpu_speed, timing
from asba.decide.fit import FAMILY_PATTERNS as FAMILY_PATTERNS
from asba.decide.fit import _offer as _offer
from asba.decide.fit import burst_types as burst_types
from asba.decide.fit import gb_per_core as gb_per_core
from asba.decide.fit import job_facts as job_facts
from asba.decide.fit import local_rate as local_rate
from asba.decide.fit import multi_node_mpi as multi_node_mpi
from asba.decide.fit import node_need as node_need
from asba.decide.fit import partition_gpu_model as partition_gpu_model
from asba.decide.fit import pick_offer as pick_offer
from asba.decide.fit import whole_node_mb as whole_node_mb
from asba.decide.shape import Placement, Shape, local_placement, unreachable
from asba.facts.model import Fact

EGRESS_USD_PER_GB = 0.09  # EC2 data transfer out to the internet, us-east-1, first 10 TB/month


@dataclass
class Analysis:
    req: Any  # JobRequest
    partition: str
    burst: Any  # BurstPartition or None
    wait: Any  # WaitEstimate
    runtime: timing.RuntimeEstimate
    offer: compare.Offer | None
    match: Any  # Match or None
    comparison: compare.Comparison
    budget: budgets.BudgetStatus
    facts: list[Fact]
    evaluation: Any
    notes: list[str] = field(default_factory=list)
    array: Any = None  # ArrayPlan for a job array (then comparison and budget are whole-array figures)
    priced_with: compare.Inputs | None = None  # what the comparison was computed from (Considered resources)
    placement: Placement | None = None  # SLURM's placement on the partition's nodes; None when unknown

    @property
    def local_feasible(self) -> bool | None:
        return None if self.placement is None else self.placement.feasible

    @property
    def platform(self) -> str:
        found = self.evaluation.conclusions.get("advice.platform")
        return found.value if found else "local"

    @property
    def decided_by(self) -> str | None:
        found = self.evaluation.conclusions.get("advice.platform")
        return found.rule_id if found else None


def feasibility_facts(placed: Placement | None, partition: str) -> list[Fact]:
    """decision.local_feasible (absent when the cluster could not be read) and why not."""
    if placed is None:
        return []
    src = f"asba.decide.shape: the request placed on {partition}'s nodes (sinfo) as SLURM would"
    facts = [Fact("decision.local_feasible", placed.feasible, src)]
    if not placed.feasible:
        where = "locally" if "does not exist" in (placed.reason or "") else f"on {partition}"
        facts.append(Fact("decision.local_infeasible_reason", f"cannot run {where}: {placed.reason}", src))
    return facts


TRANSFER_DECLARED = re.compile(r"^\s*#\s*asba:\s*transfer-out-gb\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*$", re.IGNORECASE)


def transfer(script_text: str, script: str, cli_gb: float) -> Fact | None:
    """Data moved out of AWS: --transfer-gb, else a `# asba: transfer-out-gb=N` line in the script."""
    if cli_gb:
        return Fact("decision.transfer_gb", cli_gb, "command line --transfer-gb")
    for number, line in enumerate(script_text.splitlines(), 1):
        found = TRANSFER_DECLARED.match(line)
        if found:
            return Fact("decision.transfer_gb", float(found.group(1)), f"{script}:{number} {line.strip()}")
    return None


CHECKPOINT_HINT = re.compile(r"checkpoint|ckpt|--resume|\brestart\b|--requeue|--signal", re.IGNORECASE)


def checkpointing(script_text: str, script: str) -> Fact:
    for number, line in enumerate(script_text.splitlines(), 1):
        if CHECKPOINT_HINT.search(line):
            return Fact("decision.checkpointing", True, f"{script}:{number} {line.strip()[:60]}")
    return Fact("decision.checkpointing", False, f"{script}: no checkpoint, resume, --requeue or --signal found")


@dataclass
class Inputs:
    """What stays the same between the current and the right-sized request."""

    view: Any  # ClusterView
    cluster_facts: list[Fact]
    history: list[Fact]
    pattern: Any
    past_waits_s: list[float]
    runtime_ratio: float | None
    spent_usd: float
    spent_source: str
    extra_facts: list[Fact]  # checkpointing, failures on partitions
    wait_record: Any = None  # the partition's wait record (history.wait_record.model_for), or None


def _wait(inputs: Inputs, req: Any, partition: str) -> Any:
    from asba.decide.job_wait import WaitInputs, job_wait

    return job_wait(inputs.view, req.job, partition,
                    WaitInputs(inputs.past_waits_s, inputs.runtime_ratio, inputs.wait_record))


def _runtime(ctx: Any, req: Any, inputs: Inputs, notes: list[str]) -> timing.RuntimeEstimate:
    limit = req.job["time_limit_s"]
    if not limit:
        summary = inputs.view.summary(req.job["partition"] or "") if inputs.view else None
        limit = int((summary.settings.get("DefaultTime_s") or 0) if summary else 0) or 3600
        notes.append(f"no time limit requested and none known for the partition: assuming {limit} s")
    pat = inputs.pattern
    scale, note = gpu_speed.history_scale(req, {f.name: f.value for f in inputs.history})
    notes += [note] if note else []
    p50, p95 = getattr(pat, "runtime_p50_s", None), getattr(pat, "runtime_p95_s", None)
    return timing.expected_runtime(
        limit,
        history_p50_s=p50 * scale if p50 else p50,
        history_p95_s=p95 * scale if p95 else p95,
        runs=round((getattr(pat, "finished_runs", 0) or 0) * (getattr(pat, "success_rate", 0) or 0)),
        min_runs=int(ctx.cfg.get("advisor.min_runs", 2)),
    )


def _evaluate(ctx: Any, facts: list[Fact]) -> Any:
    from asba.rules import evaluate

    return evaluate(ctx.packs, facts)


def analyse(ctx: Any, req: Any, partition: str, burst: Any, inputs: Inputs) -> Analysis:
    from asba.knowledge.facts import local_cost_facts, match_facts

    notes: list[str] = []
    if req.job.get("array"):
        from asba.decide.array_plan import check

        check(ctx, req, inputs.view)  # refuse what SLURM refuses (an index past MaxArraySize)
    placed = local_placement(inputs.view, Shape.of(req.job), partition)
    wait = _wait(inputs, req, partition)
    runtime = _runtime(ctx, req, inputs, notes)
    hist = {f.name: f.value for f in inputs.history}
    per_core, per_core_src = gb_per_core(req, hist)
    base = (job_facts(req) + inputs.cluster_facts + wait.to_facts("local") + inputs.history
            + inputs.extra_facts + [Fact("decision.gb_per_core", per_core, per_core_src)]
            + feasibility_facts(placed, partition))
    first = _evaluate(ctx, base)
    base = domain_advice.apply(first, base)
    family = first.conclusions.get("instance.family_class")
    offer, match = pick_offer(ctx, req, burst, family.value if family else None, runtime.p50_s, notes,
                              whole_node_mb(inputs.view, partition))
    offer = gpu_speed.apply(ctx, offer, req, hist, notes)
    rate, local = local_rate(ctx, req, partition, placed, inputs.view)
    value = float(ctx.cfg.get("user.value_of_hour_usd", 0.0) or 0.0)
    startup = float(ctx.cfg.get("advisor.aws_startup_s", 300))
    cmp_inputs = compare.Inputs(
        runtime, wait.p10_s or 0.0, wait.p50_s or 0.0, wait.p90_s or 0.0, rate, offer, startup, value,
        checkpointing=bool(_value(base, "decision.checkpointing")),
        transfer_gb=float(_value(inputs.extra_facts, "decision.transfer_gb") or 0.0),
        transfer_usd_per_gb=EGRESS_USD_PER_GB)
    comparison = compare.compare(cmp_inputs)
    if (wait.p50_s is None or unreachable(inputs.view)) and (placed is None or placed.feasible):
        if wait.p50_s is None:
            notes.append(unknown_wait_note(comparison.wait_to_flip_s, wait.gaps, comparison.preferred))
        else:
            notes.append(f"SLURM's controller did not answer: the local wait ({wait.method}) was not checked "
                         "against today's queue; the confidence is capped accordingly")
        comparison = _unknown_wait_confidence(comparison)
    monthly = ctx.cfg.get("budget.monthly_aws_usd", None)
    plan = _array_plan(ctx, req, partition, burst, offer, runtime, comparison, inputs, cmp_inputs, monthly)
    comparison = plan.whole if plan else comparison
    job_cost = comparison.aws.cost_usd if comparison.aws else 0.0
    status = budgets.budget_status(None if monthly is None else float(monthly), inputs.spent_usd, job_cost)
    facts = list(base)
    if match is not None:
        facts += match_facts(match, burst)
    facts += local_cost_facts(_scaled(local, runtime.p50_s), partition, runtime.p50_s)
    facts += decision_facts(ctx, comparison, runtime, offer, startup, value)
    facts += _timing(inputs.view, wait, runtime.p50_s, req.job.get("time_limit_s") or runtime.p50_s, partition)
    facts += budget_facts(ctx, status, inputs.spent_source)
    if plan:
        from asba.decide.array_plan import facts as array_facts

        facts += array_facts(plan)
        notes += plan.notes
    evaluation = _evaluate(ctx, facts)
    return Analysis(req, partition, burst, wait, runtime, offer, match, comparison, status, facts, evaluation, notes,
                    plan, cmp_inputs, placed)


UNKNOWN_WAIT_CONFIDENCE = 0.5  # an unknown wait is as likely above the break-even wait as below it


def _unknown_wait_confidence(comp: compare.Comparison) -> compare.Comparison:
    """With the wait unknown, a choice that a long enough wait would flip is no more than a coin toss."""
    from dataclasses import replace

    if comp.wait_to_flip_s is None:  # no wait would change the choice: the unknown wait does not matter
        return comp
    return replace(comp, confidence=min(comp.confidence, UNKNOWN_WAIT_CONFIDENCE))


def _array_plan(ctx: Any, req: Any, partition: str, burst: Any, offer: Any, runtime: timing.RuntimeEstimate,
                per_task: compare.Comparison, inputs: Inputs, cmp_inputs: compare.Inputs, monthly: Any) -> Any:
    """A job array's whole-array plan (asba.decide.array_plan); None for a single job."""
    if int(req.job.get("array_task_count") or 1) <= 1:
        return None
    from asba.decide import array_plan

    remaining = None if monthly is None else max(float(monthly) - inputs.spent_usd, 0.0)
    task = array_plan.Task(req, partition, burst, offer, runtime, per_task)
    return array_plan.plan(ctx, task, inputs.view, cmp_inputs, remaining)


def _timing(view: Any, wait: Any, runtime_s: float, limit_s: float, partition: str) -> list[Fact]:
    from asba.decide.timing_advice import timing_facts

    if view is None:
        return []
    nodes = {n.name for n in view.state.nodes if partition in n.partitions}
    return timing_facts(view.now, wait.p50_s, runtime_s, float(limit_s), partition, nodes, view.state.reservations)


def unknown_wait_note(wait_to_flip_s: float | None, gaps: list[str], preferred: str = "local") -> str:
    """A missing wait is never silently 0: the break-even wait instead, and what the confidence could not cover."""
    from asba.report import units

    why = "; ".join(g for g in gaps if g.startswith(("queue_model", "wait_record", "slurm"))) or "no cluster data"
    if preferred == "aws":
        flip = "AWS wins even with no local wait"
    elif wait_to_flip_s is not None:
        flip = f"AWS wins if the local wait exceeds {units.hours(wait_to_flip_s)}"
    else:
        flip = "no local wait would make AWS win"
    return (f"local queue wait unknown ({why}): {flip}; the confidence covers runtime only, "
            "the wait was unknown")


def _value(facts: list[Fact], name: str) -> Any:
    return next((f.value for f in facts if f.name == name), None)


def _scaled(cost: Any, runtime_s: float) -> Any:
    from dataclasses import replace

    hours = runtime_s / 3600.0
    breakdown = {k: round(v * hours, 4) for k, v in cost.breakdown.items()}
    return replace(cost, usd=round(cost.usd * hours, 4), breakdown=breakdown)


def _config_source(ctx: Any, key: str) -> str:
    return f"config {key} ({ctx.cfg.source_of(key)})"


def decision_facts(ctx: Any, comp: compare.Comparison, runtime: timing.RuntimeEstimate, offer: Any,
                   startup: float, value: float) -> list[Fact]:
    src = "asba advisor: "
    local = comp.local
    facts = [
        Fact("time.runtime_s", round(runtime.p50_s, 1), src + runtime.detail),
        Fact("time.runtime_basis", runtime.basis, src + runtime.detail),
        Fact("time.local_result_s", round(local.time_to_result_s, 1), src + "local wait p50 + runtime"),
        Fact("time.local_result_h", round(local.time_to_result_s / 3600, 3), src + "local wait p50 + runtime"),
        Fact("time.local_wait_p50_h", round(local.wait_p50_s / 3600, 3), src + "local wait p50 in hours"),
        Fact("time.local_result_p90_s", round(local.time_to_result_p90_s, 1), src + "local wait p90 + runtime"),
        Fact("time.aws_startup_s", startup, _config_source(ctx, "advisor.aws_startup_s")),
        Fact("decision.local_cost_usd", round(local.cost_usd, 4), src + "cost model x runtime"),
        Fact("decision.value_of_hour_usd", value, _config_source(ctx, "user.value_of_hour_usd")),
        Fact("decision.aws_feasible", offer is not None,
             src + ("instance matching found a type" if offer else "no AWS option")),
        Fact("decision.confidence", round(comp.confidence, 4), src + "share of p10..p90 wait/runtime scenarios"),
    ]
    if comp.aws is None:
        return facts
    aws = comp.aws
    saved = local.time_to_result_s - aws.time_to_result_s
    facts += [
        Fact("time.aws_result_s", round(aws.time_to_result_s, 1), src + "start-up + runtime x performance factor"),
        Fact("time.aws_result_h", round(aws.time_to_result_s / 3600, 3),
             src + "start-up + runtime x performance factor"),
        Fact("time.saved_by_aws_s", round(saved, 1), src + "local minus AWS time to result"),
        Fact("time.saved_by_aws_h", round(saved / 3600, 3), src + "local minus AWS time to result"),
        Fact("decision.aws_cost_usd", round(aws.cost_usd, 4),
             f"{src}{aws.instance_type} x{aws.nodes} {aws.purchasing}, {offer.price_source}"),
        Fact("decision.aws_extra_cost_usd", round(aws.cost_usd - local.cost_usd, 4), src + "AWS cost minus local cost"),
        Fact("decision.time_saved_value_usd", round(value * saved / 3600, 4), src + "time saved x value of an hour"),
        Fact("decision.aws_purchasing", aws.purchasing, f"burst partition purchasing option for {aws.instance_type}"),
        Fact("decision.aws_instance_family", offer.family, src + "chosen instance type"),
    ]
    if comp.break_even.value_of_hour_usd is not None:
        facts.append(Fact("decision.break_even_usd_per_hour", round(comp.break_even.value_of_hour_usd, 4),
                          src + "extra cost / hours saved"))
    if comp.aws_cost and comp.aws_cost.spot_risk is not None:
        facts.append(Fact("decision.spot_interruption_probability",
                          round(comp.aws_cost.spot_risk.interruption_probability, 6),
                          f"Spot Advisor bucket {comp.aws_cost.spot_risk.bucket} over {runtime.p50_s:.0f} s"))
    return facts


def budget_facts(ctx: Any, status: budgets.BudgetStatus, spent_source: str) -> list[Fact]:
    facts = [Fact("budget.spent_usd", round(status.spent_usd, 4), spent_source)]
    if status.monthly_usd is None:
        return facts
    src = f"config budget.monthly_aws_usd ({ctx.cfg.source_of('budget.monthly_aws_usd')})"
    facts += [Fact("budget.monthly_usd", status.monthly_usd, src),
              Fact("budget.remaining_usd", round(status.remaining_usd or 0.0, 4), f"{src} minus spend this month")]
    share = status.share_of_remaining_pct
    if share is not None and math.isfinite(share):
        facts.append(Fact("budget.share_of_remaining_pct", round(share, 3), "AWS cost / remaining budget"))
    return facts
