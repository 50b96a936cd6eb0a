"""`asba check JOB.sbatch [sbatch options]`: listed in `asba --help`; asba.cli.main runs it through
asba.site.check.fast_main before any parser is built (the sbatch-time fast path)."""

from __future__ import annotations


def register(subparsers: object) -> None:
    """Listed in `asba --help`; asba.cli.main runs `check` through fast_main before any parser is built."""
    parser = subparsers.add_parser(  # type: ignore[attr-defined]
        "check", help="a one- or two-line hint for sbatch time, from local caches only (never runs SLURM)",
        description="Print at most two lines about this job from asba's local caches (the last advice for this "
                    "script, the queue facts of the last explain); never runs a SLURM command; always exits 0.",
        add_help=False)
    parser.set_defaults(func=_run)
    parser.add_argument("--json", action="store_true", help='print {"hint": [lines]} instead of the lines')
    parser.add_argument("rest", nargs="*")


def _run(args: object) -> int:
    from asba.site.check import fast_main

    return fast_main(list(args.rest) + (["--json"] if args.json else []))  # type: ignore[attr-defined]
