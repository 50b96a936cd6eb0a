"""`asba site collect|status`: the site model (asba.site.model), collected once by the site for every user."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from asba.cli.output import print_json, print_text
from asba.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "site", help="the site model: all users' queue waits collected once by the site (admin cron) for everyone",
        description="collect: one `sacct -a -X` since the last run (bounded to site.collect_days), published "
                    "atomically to the site folder with a format version and a timestamp; run it from cron as a "
                    "user who can see every job. status: the published model and its age.")
    actions = parser.add_subparsers(dest="site_action", metavar="ACTION", required=True)
    for name, help_text in (("collect", "collect all users' waits since the last run and publish the model"),
                            ("status", "the published model: age, jobs, per-partition queue statistics")):
        sub = actions.add_parser(name, help=help_text)
        sub.add_argument("--dir", type=Path, metavar="DIR", help="the site folder (default: config site.dir)")
        sub.add_argument("--config", type=Path, metavar="FILE", help="config file (see asba config show)")
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON instead of text")
        sub.set_defaults(func=run_collect if name == "collect" else run_status)
    actions.choices["collect"].add_argument("--days", type=float, metavar="N",
                                            help="days of waits kept (default: config site.collect_days)")


def _folder(args: argparse.Namespace, cfg: object) -> Path:
    folder = args.dir or cfg.get("site.dir", None)  # type: ignore[attr-defined]
    if not folder:
        raise InputError("no site folder", where="command line", code="ASBA-SITE-003",
                         hint="pass --dir DIR or set site.dir in the config")
    return Path(folder)


def _lines(meta: dict, folder: Path) -> list[str]:
    from asba.report import units

    age = units.duration(max(0.0, time.time() - float(meta["collected_at"])))
    lines = [f"site model {folder}: collected {age} ago, {meta['jobs']:,} jobs over {meta['window_days']:g} days "
             f"(this run: {meta['new_or_updated_jobs']:,} new or updated, {meta['pruned']:,} dropped; "
             f"{meta['sacct']})"]
    for part, st in sorted(meta["partitions"].items()):
        wait = ("no job started" if st["wait_p50_s"] is None else
                f"wait p50 {units.duration(st['wait_p50_s'])}, p90 {units.duration(st['wait_p90_s'])}")
        lines.append(f"  {part:<12} {st['jobs_window']:>7,} jobs started, {wait}; last 24 h: {st['jobs_24h']:,}")
    return lines


def run_collect(args: argparse.Namespace) -> int:
    from asba.inputs.config import load_config
    from asba.inputs.slurm import SlurmRunner
    from asba.site.model import collect

    cfg = load_config(args.config)
    days = args.days if args.days is not None else float(cfg.get("site.collect_days", 14))
    if not 0 < days <= 366:
        raise InputError(f"--days must be in (0, 366], got {days:g}", where="command line", code="ASBA-SITE-004")
    folder = _folder(args, cfg)
    from asba.cli.progress import stages

    with stages(f"site collect: reading {days:g} days of sacct and the queue into {folder}"):
        meta = collect(folder, SlurmRunner(), days)
    if args.json:
        print_json(meta)
    else:
        print_text("\n".join(_lines(meta, folder)) + "\n")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from asba.inputs.config import load_config
    from asba.site.model import load

    cfg = load_config(args.config)
    folder = _folder(args, cfg)
    model = load(folder)
    if model is None:
        raise InputError("no site model here", where=str(folder), code="ASBA-SITE-005",
                         hint="the admin runs `asba site collect` (from cron) to publish one")
    if args.json:
        print_json({**model.meta, "age_s": model.age_s(time.time())})
    else:
        print_text("\n".join(_lines(model.meta, folder)) + "\n")
    return 0
