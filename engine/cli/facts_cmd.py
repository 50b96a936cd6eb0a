"""`asba facts JOB.sbatch [sbatch options...] [--json]`: what the batch script asks for, as SLURM resolves it."""

from __future__ import annotations

import argparse
import os

from asba.cli.output import add_json_flag, console, print_json

ASBA_FLAGS = {"--json"}  # asba's own flags may also follow the sbatch options


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "facts",
        help="show the facts gathered from a batch script (resources, time, placement) with their sources",
        description=(
            "Read JOB.sbatch as sbatch does (#SBATCH directives, then SBATCH_* environment variables, then the "
            "sbatch options given after the script, each overriding the one before) and show what it requests, "
            "with the line every value came from."
        ),
    )
    add_json_flag(parser)
    parser.add_argument("script", help="the batch script")
    parser.add_argument("sbatch_options", nargs=argparse.REMAINDER, metavar="SBATCH_OPTION",
                        help="sbatch options that override the script's (e.g. --mem=64G -c 8)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from asba.facts.body_facts import body_facts
    from asba.facts.job_facts import job_facts
    from asba.inputs.batch_script import parse_script

    options = [o for o in args.sbatch_options if o not in ASBA_FLAGS]
    as_json = args.json or len(options) != len(args.sbatch_options)
    req = parse_script(args.script, cli_args=options, env=os.environ)
    facts = job_facts(req) + body_facts(req.script)
    if as_json:
        print_json({"script": req.script, "job": req.job, "sources": req.sources, "warnings": req.warnings,
                    "facts": [f.as_dict() for f in facts]})
        return 0
    _print_text(req, facts)
    return 0


SHOWN_ITEMS = 20  # a list fact's items in the table (a body of 60,000 programs took minutes to lay out)
SHOWN_SOURCE = 300


def _shown_list(items: list) -> str:
    more = f", ... ({len(items) - SHOWN_ITEMS} more; --json lists all)" if len(items) > SHOWN_ITEMS else ""
    return ", ".join(str(item) for item in items[:SHOWN_ITEMS]) + more


def _clipped(text: str) -> str:
    return text if len(text) <= SHOWN_SOURCE else f"{text[:SHOWN_SOURCE]}... ({len(text)} characters)"


def _print_text(req, facts) -> None:
    from pathlib import Path

    from asba.report.explain_text import request_line
    from rich import box
    from rich.table import Table

    out = console()
    job = req.job
    ask = {"nodes": int(job.get("nodes_min") or 1), "total_cpus": int(job.get("total_cpus") or 1),
           "mem_per_node_mb": job.get("mem_per_node_mb"), "total_gpus": int(job.get("total_gpus") or 0),
           "time_limit_s": int(job.get("time_limit_s") or 0), "partition": job.get("partition")}
    out.print(f"{req.script} asks for {request_line(ask)}", markup=False, soft_wrap=True)
    name = Path(str(req.script)).name
    table = Table(title=f"facts, with the line of {name} each came from", box=box.SIMPLE_HEAD, pad_edge=False,
                  title_justify="left")
    table.add_column("fact", no_wrap=True)
    table.add_column("value", justify="right", max_width=28, overflow="fold")
    table.add_column("source")
    for fact in facts:
        value = _shown_list(fact.value) if isinstance(fact.value, list) else fact.value
        source = _clipped(str(fact.source).replace(f"{req.script}:", "line "))
        table.add_row(fact.name, "" if value is None else str(value), source)
    out.print(table)
    for warning in req.warnings:
        out.print(f"[yellow]warning:[/yellow] {warning}", markup=True, highlight=False)
