"""`asba cluster backtest DUMP...`: how far to trust asba's wait estimate on a cluster's own accounting."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from asba.cli.output import console, print_json


def register(actions) -> None:
    parser = actions.add_parser(
        "backtest", help="replay wait traces in time order and score asba's wait estimate against the real waits",
        description="Replay sacct -a -X dumps (parsable, with Submit, Start, Partition, ...), mila Cedar CSVs "
                    "(plain or .gz) or the NREL Eagle CSV in time order; each job is predicted only from jobs "
                    "that had started before it was submitted.")
    parser.add_argument("dumps", type=Path, nargs="+", metavar="DUMP", help="the traces, replayed in this order")
    parser.add_argument("--groups", type=int, default=12, help="partitions shown in the text (default 12)")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON instead of text")
    parser.set_defaults(func=run)


def run(args) -> int:
    started = time.monotonic()
    result = backtest(args.dumps)
    result["seconds"] = round(time.monotonic() - started, 1)
    if getattr(args, "json", False):
        print_json(result)
        return 0
    from asba.report.backtest_text import render

    for line in render(result, args.groups):
        console().print(line, markup=False, highlight=False, soft_wrap=True)
    return 0


def backtest(paths: list[Path]) -> dict:
    """Read each trace (one in memory at a time, sorted by submit) and replay them in the order given."""
    from asba.decide.wait_backtest import Backtest
    from asba.inputs.wait_traces import read_trace

    bt, read, skipped = Backtest(), 0, 0
    for path in paths:
        trace = read_trace(path)
        read, skipped = read + len(trace.jobs), skipped + trace.skipped
        bt.run(trace.jobs)
        del trace
    return {"inputs": [str(p) for p in paths], "jobs_read": read, "skipped_rows": skipped, **bt.board.as_dict()}
