"""`asba profile [--user U] [--json]`: your typical request vs use, where your runs succeeded or failed, and how
often you followed AWS advice by its cost (from the history and `asba audit outcomes`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from asba.cli.output import add_json_flag, console, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "profile", help="your typical request vs use, instances that worked or failed, budget sensitivity",
        description="A profile from the job history (sync it with `asba history sync`) and the decision "
                    "outcomes (`asba audit outcomes` joins them).")
    parser.add_argument("--user", help="whose profile (default: you; everyone when you have no jobs there)")
    parser.add_argument("--days", type=float, metavar="N", help="only jobs submitted in the last N days (default: all)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (history.db, burst partitions)")
    parser.add_argument("--db", type=Path, metavar="FILE", help="history database (default: config history.db, "
                        "else ASBA_HOME/jobs.db)")
    add_json_flag(parser)
    parser.set_defaults(func=run_profile)


def compute(args: argparse.Namespace) -> tuple[Any, list[str]]:
    import getpass

    from asba.audit.outcomes import connect, stored
    from asba.history.profile import build
    from asba.history.store import HistoryStore
    from asba.inputs.config import load_config

    cfg = load_config(args.config)
    path = args.db or cfg.get("history.db", None)
    conn = connect(path)  # the outcomes table, created if missing
    outcomes = stored(conn)
    conn.close()
    notes: list[str] = []
    with HistoryStore.open(path) as store:
        user = args.user or getpass.getuser()
        if not store.jobs(user=user):
            if args.user:
                notes.append(f"no jobs of user {user} in the history")
            else:
                notes.append(f"no jobs of {user} in the history: the profile covers every user in it")
                user = None
        from asba.history.gpu_alerts import low_gpu_jobs

        profile = build(store, user, outcomes, args.days)
        profile.gpu_alert = low_gpu_jobs(store.conn, args.days, user)
        return profile, notes


def run_profile(args: argparse.Namespace) -> int:
    from asba.inputs.bounds import check_option

    check_option("--days", args.days, code="ASBA-PROFILE-001")
    profile, notes = compute(args)
    if args.json:
        print_json({**profile.as_dict(), "notes": notes})
        return 0
    out = console()
    for line in notes + render(profile):
        out.print(line, markup=False, soft_wrap=True, highlight=False)
    return 0


def _n(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.1f}{unit}"


def _gib(value: float | None) -> str:
    from asba.report import units

    return "-" if value is None else units.gib(value)


def _h(value: float | None) -> str:
    from asba.report import units

    return "-" if value is None else units.duration(value * 3600)


def _use(r: dict | Any) -> str:
    d = r if isinstance(r, dict) else r.__dict__
    return (f"CPUs {_n(d['cpus_requested'])} asked / {_n(d['cpus_used'])} used; memory "
            f"{_gib(d['memory_requested_gb'])} / {_gib(d['memory_used_gb'])} peak; time "
            f"{_h(d['time_limit_h'])} limit / {_h(d['runtime_h'])} run" + _gpu(d))


def _gpu(d: dict) -> str:
    """'; GPUs 4.0 asked / 60.0 % busy (5 of 5 GPU jobs recorded)', or '' without GPU jobs."""
    if not d.get("gpu_jobs"):
        return ""
    busy = (f"{_n(d['gpu_utilization_pct'], ' %')} busy ({d['gpu_recorded_jobs']} of {d['gpu_jobs']} GPU jobs recorded)"
            if d["gpu_recorded_jobs"] else "use not recorded (no gres/gpuutil in sacct)")
    return f"; GPUs {_n(d['gpus_requested'])} asked / {busy}"


def _class(row: dict) -> str:
    name = row.get("workload_class")
    if not name:
        return ""
    return f"; class {name}" + (f" ({row['workload_confidence']} confidence)" if row.get("workload_confidence") else "")


def render(p: Any) -> list[str]:
    from asba.report import units

    lines = [f"profile of {p.user}: {units.plural(p.jobs, 'job')} in the history, {units.count(p.finished)} finished"]
    if not p.finished:
        return lines + ["no finished jobs yet: run `asba history sync`"]
    lines.append(f"typical job (medians): {_use(p.overall)}")
    from asba.history.gpu_alerts import alert_lines

    lines += alert_lines(p.gpu_alert) if p.gpu_alert is not None else []
    lines.append("by script (most runs first):")
    lines += [f"  {s['script']:<28} {units.plural(s['jobs'], 'run'):>8}  {_use(s)}{_class(s)}" for s in p.scripts]
    lines.append("where runs succeeded or failed:")
    for place in p.places:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(place.failures.items())) or "none"
        lines.append(f"  {place.where:<28} {place.platform:<5} {place.succeeded}/{place.runs} succeeded; "
                     f"failures: {kinds}")
    for found in p.failure_patterns:
        lines.append(f"failure pattern: {found['script']}: {found['pattern']} (confidence {found['confidence']:.0%})")
    for perf in p.performance:
        scripts = ", ".join(f"{x['script']} {x['factor']:.2f}" for x in perf["scripts"])
        lines.append(f"AWS performance, family {perf['family']}: runtime x{perf['factor']:.2f} of local ({scripts})")
    b = p.budget
    if not b["aws_advised"]:
        lines.append("budget sensitivity: no job followed AWS advice yet (see `asba audit outcomes`)")
        return lines
    bands = "; ".join(f"{x['cost']}: {x['followed']}/{x['advised']}" for x in b["by_cost"])
    lines.append(f"budget sensitivity: followed {b['followed']} of {b['aws_advised']} AWS recommendations "
                 f"({b['share_followed']:.0%}); by advised AWS cost: {bands}")
    return lines
