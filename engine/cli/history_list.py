"""`asba history` (the runs listing): bounded by default, the totals first, then the rows, then what was left out.

`--limit N` (default 50) and `--all`; `--sort` names the order (newest first by default). The totals always cover
every job the filters match, so a 50-row listing of a million-job history still says what the million add to.
"""

from __future__ import annotations

import argparse
import sys

from asba.cli.output import console, print_json
from asba.errors import InputError
from asba.history.listing import DEFAULT_LIMIT, Listing, sort_names


def add_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                        help=f"show at most N jobs (default {DEFAULT_LIMIT}); the totals still cover all of them")
    parser.add_argument("--all", action="store_true", help="show every job (no --limit)")
    parser.add_argument("--sort", choices=sort_names(), default="newest",
                        help="order of the jobs: newest (default), submit (oldest first), wait or runtime "
                             "(longest first), cpu-eff or mem-eff (least efficient first)")


def limit_of(args: argparse.Namespace) -> int | None:
    if getattr(args, "all", False):
        return None
    if args.limit < 1:
        raise InputError(f"--limit {args.limit} is not a positive number", code="ASBA-HIST-025",
                         hint="give how many jobs to show, e.g. --limit 20, or --all for every one")
    return int(args.limit)


def more_line(shown: int, matched: int, noun: str = "job") -> str | None:
    """'… and 999,950 more jobs: --all (or --limit N)' when the listing was cut; None when it was not."""
    from asba.report import units

    if matched <= shown:
        return None
    more = units.plural(matched - shown, noun).replace(" ", " more ", 1)
    return f"… and {more}: --all (or --limit N) shows them"


def print_listing(found: Listing, args: argparse.Namespace, pattern) -> int:
    from asba.history import views

    if args.json:
        print_json([r.as_dict() for r in found.records])
        more = more_line(len(found.records), found.matched)
        if more:
            sys.stderr.write(more + "\n")
        return 0
    out = console()
    if not found.records:
        out.print("No jobs in the history" + (f" for {args.script}" if args.script else "") +
                  ". Fill it with `asba history sync` or `asba history import FILE`.")
        return 0
    out.print(views.totals_text(found.totals), markup=False, soft_wrap=True)
    out.print(views.runs_table(found.records, out.width, title=_title(found, args.sort)))
    more = more_line(len(found.records), found.matched)
    if more:
        out.print(more, markup=False, soft_wrap=True)
    if pattern is not None:
        out.print()
        for line in views.insights_block(pattern, found.records):
            out.print(line, markup=False, soft_wrap=True)
    return 0


def _title(found: Listing, sort: str) -> str:
    from asba.report import units

    shown = len(found.records)
    if shown == found.matched:
        return f"{units.plural(shown, 'job')}, by {sort}"
    return f"{units.count(shown)} of {units.count(found.matched)} jobs, by {sort}"
