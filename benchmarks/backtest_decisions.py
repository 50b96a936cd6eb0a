"""Backtest of asba's local-vs-AWS decisions: a thin caller of `asba cluster backtest --decisions` at several values
of an hour, over the shared traces, written as Markdown.

    python benchmarks/backtest_decisions.py                      # wagap (complete), $1, $5 and $20 an hour
    python benchmarks/backtest_decisions.py --values 5 --traces ../shared/data/traces/mila_cedar/*.csv*
    python benchmarks/backtest_decisions.py --out benchmarks/results/decision_backtest.md

Everything (the replay learning only from the past, the pricing, the policies, normalised regret, the day-block
bootstrap) is `asba.audit.decisions`; this file only loops and formats.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from asba.cli.backtest_cmd import backtest
from asba.report.backtest_text import decision_lines

REPO = Path(__file__).resolve().parents[1]
TRACES = REPO.parent / "shared" / "data" / "traces"
DEFAULT = [TRACES / "metacentrum_wagap" / "wagap-2013.swf.gz"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=Path, nargs="+", default=DEFAULT, help="traces replayed in this order")
    parser.add_argument("--values", type=float, nargs="+", default=[1.0, 5.0, 20.0], help="USD per hour")
    parser.add_argument("--out", type=Path, help="write the Markdown report here too")
    args = parser.parse_args(argv)
    lines = [f"# Decision backtest: {', '.join(p.name for p in args.traces)}", ""]
    for value in args.values:
        started = time.process_time()
        result = backtest(list(args.traces), decisions=value)
        seconds = time.process_time() - started
        lines += ["```", *decision_lines(result["decisions"])[1:], "```",
                  f"({result['jobs_read']} jobs, {seconds:.0f} s CPU with the wait backtest)", ""]
        print(f"${value:g}: {seconds:.0f} s CPU", file=sys.stderr)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
