"""`asba audit list | show ID | replay ID | outcomes`: the decision log of every recommendation."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from asba.cli.output import add_json_flag, console, print_json

if TYPE_CHECKING:
    import sqlite3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit", help="the decision log: list, show and replay past recommendations",
        description="Every `asba explain` is logged (facts, pack revisions, knowledge date, result, trace) in the "
                    "history database. Replay re-evaluates the recorded facts with the packs installed now; "
                    "outcomes joins the decisions with the jobs that followed them.")
    actions = parser.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="recent decisions, newest first")
    listing.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    show = actions.add_parser("show", help="one decision in full (facts, packs, result, trace)")
    show.add_argument("id", help="decision id (or a unique prefix)")
    show.add_argument("--mask", action="store_true", help="mask users, groups, hosts, addresses, paths and job/script "
                      "names (for export)")
    show.add_argument("--mask-user", action="append", default=[], metavar="NAME",
                      help="another user name to mask (repeatable; yours is always masked with --mask)")
    replay = actions.add_parser("replay", help="re-evaluate a decision's recorded facts; exit 1 on any difference")
    replay.add_argument("id", help="decision id (or a unique prefix)")
    replay.add_argument("--packs", action="append", default=[], type=Path, metavar="DIR",
                        help="extra pack folder to load (as when the decision was made)")
    from asba.cli.outcomes_cmd import add_parser as add_outcomes

    add_outcomes(actions)
    for sub, func in ((listing, run_list), (show, run_show), (replay, run_replay)):
        sub.add_argument("--config", type=Path, metavar="FILE", help="config file (for history.db)")
        sub.add_argument("--db", type=Path, metavar="FILE", help="history database (default: config history.db, "
                         "else ASBA_HOME/jobs.db)")
        add_json_flag(sub)
        sub.set_defaults(func=func)


def _conn(args: argparse.Namespace) -> sqlite3.Connection:
    from asba.audit.log import connect
    from asba.inputs.config import load_config

    path = args.db or load_config(args.config).get("history.db", None)
    return connect(path, check=True)  # a damaged database is refused before the log table is created


def run_list(args: argparse.Namespace) -> int:
    from asba.audit.log import list_decisions

    decisions = list_decisions(_conn(args), args.limit)
    if args.json:
        print_json([d.summary() for d in decisions])
        return 0
    out = console()
    if not decisions:
        out.print("no decisions logged yet (run `asba explain JOB.sbatch`)", markup=False)
    for d in decisions:
        where = f"aws {d.instance_type}" if d.platform == "aws" else "local"
        out.print(f"{d.id}  {d.created_at}  {where:<24} confidence {d.confidence:.0%}  {d.script}",
                  markup=False, soft_wrap=True)
    return 0


def _users(extra: list[str]) -> set[str]:
    import getpass
    import os

    users = {getpass.getuser(), os.environ.get("USER", ""), os.environ.get("LOGNAME", "")}
    return {u for u in users | set(extra) if u}


def run_show(args: argparse.Namespace) -> int:
    from asba.audit.log import get_decision
    from asba.audit.replay import mask

    decision = get_decision(_conn(args), args.id).as_dict()
    if args.mask:
        decision = mask(decision, _users(args.mask_user))
    if args.json:
        print_json(decision)
        return 0
    out = console()
    rec = decision["result"]["recommendation"]
    lines = [f"decision {decision['id']} at {decision['created_at']}", f"script: {decision['script']}",
             f"recommendation: {rec['platform']} {rec.get('instance_type') or ''} (confidence {rec['confidence']:.0%}, "
             f"rule {rec.get('rule')})",
             "packs: " + ", ".join(f"{p['pack']}@{p['revision']} ({p['digest']})" for p in decision["packs"]),
             f"knowledge: {decision['knowledge']}", "facts:"]
    lines += [f"  {f['name']} = {f['value']!r}   [{f['source']}]" for f in decision["facts"]]
    lines.append("trace:")
    lines += [f"  {e['seq']:>3} {e['type']} " + (e.get("rule") or e.get("name") or "") for e in decision["trace"]]
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)
    return 0


def run_replay(args: argparse.Namespace) -> int:
    from asba.audit.log import get_decision
    from asba.audit.replay import replay

    outcome = replay(get_decision(_conn(args), args.id), tuple(args.packs))
    if args.json:
        print_json(outcome.as_dict())
        return 0 if outcome.identical else 1
    out = console()
    head = "identical" if outcome.identical else "DIFFERENT"
    out.print(f"replay of {outcome.decision_id}: {head} (recorded {outcome.platform_then}, now "
              f"{outcome.platform_now})", markup=False, soft_wrap=True)
    for line in outcome.pack_changes + outcome.differences:
        out.print(f"  {line}", markup=False, soft_wrap=True)
    if outcome.same_packs:
        out.print("  pack revisions: the same as recorded", markup=False)
    return 0 if outcome.identical else 1
