"""`asba pipeline A.sbatch B.sbatch C.sbatch`: a chain of afterok steps planned as a whole (per step platform and
instance, critical path, total cost, budget to reserve, egress), and `asba explain A.sbatch --pipeline-mode`,
which finds the chain in the job history first."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asba.decide.context import Options

from asba.cli.output import console, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pipeline", help="plan a chain of dependent jobs (afterok) as a whole: where each step runs, and why",
        description="Explain each step as asba explain does, then choose every step's platform for the whole "
                    "chain: cost + data leaving AWS + the value of an hour x the critical path, within the budget; "
                    "print the budget to reserve and afterok commands.",
        epilog="Example: asba pipeline examples/pipeline/preprocess.sbatch examples/pipeline/align.sbatch "
               "examples/pipeline/analysis.sbatch -b cpu-aws")
    parser.add_argument("scripts", type=Path, nargs="+",
                        help="the step scripts, in order (each afterok the one before)")
    parser.add_argument("-b", "--burst-partition", metavar="P", help="the burst partition to compare with")
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (see asba config show)")
    parser.add_argument("--cluster-snapshot", type=Path, metavar="DIR", help="read a saved SLURM capture")
    parser.add_argument("--history-dump", type=Path, metavar="FILE", help="use this sacct dump as the history")
    parser.add_argument("--packs", action="append", type=Path, metavar="DIR", help="also load the rule packs in DIR")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from asba.decide.context import Options

    base = Options(script=args.scripts[0], burst_partition=args.burst_partition, config=args.config,
                   cluster_snapshot=args.cluster_snapshot, history_dump=args.history_dump,
                   packs=list(args.packs or []), record=False)
    return show(list(args.scripts), base, None, args.json)


def show(scripts: list[Path], base: Options, detected: dict | None, as_json: bool) -> int:
    from asba.decide.pipeline_run import plan_pipeline
    from asba.report.pipeline_text import render

    advice = plan_pipeline(scripts, base, detected)
    if as_json:
        print_json(advice.result)
        return 0
    from asba.report.trace import render_text

    text = render(advice.result) + "\nTRACE (pipeline pack, per step)\n===============================\n"
    for step, ev in zip(advice.result["steps"], advice.step_evaluations):
        text += f"step {step['step']} ({step['script_name']}):\n" + render_text(ev, "notes")
    text += "whole pipeline:\n" + render_text(advice.evaluation, "notes")
    console().print(text, markup=False, highlight=False, soft_wrap=True, end="")
    return 0


def run_detected(options: Options, as_json: bool) -> int:
    """`asba explain SCRIPT --pipeline-mode`."""
    from asba.decide.pipeline_detect import detect

    scripts, detected = detect(options)
    return show(scripts, options, detected, as_json)
