"""The cluster wait record at the command line: kept by `asba history sync`, loaded by `asba history import
--wait-record DUMP`. A failure to read other users' jobs is one line in the sync report, not a failed sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asba.cli.output import console, print_json
from asba.errors import AsbaError


def record_days() -> float:
    from asba.inputs.config import load_config

    return float(load_config(None).get("wait.record_days", 14))


def sync_line(store: Any, runner: Any) -> dict:
    """Sync the wait record after the user's own history; returns its report (``error`` when sacct failed)."""
    from asba.history import wait_record

    try:
        return wait_record.sync(store.conn, runner, record_days()).as_dict()
    except AsbaError as exc:
        return {"error": f"cluster wait record not updated: {exc.one_line()}"}


def print_sync(report: dict) -> None:
    if "error" in report:
        console().print(report["error"], markup=False, soft_wrap=True)
        return
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
