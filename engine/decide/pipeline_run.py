"""`asba pipeline A.sbatch B.sbatch ...` and `asba explain A.sbatch --pipeline-mode`: every step explained as
`asba explain` would (arrays as whole arrays), the best plan for the chain (asba.decide.pipeline), the pipeline
pack (rules/pipeline) evaluated once per step and once for the whole pipeline, and afterok commands.

The result uses the names of `asba explain --json`: each step carries its own ``recommendation``, ``local``,
``aws`` and ``budget`` blocks, and the pipeline adds ``plan`` (per step platform), totals and its own trace.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from asba.decide import analysis as an
from asba.decide import pipeline as pl
from asba.decide.context import Options
from asba.errors import InputError
from asba.facts.model import Fact

SRC = "asba pipeline planner: "


@dataclass
class PipelineAdvice:
    result: dict
    steps: list[Any]  # Advice per step
    step_evaluations: list[Any]
    evaluation: Any  # the whole pipeline's


def _step(advice: Any) -> pl.Step:
    a = advice.current
    comp = a.comparison
    tasks = a.array.task_count if a.array is not None else 1
    declared = next((f.value for f in a.facts if f.name == "decision.transfer_gb"), 0.0) or 0.0
    aws_cost = aws_time = None
    if comp.aws is not None:
        transfer = comp.aws_cost.transfer_usd if comp.aws_cost is not None else 0.0
        aws_cost, aws_time = comp.aws.cost_usd - transfer, comp.aws.time_to_result_s
    return pl.Step(advice.result["script_name"], comp.local.cost_usd, comp.local.time_to_result_s, aws_cost,
                   aws_time, float(declared) * tasks)


def _packset(ctx: Any) -> Any:
    from asba.rules.model import PackSet

    pack = ctx.packs.pack("pipeline")
    if pack is None:
        raise InputError("the pipeline rule pack is not loaded", where="rules/pipeline", code="ASBA-PIPE-003",
                         hint="reinstall asba, or pass the pack folder with --packs")
    return PackSet([pack], ctx.packs.vocabulary)


def step_facts(i: int, steps: list[pl.Step], plan: pl.Plan, alone: str) -> list[Fact]:
    step = steps[i]
    return [
        Fact("pipeline.step_index", i + 1, SRC + f"step {i + 1}: {step.name}"),
        Fact("pipeline.step_count", len(steps), SRC + "scripts named on the command line or detected"),
        Fact("pipeline.step_plan_platform", plan.platforms[i], SRC + "best plan over every platform assignment"),
        Fact("pipeline.step_alone_platform", alone, f"asba explain {step.name}: advice.platform"),
        Fact("pipeline.step_aws_feasible", step.aws_cost_usd is not None, SRC + "instance matching for the step"),
        Fact("pipeline.step_transfer_gb", round(step.transfer_gb, 3), f"{step.name}: declared data out"),
        Fact("pipeline.step_egress_usd", round(plan.egress_usd[i], 4), SRC + "data out x $/GB leaving AWS"),
    ]


def total_facts(choice: pl.Choice, budget_facts: list[Fact]) -> list[Fact]:
    best = choice.best
    src = SRC + "best plan within budget (cost + egress + value of an hour x critical path)"
    facts = [
        Fact("pipeline.total_cost_usd", round(best.cost_usd, 4), src),
        Fact("pipeline.critical_path_h", round(best.time_s / 3600, 3), src + "; sum of the steps' times"),
        Fact("pipeline.reserve_usd", round(best.aws_spend_usd, 4), src + "; AWS steps + egress"),
        Fact("pipeline.unconstrained_reserve_usd", round(choice.unconstrained.aws_spend_usd, 4),
             SRC + "best plan ignoring the budget"),
        Fact("pipeline.egress_usd", round(sum(best.egress_usd), 4), src),
        Fact("pipeline.platform_changes", best.changes, src),
    ]
    if choice.all_aws is not None:
        facts.append(Fact("pipeline.all_aws_reserve_usd", round(choice.all_aws.aws_spend_usd, 4),
                          SRC + "every step on AWS"))
    return facts + [f for f in budget_facts if f.name == "budget.remaining_usd"]


def commands(advices: list[Any], plan: pl.Plan) -> list[str]:
    """afterok chain: each step submitted with a dependency on the one before (bash, ready to paste)."""
    lines = []
    for i, (advice, where) in enumerate(zip(advices, plan.platforms)):
        opts = advice.context.options
        part = f" -p {advice.current.burst.name}" if where == "aws" and advice.current.burst else ""
        dep = f" --dependency=afterok:$step{i}" if i else ""
        extra = "".join(f" {a}" for a in opts.cli_args)
        lines.append(f"step{i + 1}=$(sbatch --parsable{part}{dep}{extra} {opts.script})")
    return lines


def plan_pipeline(scripts: list[Path], base: Options, detected: dict | None = None) -> PipelineAdvice:
    from asba.decide.advisor import advise
    from asba.rules import evaluate

    if not 1 <= len(scripts) <= pl.MAX_STEPS:
        raise InputError(f"a pipeline has 1 to {pl.MAX_STEPS} steps, not {len(scripts)}", where="command line",
                         code="ASBA-PIPE-001", hint="name the steps in order: asba pipeline A.sbatch B.sbatch ...")
    advices = [advise(replace(base, script=Path(s), record=False)) for s in scripts]
    ctx = advices[0].context
    steps = [_step(a) for a in advices]
    value = float(ctx.cfg.get("user.value_of_hour_usd", 0.0) or 0.0)
    remaining = advices[0].current.budget.remaining_usd
    choice = pl.choose(steps, value, an.EGRESS_USD_PER_GB, remaining)
    packset = _packset(ctx)
    per_step = [evaluate(packset, step_facts(i, steps, choice.best, a.current.platform))
                for i, a in enumerate(advices)]
    budget = an.budget_facts(ctx, advices[0].current.budget, "history")
    whole = evaluate(packset, total_facts(choice, budget))
    from asba.decide.pipeline_result import build

    result = build(ctx, advices, steps, choice, per_step, whole, commands(advices, choice.best), detected, value)
    return PipelineAdvice(result, advices, per_step, whole)
