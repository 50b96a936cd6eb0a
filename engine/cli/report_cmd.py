"""`asba report [--html FILE] [--days N]`: the pictures of your history (a self-contained HTML page, or bars and
sparklines in the terminal)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from asba.cli.output import add_json_flag, console, print_json, print_text
from asba.errors import InputError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="pictures of your history: efficiency over time, core-hours wasted, queue waits",
        description="Without --html: bars and sparklines in the terminal. With --html FILE: one self-contained "
                    "HTML page (inline SVG, nothing fetched from the network).")
    parser.add_argument("--html", type=Path, metavar="FILE", help="write the HTML report to FILE")
    parser.add_argument("--days", type=float, default=None, help="only jobs submitted in the last N days")
    parser.add_argument("--user", "-u", help="only this user's jobs")
    parser.add_argument("--db", type=Path, metavar="FILE", help="history database (default: ASBA_HOME/jobs.db)")
    add_json_flag(parser)
    parser.set_defaults(func=run)


@contextlib.contextmanager
def _progress(store, days: float | None, user: str | None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over the jobs read (a million take tens of seconds), on a terminal only."""
    if not sys.stderr.isatty():
        yield None
        return
    from asba.history.listing import listing
    from asba.history.store import JobQuery
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    total = listing(store, JobQuery(days=days, user=user), 0).matched
    bar = Progress("reading the history", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=console(stderr=True), transient=True)
    task = bar.add_task("jobs", total=total)
    with bar:
        yield lambda n: bar.advance(task, n)


def _spend(store) -> tuple[list[tuple[str, float]], float | None]:
    """This month's AWS spend per day and the monthly budget (config budget.monthly_aws_usd)."""
    from asba.decide.context import now_utc
    from asba.decide.history_view import aws_spend_by_day
    from asba.inputs.config import load_config
    from asba.knowledge.burst import burst_partitions
    from asba.knowledge.catalog import load_catalog

    cfg = load_config(None)
    days = aws_spend_by_day(store, burst_partitions(cfg), load_catalog(config=cfg), now_utc())
    budget = cfg.get("budget.monthly_aws_usd", None)
    return days, float(budget) if budget is not None else None


def _since(days: float | None) -> str | None:
    """The decision log's created_at (ISO, UTC) at the start of the report's window."""
    if days is None:
        return None
    from datetime import timedelta

    from asba.decide.context import now_utc

    return (now_utc() - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")


def _outcomes(args: argparse.Namespace) -> dict:
    """The decisions and what followed them, as `asba audit outcomes` computes them (its example outcomes, named
    as such, while the decision log is empty)."""
    from asba.cli.outcomes_cmd import compute

    return compute(argparse.Namespace(days=args.days, config=None, db=args.db))


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from asba.history.report_data import gather, predicted_band
    from asba.history.store import HistoryStore

    if args.days is not None and args.days <= 0:
        raise InputError(f"--days {args.days:g} is not a positive number", code="ASBA-HIST-020",
                         hint="give the number of days to look back, e.g. --days 30")
    with HistoryStore.open(args.db) as store, _progress(store, args.days, args.user) as progress:
        data = gather(store, days=args.days, user=args.user, progress=progress)
        data.spend_days, data.budget_usd = _spend(store)
        data.predicted = predicted_band(store.conn, _since(args.days))
    data.outcomes = _outcomes(args)
    if args.json:
        print_json(asdict(data))
        return 0
    if args.html:
        from asba.report.html_report import render

        try:
            args.html.write_text(render(data), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {args.html}: {exc.strerror}", where=str(args.html),
                             code="ASBA-REPORT-001", hint="give a file in a folder you can write to") from None
        print_text(f"wrote {args.html} ({data.jobs:,} jobs)\n")
        return 0
    from asba.report.report_text import render as render_text

    print_text(render_text(data))
    return 0
