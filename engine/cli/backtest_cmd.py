"""`asba cluster backtest DUMP...`: how far to trust asba's wait estimate on a cluster's own accounting."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from asba.cli.output import console, print_json


def register(actions) -> None:
    parser = actions.add_parser(
        "backtest", help="replay wait traces in time order and score asba's wait estimate against the real waits",
        description="Replay sacct -a -X dumps (parsable, with Submit, Start, Partition, ...), mila Cedar CSVs "
                    "(plain or .gz) or the NREL Eagle CSV in time order; each job is predicted only from jobs "
                    "that had started before it was submitted.")
    parser.add_argument("dumps", type=Path, nargs="+", metavar="DUMP", help="the traces, replayed in this order")
    parser.add_argument("--groups", type=int, default=12, help="partitions shown in the text (default 12)")
    parser.add_argument("--value-of-hour", type=float, default=5.0, metavar="USD",
                        help="value of an hour of waiting for the break-even wait the Brier score is taken at "
                             "(default 5)")
    parser.add_argument("--decisions", action="store_true",
                        help="also replay the local-vs-AWS decision of every job (asba, always local, always AWS, "
                             "the Go ASBA rule, a naive median-wait policy) and score its regret in hindsight")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON instead of text, with one row per scored job")
    parser.set_defaults(func=run)


def run(args) -> int:
    started = time.monotonic()
    if not 0 < args.value_of_hour <= 10_000:
        from asba.errors import InputError

        raise InputError(f"--value-of-hour must be above 0 and at most 10000 USD, got {args.value_of_hour:g}",
                         code="ASBA-BACKTEST-003", hint="the value of an hour of waiting, e.g. --value-of-hour 5")
    as_json = bool(getattr(args, "json", False))
    result = backtest(args.dumps, break_even=break_even_of(args.value_of_hour), rows=as_json,
                      decisions=args.value_of_hour if args.decisions else None)
    result["seconds"] = round(time.monotonic() - started, 1)
    if as_json:
        print_json(result)
        return 0
    from asba.report.backtest_text import render

    for line in render(result, args.groups):
        console().print(line, markup=False, highlight=False, soft_wrap=True)
    return 0


def backtest(paths: list[Path], break_even: Any = None, rows: bool = False, decisions: float | None = None) -> dict:
    """Read each trace (one in memory at a time, sorted by submit) and replay them in the order given. sacct
    dumps and SWF files are complete traces: the queue at each submission is rebuilt from them. ``decisions``:
    the value of an hour (USD) at which to replay the decisions too (None: no decision backtest)."""
    from asba.cli.progress import stages
    from asba.decide.wait_backtest import Backtest
    from asba.inputs.wait_traces import read_trace

    bt, read, skipped = Backtest(break_even=break_even, rows=[] if rows else None), 0, 0
    replay = _decision_replay(decisions)
    bt.listener = replay
    with stages("backtest: starting") as stage:
        for number, path in enumerate(paths, 1):
            of = f"({number} of {len(paths)})" if len(paths) > 1 else ""
            stage(f"backtest: reading {path.name} {of}")
            trace = read_trace(path)
            read, skipped = read + len(trace.jobs), skipped + trace.skipped
            stage(f"backtest: replaying {len(trace.jobs):,} jobs of {path.name} {of}")
            if replay is not None:
                replay.load(trace.jobs)
            bt.run(trace.jobs, complete=trace.kind in ("sacct", "swf"))
            del trace
    out = {"inputs": [str(p) for p in paths], "value_of_hour_usd": getattr(break_even, "value", None),
           "jobs_read": read, "skipped_rows": skipped, **bt.board.as_dict()}
    if replay is not None and decisions is not None:
        from asba.audit.decisions import summary

        out["decisions"] = {**summary(replay.cases, decisions), "aws_infeasible": replay.aws_infeasible}
    if bt.rows is not None:
        out["jobs"] = bt.rows
    return out


def _decision_replay(value_of_hour: float | None) -> Any:
    if value_of_hour is None:
        return None
    from asba.audit.break_even import BreakEvenPricer
    from asba.audit.decisions import DecisionReplay

    decider = BreakEvenPricer.from_config(value_of_hour).decider
    decider.value = value_of_hour
    return DecisionReplay(decider)


def break_even_of(value_of_hour: float) -> Any:
    """The job's break-even wait at ``value_of_hour`` (``audit.break_even``), or None where it cannot be priced."""
    from asba.audit.break_even import BreakEvenPricer

    try:
        return BreakEvenPricer.from_config(value_of_hour)
    except Exception:  # noqa: BLE001 -- no catalog or cost model: the Brier score is left out, not invented
        return None
