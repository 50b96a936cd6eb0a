"""`asba explain`: parse the script, read the cluster, the history and the knowledge base, run the rule packs,
and return the recommendation with its trace (as one JSON-ready dict plus the evaluations for rendering).

    from asba.decide.advisor import advise
    from asba.decide.context import Options
    advice = advise(Options(script=Path("examples/overalloc.sbatch"), burst_partition="cpu-aws", optimize=True))
    advice.result["recommendation"]["platform"]     # "local" | "aws"
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from asba.decide import analysis as an
from asba.decide import history_view, rightsize
from asba.decide.context import Context, Options, _ExampleStore, load_context, open_history
from asba.errors import InputError


@dataclass
class Advice:
    result: dict
    current: an.Analysis
    optimized: an.Analysis | None
    sizing: rightsize.RightSizing | None
    context: Context


def _parse(options: Options, extra: Sequence[str] = (), defaults: dict | None = None) -> Any:
    from asba.inputs.batch_script import parse_script

    return parse_script(options.script, cli_args=[*options.cli_args, *extra], partition_defaults=defaults)


def resolve_burst(ctx: Context, req: Any) -> Any:
    name = ctx.options.burst_partition
    if name:
        if name not in ctx.bursts:
            close = difflib.get_close_matches(name, list(ctx.bursts), n=1)
            hint = f"did you mean '{close[0]}'?" if close else (
                f"configured burst partitions: {', '.join(ctx.bursts) or 'none'}; add it to burst_partitions or "
                "partitions_json in your config")
            raise InputError(f"unknown burst partition '{name}'", where="command line", hint=hint,
                             code="ASBA-ADVISE-010")
        return ctx.bursts[name]
    wants_gpu = bool(req.job.get("total_gpus"))
    for burst in ctx.bursts.values():  # first configured partition of the right kind
        if any(t.startswith(("p", "g")) for t in burst.instance_types) == wants_gpu:
            ctx.notes.append(f"no burst partition named: using {burst.name} ({burst.source})")
            return burst
    return None


def _read_cluster(ctx: Context, req: Any, partition: str | None, burst: Any) -> Any:
    from asba.facts.cluster_facts import read_cluster

    return read_cluster(ctx.runner, partition=partition, burst_partition=burst.name if burst else None,
                        job=req.job, script=ctx.options.script, cli_args=ctx.options.cli_args)


def advise(options: Options) -> Advice:
    ctx = load_context(options)
    req = _parse(options)
    if options.track_history:  # sync first, so the history read below includes the newest jobs
        ctx.notes.append(track(ctx, req))
        ctx.store, ctx.history_label = open_history(options, ctx.cfg, ctx.notes, ctx.bursts)
    burst = resolve_burst(ctx, req)
    view = _read_cluster(ctx, req, req.job.get("partition"), burst)
    if view.partition_defaults and not req.job.get("mem_per_node_mb"):
        req = _parse(options, defaults=view.partition_defaults)
    partition = req.job.get("partition") or _default_partition(view)
    example = isinstance(ctx.store, _ExampleStore)
    hist = history_view.load(ctx.store, options.script, req.job, partition, example)
    if hist.pattern is None:
        from asba.share.advice import site_note

        ctx.notes += [n for n in (site_note(ctx.cfg, req.script, req.job),) if n]
    lender = _borrow(ctx, hist, req, partition) if hist.pattern is None and not hist.runs else None
    spent, spent_source = history_view.aws_spend(ctx.store, ctx.bursts, ctx.catalog, ctx.now)
    text = Path(options.script).read_text(errors="replace")
    extra = [an.checkpointing(text, req.script)]
    extra += [f for f in (an.transfer(text, req.script, options.transfer_gb),) if f is not None]
    extra += history_view.failure_facts(hist, partition, burst.name if burst else None)
    extra += _refinements(ctx, hist)
    inputs = an.Inputs(view, view.facts, hist.facts, hist.pattern, hist.past_waits_s, hist.runtime_ratio,
                       spent, spent_source, extra + _risk_facts(ctx, hist, req, partition, burst),
                       _wait_record(ctx, partition, view))
    sizing = _rightsize(ctx, req, hist, view) if hist.runs else None
    carried = _carried(sizing, hist)
    priced = req
    if carried is not None:
        priced = _parse(options, carried.cli_args, view.partition_defaults or None)  # risks stay those as written
    current = an.analyse(ctx, priced, partition, burst, inputs)
    optimized = None
    if not options.optimize:
        sizing = None
    elif sizing is None:
        sizing = _rightsize(ctx, req, hist, view)
    if sizing is not None:
        if sizing.status == rightsize.CHANGED:
            new_req = _parse(options, sizing.cli_args, view.partition_defaults or None)
            moved = new_req.job.get("partition") or partition  # a smaller GPU model may live in another partition
            resized = replace(inputs, extra_facts=extra + _risk_facts(ctx, hist, new_req, moved, burst))
            optimized = an.analyse(ctx, new_req, moved, burst, resized)
    from asba.decide.result import build_result

    _label_borrowed(lender, current, optimized)
    result = build_result(ctx, current, optimized, sizing, hist, view)
    result["workload"] = _workload(current)
    from asba.decide.considered import considered

    result["considered"] = [row.as_dict() for row in considered(ctx, current)]
    result["consistency"] = _consistency(current, sizing, hist, req)
    if lender is not None:
        _lower_confidence(result, lender)
    if carried is not None:
        _carry_into(result, current, carried)
    advice = Advice(result, current, optimized, sizing, ctx)
    if options.record:
        from asba.audit.log import record_decision

        result["decision_id"] = record_decision(ctx, advice)
    return advice


def _carried(sizing: rightsize.RightSizing | None, hist: history_view.ScriptHistory) -> Any:
    """The raised --mem/--time a past OOM or TIMEOUT forces (asba.decide.carryover), or None."""
    from asba.decide.carryover import carry_over, failed_counts

    return carry_over(sizing, failed_counts(hist.runs), len(hist.runs)) if sizing is not None else None


def _carry_into(result: dict, current: an.Analysis, carried: Any) -> None:
    """The headline says to raise the request first; the confidence falls (the figure is an estimate)."""
    from asba.decide.carryover import CARRIED_CONFIDENCE

    rec = result["recommendation"]
    rec["carried_over"] = carried.headline
    rec["reasons"].insert(0, carried.headline)
    rec["confidence"] = round(rec["confidence"] * CARRIED_CONFIDENCE, 3)
    current.notes.insert(0, carried.headline)


def _workload(current: an.Analysis) -> dict:
    from asba.history.workload_class import from_evaluation

    family = current.evaluation.conclusions.get("instance.family_class")
    basis = next((f.source for f in current.facts if f.name == "evidence.ok_runs"), "")
    return {**from_evaluation(current.evaluation, basis).as_dict(), "family_class": family.value if family else None}


def _consistency(current: an.Analysis, sizing: Any, hist: history_view.ScriptHistory, req: Any) -> dict:
    from asba.decide.consistency import Advice as Headline
    from asba.decide.consistency import check, record_of

    changes = sizing.changes if sizing is not None else []
    job = current.req.job
    advice = Headline(current.platform, current.local_feasible, job.get("mem_per_node_mb"), job.get("time_limit_s"))
    record = record_of(hist.runs, int(req.job["nodes_min"] or 1))
    if hist.pattern is not None:
        record = replace(record, gpus_busy=hist.pattern.gpus_busy)
    return check(current.evaluation, changes, record, advice).as_dict()


def _risk_facts(ctx: Context, hist: history_view.ScriptHistory, req: Any, partition: str, burst: Any) -> list:
    """Past failures this request would repeat on each side (asba.history.failure_risk)."""
    from asba.history.failure_risk import risk_facts

    return risk_facts(hist.runs, req.job, partition, burst.name if burst else None, getattr(ctx.store, "conn", None))


def _borrow(ctx: Context, hist: history_view.ScriptHistory, req: Any, partition: str) -> Any:
    """A script with no history of its own takes the pattern of the user's most similar script, and says so."""
    from asba.history.similar import BORROWED_CONFIDENCE, borrow

    found = borrow(ctx.store, Path(ctx.options.script), req.job, partition) if ctx.store is not None else None
    if found is None:
        ctx.notes.append("No history available yet: no runs of this script and no similar script in your "
                         "history (same programs or modules, or a similar request)")
        return None
    pattern, facts, lender = found
    hist.pattern = pattern
    hist.facts = [f for f in hist.facts if f.name == "history.user_runtime_to_limit_ratio"] + facts
    ctx.notes.append(f"borrowing history from {lender.name}: this script has none of its own; similar because it "
                     f"{lender.reasons.replace('; ', ' and ')}; confidence x{BORROWED_CONFIDENCE:g}")
    return lender


def _label_borrowed(lender: Any, *analyses: an.Analysis | None) -> None:
    """Say in the runtime's detail that it comes from another script's history."""
    if lender is None:
        return
    for analysis in (a for a in analyses if a is not None and a.runtime.basis == "history"):
        analysis.runtime = replace(analysis.runtime, detail=f"{analysis.runtime.detail} of {lender.name} "
                                   "(borrowed: this script has none)")


def _lower_confidence(result: dict, lender: Any) -> None:
    from asba.history.similar import BORROWED_CONFIDENCE

    rec = result["recommendation"]
    rec["confidence"] = round(rec["confidence"] * BORROWED_CONFIDENCE, 3)
    result["borrowed_from"] = {"script": lender.name, "runs": lender.runs, "why_similar": lender.reasons}


def _refinements(ctx: Context, hist: history_view.ScriptHistory) -> list:
    """What past outcomes teach, as facts (asba.audit.refinements)."""
    from asba.audit.refinements import refinement_facts

    return refinement_facts(ctx.store, hist.runs)


def _wait_record(ctx: Context, partition: str, view: Any) -> Any:
    """The cluster wait record of the partition, as known when the queue was read (None without a database)."""
    from asba.decide.job_wait import wait_record

    return wait_record(ctx.cfg, ctx.store, partition, view.now, ctx.notes)


def _default_partition(view: Any) -> str:
    from asba.facts.cluster_facts import default_partition

    return default_partition(view.state) or "default"


def _rightsize(ctx: Context, req: Any, hist: history_view.ScriptHistory, view: Any) -> rightsize.RightSizing:
    from asba.decide.gpu_rightsize import site_offers

    job = req.job
    current = rightsize.Request(
        nodes=int(job["nodes_min"] or 1), ntasks=int(job["ntasks"] or 1), cpus_per_task=int(job["cpus_per_task"] or 1),
        total_cpus=int(job["total_cpus"] or 1), mem_per_node_mb=job["mem_per_node_mb"],
        time_limit_s=int(job["time_limit_s"] or 0), gpus_per_node=int(job.get("gpus_per_node") or 0),
        gpu_type=job.get("gpu_type") or "", partition=job.get("partition") or "")
    return rightsize.rightsize(
        current, history_view.evidence(hist, current.nodes),
        memory_headroom=float(ctx.cfg.get("advisor.memory_headroom", 0.2)),
        time_headroom=float(ctx.cfg.get("advisor.time_headroom", 0.25)),
        min_runs=int(ctx.cfg.get("advisor.min_runs", 2)), gpu_offers=site_offers(view.state.nodes))


def track(ctx: Context, req: Any) -> str:
    """--track-history: sync sacct into the history database and tie this script's past jobs to its hash."""
    store = getattr(ctx.store, "real", ctx.store)
    if store is None:
        return "--track-history: no history database to write to"
    if ctx.runner.snapshot_dir is not None:
        return "--track-history: not syncing (reading a cluster snapshot, not a live SLURM)"
    from asba.errors import AsbaError

    try:
        counts = store.sync(ctx.runner, days=30)
    except AsbaError as exc:
        return f"--track-history: sync failed: {exc.one_line()}"
    linked = 0
    for run in store.jobs(script_name=Path(ctx.options.script).name):
        if not run.script_hash:
            store.record_submission(Path(ctx.options.script).resolve(), req.job["script_hash"], run.base_id)
            linked += 1
    return f"--track-history: synced sacct ({_counts(counts)}); linked {linked} past job(s) to this script's hash"


def _counts(counts: Any) -> str:
    fields = getattr(counts, "__dict__", None) or {}
    return ", ".join(f"{k} {v}" for k, v in fields.items() if isinstance(v, int)) or str(counts)
