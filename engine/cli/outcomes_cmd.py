"""`asba audit outcomes [--days N] [--json]`: what happened after each logged decision, and how good it was."""

from __future__ import annotations

import argparse
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from asba.cli.output import add_json_flag, console, print_json
from asba.report import units


def add_parser(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    sub = actions.add_parser(
        "outcomes", help="join logged decisions with the jobs that followed: acceptance, errors, regret",
        description="A decision's outcomes are the jobs `asba submit` started for it (joined by job id); for a "
                    "decision with no submitted job, the jobs of its script submitted within 24 h after it (same "
                    "script hash, else the same script file name). Run `asba history sync` first so the history "
                    "has them. Regret: the extra cost + value of time of a choice against the better platform "
                    "in hindsight, beside always-local, always-AWS and the Go ASBA scoring rule.")
    sub.add_argument("--days", type=float, default=None, metavar="N",
                     help="only decisions made in the last N days (default: all)")
    sub.add_argument("--config", type=Path, metavar="FILE", help="config file (cost model, history.db)")
    sub.add_argument("--db", type=Path, metavar="FILE", help="history database (default: config history.db, "
                     "else ASBA_HOME/jobs.db)")
    add_json_flag(sub)
    sub.set_defaults(func=run_outcomes)
    return sub


def _since(days: float | None) -> str | None:
    if days is None:
        return None
    from asba.decide.context import now_utc

    return (now_utc() - timedelta(days=days)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def compute(args: argparse.Namespace) -> dict:
    from asba.audit import example_outcomes
    from asba.audit.outcome_report import report
    from asba.audit.outcomes import Pricer, connect, decisions_since, refresh, stored
    from asba.inputs.config import load_config
    from asba.knowledge.catalog import load_catalog

    cfg = load_config(args.config)
    conn = connect(args.db or cfg.get("history.db", None))
    source = f"history database {args.db or cfg.get('history.db', None) or 'ASBA_HOME/jobs.db'}"
    if args.db is None and example_outcomes.log_is_empty(conn):
        from asba.knowledge.burst import burst_partitions

        conn.close()
        conn, source = example_outcomes.load(frozenset(burst_partitions(cfg))), example_outcomes.LABEL
    try:
        since = _since(args.days)
        decisions = decisions_since(conn, since)
        counts = refresh(conn, decisions, Pricer(cfg, load_catalog(config=cfg)))
        return {**report(stored(conn, since), counts, args.days, len(decisions)), "source": source}
    finally:
        conn.close()


def run_outcomes(args: argparse.Namespace) -> int:
    from asba.inputs.bounds import check_option

    check_option("--days", args.days, code="ASBA-AUDIT-012")
    data = compute(args)
    if args.json:
        print_json(data)
        return 0
    out = console()
    for line in render(data):
        out.print(line, markup=False, soft_wrap=True, highlight=False)
    return 0


JOINS = (("job id", "by job id (asba submit)"), ("hash", "by script hash"), ("name", "by script name"))


def _joined_by(outcomes: list[dict]) -> str:
    """How the jobs were tied to their decisions: by the id asba submit logged first, by script as a fallback."""
    counts = {key: sum(1 for o in outcomes if o["matched_by"] == key) for key, _label in JOINS}
    return ", ".join(f"{counts[key]} {label}" for key, label in JOINS if counts[key]) or "no job"


def _stat(stats: dict, fmt: Any) -> str:
    if not stats["n"]:
        return "no finished jobs"
    return f"median {fmt(stats['median'])}, p90 {fmt(stats['p90'])} (n={stats['n']})"


def _signed_duration(seconds: float) -> str:
    return ("-" if seconds < 0 else "+") + units.duration(abs(seconds))


def _signed_usd(usd: float) -> str:
    return ("-" if usd < 0 else "+") + units.usd(abs(usd))


def render(data: dict) -> list[str]:
    acc, err, reg = data["acceptance"], data["errors"], data["regret"]
    scope = f"last {data['days']:g} days" if data["days"] else "all logged decisions"
    lines = [f"data: {data['source']}"]
    lines += [f"decision outcomes ({scope}): {data['decisions_logged']} decisions logged, {acc['jobs']} jobs "
             f"followed {acc['decisions']} of them (window: 24 h after the decision)"]
    if data["outcomes"]:
        lines.append("joined " + _joined_by(data["outcomes"]))
    if not acc["jobs"]:
        lines.append("no job in the history followed a logged decision yet (run the job, then "
                     "`asba history sync`)")
        return lines
    by = acc["by_advice"]
    lines.append(f"acceptance: {acc['followed']} of {acc['jobs']} jobs ran where advised ({acc['rate']:.0%}); "
                 f"advised local {by['local']['followed']}/{by['local']['jobs']}, "
                 f"advised AWS {by['aws']['followed']}/{by['aws']['jobs']}")
    lines.append("prediction error (predicted - real; positive = overestimate):")
    lines.append(f"  wait     {_stat(err['wait_s'], _signed_duration)}")
    lines.append(f"  runtime  {_stat(err['runtime_s'], _signed_duration)}")
    lines.append(f"  cost     {_stat(err['cost_usd'], _signed_usd)}")
    lines += _regret_lines(reg)
    lines.append("jobs:")
    for o in data["outcomes"]:
        mark = "followed" if o["followed"] else "NOT followed"
        runtime = units.duration(o["runtime_s"]) if o["runtime_s"] is not None else "-"
        wait = units.duration(o["wait_s"]) if o["wait_s"] is not None else "-"
        cost = units.usd(o["real_cost_usd"]) if o["real_cost_usd"] is not None else "-"
        lines.append(f"  {o['job_id']:<10} {o['decision_id']}  advised {o['advised']:<5} ran {o['ran']:<5} "
                     f"({o['partition']}) {mark:<12} {o['state']:<13} wait {wait}, run {runtime}, cost {cost}, "
                     f"by {o['matched_by']}")
    return lines


def _regret_lines(reg: dict) -> list[str]:
    if not reg["jobs"]:
        return ["regret: no finished jobs yet"]
    values = ", ".join(f"${v:g}" for v in reg["values_of_hour_usd"])
    lines = [f"regret over {reg['jobs']} finished jobs (cost + time at {values}/h, against the better side in "
             "hindsight):"]
    labels = {"asba": "asba advice", "taken": "what was run", "always-local": "always local",
              "always-aws": "always AWS", "go-rule": "Go ASBA rule"}
    for key, label in labels.items():
        lines.append(f"  {label:<14} {units.usd(reg['total_usd'][key]):>10} total, "
                     f"{reg['wrong_choices'][key]} wrong choice(s)")
    below = reg["asba_below_best_baseline_pct"]
    go = reg["asba_below_go_rule_pct"]
    if below is not None:
        lines.append(f"  asba's regret is {below:.0f}% below the better of always-local / always-AWS")
    if go is not None:
        lines.append(f"  asba's regret is {go:.0f}% below the Go rule's")
    return lines
