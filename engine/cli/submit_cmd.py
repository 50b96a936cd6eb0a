"""`asba submit JOB.sbatch [BURST] [sbatch options] [--optimize] [--yes]`: explain, show the plan, ask, submit.

The plan is the recommendation (partition, instance, the right-sized options with ``--optimize``) and the exact
``sbatch --parsable`` line; after a yes (``--yes``; with no terminal, ``--yes`` is required) exactly that line
runs, and the job id SLURM returned is logged with the decision (asba.audit.submitted), so `asba audit outcomes`
joins the job by its id. ``--pipeline A B C`` submits a chain of afterok steps planned as `asba pipeline` does.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asba.cli.explain_cmd import _flags, options_from, remember_for_check
from asba.cli.output import print_json, print_text
from asba.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "submit", help="explain, show the plan and the sbatch line, ask, then submit it and log the job id",
        description="Explain the job, print the plan (platform, partition, instance, right-sized options with "
                    "--optimize) and the exact sbatch line, ask for confirmation (--yes skips it; without a "
                    "terminal --yes is required), run `sbatch --parsable` with exactly those options and log the "
                    "decision with the job id SLURM returned. --pipeline submits each script as an afterok step.",
        epilog="Example: asba submit examples/overalloc.sbatch cpu-aws --optimize --yes")
    _flags(parser)
    _own_flags(parser)
    parser.add_argument("script", type=Path, help="the batch script")
    parser.add_argument("rest", nargs=argparse.REMAINDER, metavar="[BURST_PARTITION] [sbatch options]",
                        help="the burst partition to compare with, then sbatch options (e.g. --mem=64G)")
    parser.set_defaults(func=run)


def _own_flags(parser: argparse.ArgumentParser, default: object = None) -> None:
    kw: dict[str, Any] = {} if default is None else {"default": default}
    parser.add_argument("--yes", "-y", action="store_true", help="submit without asking", **kw)
    parser.add_argument("--pipeline", nargs="+", type=Path, metavar="NEXT.sbatch", help="further steps after "
                        "JOB.sbatch, each afterok the one before (planned as a whole, as asba pipeline does)", **kw)


def _pull_own_flags(args: argparse.Namespace) -> None:
    """`--yes` and `--pipeline` may also follow the script: take them out before the sbatch options are read."""
    again = argparse.ArgumentParser(add_help=False, prog="asba submit")
    _own_flags(again, default=argparse.SUPPRESS)
    known, args.rest = again.parse_known_args(args.rest)
    for key, value in vars(known).items():
        setattr(args, key, value)


def _confirm(args: argparse.Namespace) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise InputError("no terminal to confirm the submission on", where="command line", code="ASBA-SUBMIT-001",
                         hint="check the plan, then pass --yes to submit without asking")
    answer = input("Submit? [y/N] ").strip().lower()
    return answer in ("y", "yes")


Planned = tuple[Any, list[tuple[str, Any]], dict]


def _plan(args: argparse.Namespace) -> Planned:
    """The SubmitPlan; per submission, the decision id to log its job with and the advice's context; the result
    `asba explain` (or `asba pipeline`) would print."""
    from asba.decide import submit_plan

    options = options_from(args)
    if args.pipeline:
        return _plan_pipeline(args, options)
    from asba.decide.advisor import advise

    advice = advise(options)
    remember_for_check(advice, options.script)
    burst = options.burst_partition or advice.result.get("burst_partition")  # the one asba chose when none named
    plan = submit_plan.plan_job(advice.result, options.script, options.cli_args, burst,
                                options.optimize)
    if not advice.result.get("decision_id"):
        raise InputError("the decision could not be logged, so the job id would not be tied to it",
                         where="decision log", code="ASBA-SUBMIT-004",
                         hint="; ".join(advice.result.get("notes", [])[-1:]) or "check ASBA_HOME")
    return plan, [(advice.result["decision_id"], advice.context)] * len(plan.submissions), advice.result


def _plan_pipeline(args: argparse.Namespace, options: Any) -> Planned:
    from dataclasses import replace

    from asba.audit.log import record_decision
    from asba.decide import submit_plan
    from asba.decide.pipeline_run import plan_pipeline

    scripts = [options.script, *args.pipeline]
    advice = plan_pipeline(scripts, replace(options, record=False))
    steps = [(Path(s), step["platform"], step.get("instance_type"))
             for s, step in zip(scripts, advice.result["steps"])]
    burst = options.burst_partition or advice.steps[0].result.get("burst_partition")
    plan = submit_plan.plan_pipeline(steps, burst, tuple(options.cli_args))
    logged = []
    for step_advice in advice.steps:
        decision_id = record_decision(step_advice.context, step_advice)
        if decision_id is None:
            raise InputError("a step's decision could not be logged", where="decision log", code="ASBA-SUBMIT-004")
        logged.append((decision_id, step_advice.context))
    return plan, logged, advice.result


def _submit(plan: Any, logged: list[tuple[str, Any]]) -> list[dict]:
    from asba.audit import submitted
    from asba.audit.log import connect
    from asba.inputs.slurm import SlurmRunner

    runner, ids, done = SlurmRunner(), dict[int, str](), []
    for sub, (decision_id, ctx) in zip(plan.submissions, logged):
        argv = sub.argv(ids.get(sub.after) if sub.after is not None else None)
        out = runner.run(f"sbatch_submit_{sub.step}", argv, timeout_s=60.0)
        job_id, cluster = submitted.parse_parsable(out.stdout)
        ids[sub.step] = job_id
        row = submitted.SubmittedJob(decision_id, job_id, cluster, sub.step,
                                     datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), tuple(argv))
        conn = connect(_db_of(ctx))
        try:
            submitted.record(conn, row)
        finally:
            conn.close()
        done.append(row.as_dict())
    return done


def _db_of(ctx: Any) -> Any:
    from asba.audit.log import _store_path

    return _store_path(ctx)


def _render(plan: Any, logged: list[tuple[str, Any]]) -> str:
    lines = ["SUBMIT PLAN", "===========", f"  {plan.summary}"]
    if plan.instance_type:
        lines.append(f"  instance: {plan.instance_type}")
    lines.append(f"  decision logged: {', '.join(dict.fromkeys(d for d, _c in logged))}")
    lines += ["", "  sbatch line(s) to run:"]
    for sub in plan.submissions:
        prefix = f"step{sub.step + 1}=$(" if plan.platform == "pipeline" else ""
        lines.append(f"    {prefix}{sub.line()}{')' if prefix else ''}")
    return "\n".join(lines)


def _explained(result: dict, pipeline: bool) -> str:
    if pipeline:
        from asba.report.pipeline_text import render as render_pipeline

        return render_pipeline(result)
    from asba.report.explain_text import render

    return render(result, brief=True, trace_text=None)


def run(args: argparse.Namespace) -> int:
    _pull_own_flags(args)
    plan, logged, result = _plan(args)
    if not args.json:
        print_text(_explained(result, bool(args.pipeline)) + "\n" + _render(plan, logged) + "\n")
    if not _confirm(args):
        print_text("not submitted\n")
        return 1
    jobs = _submit(plan, logged)
    if args.json:
        print_json({"plan": plan.as_dict(), "jobs": jobs})
        return 0
    for job in jobs:
        print_text(f"submitted job {job['job_id']} (decision {job['decision_id']}, step {job['step'] + 1})\n")
    return 0
