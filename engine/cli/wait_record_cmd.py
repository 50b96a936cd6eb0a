"""The cluster wait record at the command line: kept by `asba history sync` (from its one sacct call), loaded by
`asba history import --wait-record DUMP`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asba.cli.output import console, print_json


def record_days() -> float:
    from asba.inputs.config import load_config

    return float(load_config(None).get("wait.record_days", 14))


def print_sync(report: dict) -> None:
    console().print(_line("cluster wait record", report), markup=False, soft_wrap=True)


def run_import(store: Any, path: Path, as_json: bool) -> int:
    from asba.history import wait_record

    report = wait_record.import_dump(store.conn, path, record_days()).as_dict()
    if as_json:
        print_json(report)
    else:
        console().print(_line(f"imported {path} into the cluster wait record", report), markup=False,
                        soft_wrap=True)
    return 0


def _line(what: str, r: dict) -> str:
    users = f" of {r['users']} user(s)" if r.get("users") else ""
    note = f"; {r['note']}" if r.get("note") else ""
    return f"{what}: {r['stored']} jobs{users} stored, {r['pruned']} older than the window dropped{note}"
