"""`asba explain JOB.sbatch [BURST_PARTITION] [sbatch options...]`: local or AWS, on what, and why.

asba's own flags may come before or after the script; every other option after the script is an sbatch option
(command line over #SBATCH, as sbatch does). The short form `asba JOB.sbatch BURST` is `explain --brief`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asba.cli.output import print_json, print_text

if TYPE_CHECKING:
    from asba.decide.context import Options

LEVELS = ("notes", "fails", "full")


def _flags(parser: argparse.ArgumentParser, default: object = None) -> None:
    kw: dict[str, Any] = {} if default is None else {"default": default}
    parser.add_argument("--with-history", action="store_true",
                        help="add PERSONAL HISTORY INSIGHTS (past runs, patterns)", **kw)
    parser.add_argument("--optimize", action="store_true", help="right-size the request from history and re-run the "
                        "decision on it, side by side, with ready-to-paste #SBATCH lines", **kw)
    parser.add_argument("--recommend-instance", action="store_true", help="add INSTANCE TYPE ANALYSIS: the cheapest "
                        "feasible types across the catalog", **kw)
    parser.add_argument("--track-history", action="store_true", help="sync sacct into the history first and tie this "
                        "script's past jobs to its hash (live SLURM only)", **kw)
    parser.add_argument("--why-not", choices=("local", "aws"), help="the rules that would have chosen this platform "
                        "and the condition that failed (actual value vs threshold)", **kw)
    parser.add_argument("--explain", choices=LEVELS, help="trace detail: notes (fired rules), fails (+ why other "
                        "rules did not fire), full (+ every fact with its source); default notes", **kw)
    parser.add_argument("--brief", action="store_true", help="the analysis without the trace (the short form)", **kw)
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (see asba config show)", **kw)
    parser.add_argument("--cluster-snapshot", type=Path, metavar="DIR", help="read a saved SLURM capture instead of "
                        "the live cluster (e.g. knowledge/cluster-snapshot)", **kw)
    parser.add_argument("--history-dump", type=Path, metavar="FILE", help="use this sacct dump as the history (read "
                        "for this run only, nothing stored)", **kw)
    parser.add_argument("--transfer-gb", type=float, metavar="GB", help="data the job moves out of AWS (priced as "
                        "egress)", **kw)
    parser.add_argument("--packs", action="append", type=Path, metavar="DIR", help="also load the rule packs in DIR "
                        "(repeatable): a site's or a domain expert's own advice", **kw)
    parser.add_argument("--no-log", action="store_true", help="do not write the decision log", **kw)
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of text", **kw)
    parser.add_argument("--pipeline-mode", action="store_true", help="find the workflow this script belongs to in "
                        "the history and plan the whole chain (as asba pipeline does)", **kw)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain", help="run this job here or on AWS, with what resources, on which instance, and why",
        description="Recommend local or AWS for one batch script, with costs, times to result, warnings and the rule "
                    "trace. Without SLURM or AWS access it uses the shipped cluster snapshot, price snapshot and "
                    "default cost model, and says so.",
        epilog="Example: asba explain examples/overalloc.sbatch cpu-aws --optimize --with-history")
    _flags(parser)
    parser.add_argument("script", type=Path, help="the batch script")
    parser.add_argument("rest", nargs=argparse.REMAINDER, metavar="[BURST_PARTITION] [sbatch options]",
                        help="the burst partition to compare with, then sbatch options (e.g. --mem=64G)")
    parser.set_defaults(func=run)


def split_rest(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """Pull asba flags out of what follows the script; the rest are the burst partition and sbatch options."""
    again = argparse.ArgumentParser(add_help=False, prog="asba explain")
    _flags(again, default=argparse.SUPPRESS)
    known, unknown = again.parse_known_args(args.rest)
    for key, value in vars(known).items():
        setattr(args, key, value)
    burst = None
    if unknown and not unknown[0].startswith("-"):
        burst, unknown = unknown[0], unknown[1:]
    return burst, unknown


def options_from(args: argparse.Namespace) -> Options:
    from asba.decide.context import Options

    burst, sbatch_args = split_rest(args)
    return Options(
        script=args.script, burst_partition=burst, cli_args=sbatch_args, with_history=args.with_history,
        optimize=args.optimize, recommend_instance=args.recommend_instance, track_history=args.track_history,
        why_not=args.why_not, explain=args.explain or "notes", config=args.config,
        cluster_snapshot=args.cluster_snapshot, history_dump=args.history_dump, transfer_gb=args.transfer_gb or 0.0,
        packs=list(args.packs or []), record=not args.no_log)


def remember_for_check(advice: Any, script: Path) -> None:
    """Leave this answer where `asba check` (the sbatch-time hint) reads it; a cache that cannot be written
    costs nothing but the hint. Also says when cluster facts of another recent asba command were reused."""
    from asba.inputs.slurm_frugal import reuse_note
    from asba.site.check import remember

    note = reuse_note(advice.context.runner)
    if note:
        advice.result.setdefault("notes", []).append(note)
    cfg = advice.context.cfg
    remember(advice.result, str(script), site_dir=cfg.get("site.dir", None),
             site_max_age_h=float(cfg.get("site.max_age_h", 2)))


def run(args: argparse.Namespace) -> int:
    from asba.decide.advisor import advise
    from asba.report.explain_text import render

    options = options_from(args)
    if args.pipeline_mode:
        from asba.cli.pipeline_cmd import run_detected

        return run_detected(options, args.json)
    advice = advise(options)
    remember_for_check(advice, options.script)
    if args.json:
        print_json(advice.result)
        return 0
    trace_text = None
    if not args.brief:
        from asba.report.trace import render_text

        trace_text = render_text(advice.current.evaluation, options.explain)
    print_text(render(advice.result, brief=args.brief, trace_text=trace_text))
    return 0
