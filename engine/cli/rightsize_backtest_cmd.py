"""`asba cluster rightsize-backtest DUMP...`: `--optimize`'s right-sizing replayed in time order on real usage."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from asba.cli.output import console, print_json


def register(actions) -> None:
    parser = actions.add_parser(
        "rightsize-backtest", help="replay --optimize's right-sizing in time order on sacct dumps",
        description="Each run of a script gets the request --optimize would have proposed from that script's runs "
                    "that had ended before it was submitted; reports the CPU-, GB- and time-hours freed against "
                    "what was requested and the runs that would have failed (out of memory or time). The dumps "
                    "need per-step usage (MaxRSS or TRESUsageInTot), e.g. sacct --parsable2 --format=ALL.")
    parser.add_argument("dumps", type=Path, nargs="+", metavar="DUMP", help="sacct dumps, read together")
    parser.add_argument("--min-runs", type=int, help="earlier ended runs needed (default: advisor.min_runs)")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON instead of text")
    parser.set_defaults(func=run)


def run(args) -> int:
    from asba.audit import rightsize_replay as replay
    from asba.errors import InputError
    from asba.inputs.config import load_config

    if args.min_runs is not None and not 1 <= args.min_runs <= 1000:
        raise InputError(f"--min-runs must be 1 to 1000, got {args.min_runs}", code="ASBA-BACKTEST-004",
                         hint="the earlier ended runs of a script needed before a proposal, e.g. --min-runs 3")
    missing = [p for p in args.dumps if not p.is_file()]
    if missing:
        raise InputError(f"no such sacct dump: {missing[0]}", where=str(missing[0]), code="ASBA-BACKTEST-001",
                         hint="give sacct --parsable2 dumps with a header line")
    rule = replay.Rule.from_config(load_config(getattr(args, "config", None)))
    if args.min_runs is not None:
        rule = replace(rule, min_runs=args.min_runs)
    from asba.cli.progress import stages
    from asba.report import units

    with stages(f"rightsize-backtest: reading {units.plural(len(args.dumps), 'sacct dump')}") as stage:
        runs = replay.load_runs(args.dumps)
        stage(f"rightsize-backtest: replaying {len(runs):,} runs")
        summary = replay.replay(", ".join(p.name for p in args.dumps), runs, rule)
    if getattr(args, "json", False):
        print_json({"rule": rule.__dict__, **summary.as_dict(), "jobs": [r.__dict__ for r in summary.runs]})
        return 0
    lines = [f"Rule: memory headroom {rule.memory_headroom:.0%}, time headroom {rule.time_headroom:.0%}, "
             f"at least {rule.min_runs} earlier ended runs.", "", *replay.table([summary])]
    for line in lines:
        console().print(line, markup=False, highlight=False, soft_wrap=True)
    return 0
