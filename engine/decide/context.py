"""Everything the advisor reads from outside, gathered once per run with a label saying where it came from.

Config (asba.inputs.config), EC2 catalog and burst partitions (asba.knowledge), rule packs (asba.rules), the
SLURM runner (live cluster, a saved snapshot, or the shipped example snapshot when no SLURM is installed) and
the job history (the user's database; for a script with no runs there, an example history shipped beside it
in ``history/<script stem>.sacct.psv``, imported into memory only and labelled as such).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asba.errors import AsbaError, InputError, StoreError

EXAMPLE_HISTORY_DIR = "history"
EXAMPLE_HISTORY_SUFFIX = ".sacct.psv"


@dataclass
class Options:
    script: Path
    burst_partition: str | None = None
    cli_args: list[str] = field(default_factory=list)
    with_history: bool = False
    optimize: bool = False
    recommend_instance: bool = False
    track_history: bool = False
    why_not: str | None = None
    explain: str = "notes"
    config: Path | None = None
    cluster_snapshot: Path | None = None
    history_dump: Path | None = None
    transfer_gb: float = 0.0
    packs: list[Path] = field(default_factory=list)  # extra rule-pack folders (a site's or a domain expert's own)
    record: bool = True  # write the decision log


@dataclass
class Context:
    options: Options
    cfg: Any
    catalog: Any
    bursts: dict[str, Any]
    packs: Any
    runner: Any
    cluster_note: str
    store: Any  # HistoryStore or None
    history_label: str
    now: datetime
    notes: list[str] = field(default_factory=list)


def now_utc() -> datetime:
    """The analysis time: $ASBA_NOW (ISO 8601, for reproducible output) or the clock."""
    pinned = os.environ.get("ASBA_NOW")
    if not pinned:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"ASBA_NOW={pinned!r} is not an ISO 8601 time", where="environment",
                         hint="e.g. ASBA_NOW=2026-11-28T14:00:00Z", code="ASBA-ADVISE-001") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_context(options: Options) -> Context:
    from asba.inputs.cluster_snapshot import choose_runner
    from asba.inputs.config import load_config
    from asba.inputs.slurm_frugal import frugal
    from asba.knowledge.burst import burst_partitions
    from asba.knowledge.catalog import load_catalog
    from asba.rules import load_packs

    cfg = load_config(options.config)
    runner, cluster_note = choose_runner(None, options.cluster_snapshot)
    runner = frugal(runner, cfg)  # counted, capped, the last minute's cluster facts reused (asba.inputs.slurm_frugal)
    runner.start_deadline(float(cfg.get("slurm.deadline_s", runner.deadline_s)))  # from here: one explain, one clock
    ctx = Context(options, cfg, load_catalog(config=cfg), burst_partitions(cfg), load_packs(options.packs), runner,
                  cluster_note, None, "", now_utc())
    ctx.store, ctx.history_label = open_history(options, cfg, ctx.notes, ctx.bursts)
    return ctx


def example_history(script: Path) -> Path | None:
    candidate = script.parent / EXAMPLE_HISTORY_DIR / (script.stem + EXAMPLE_HISTORY_SUFFIX)
    try:
        return candidate if candidate.is_file() and os.access(candidate, os.R_OK) else None
    except OSError:  # a history/ folder beside the script that cannot be read: no example history
        return None


def _store(path: Any, aws_partitions: frozenset[str]) -> Any:
    """A HistoryStore that marks jobs on this run's burst partitions (from --config too) as platform aws."""
    from asba.history.connection import READ_LOCK_WAIT_S
    from asba.history.store import HistoryStore, connect, default_path

    db = Path(path) if path else default_path()
    # a history another process is writing is waited for a second at most: the advice goes on without it
    return HistoryStore(connect(db, lock_wait_s=READ_LOCK_WAIT_S if str(db) != ":memory:" else None), db,
                        aws_partitions)


def _memory_store(dump: Path, aws_partitions: frozenset[str]) -> Any:
    store = _store(":memory:", aws_partitions)
    store.import_file(dump)
    return store


def open_history(options: Options, cfg: Any, notes: list[str], bursts: dict[str, Any]) -> tuple[Any, str]:
    """The history store to read, and a label. A broken database is a note, not a failure of the advice."""
    aws = frozenset(bursts)

    if options.history_dump is not None:
        if not options.history_dump.is_file():
            from asba.paths import missing_file_reason

            raise InputError(f"sacct dump {options.history_dump}: {missing_file_reason(options.history_dump)}",
                             where=str(options.history_dump),
                             hint="give a file written by sacct --parsable2 (with a header line)",
                             code="ASBA-ADVISE-002")
        return _memory_store(options.history_dump, aws), f"sacct dump {options.history_dump} (read for this run only)"
    try:
        store = _store(cfg.get("history.db", None), aws)
        has_runs = _has_runs(store, options.script)
    except StoreError as exc:  # never the example history in place of an unusable one: it is not the user's
        notes.append(f"history database unavailable: {exc.one_line()}")
        return None, "none (the history database is unavailable)"
    if has_runs:
        return store, f"history database {store.path}"
    dump = example_history(options.script)
    if dump is not None:
        label = f"EXAMPLE history {dump} (your history database has no runs of this script)"
        return _ExampleStore(_memory_store(dump, aws), store), label
    label = f"history database {store.path}" if store is not None else "none"
    return store, label


def _has_runs(store: Any, script: Path) -> bool:
    try:
        from asba.inputs.batch_script import parse_script

        digest = parse_script(script).job.get("script_hash")
    except AsbaError:
        digest = None
    return bool(store.jobs(script_hash=digest) if digest else []) or bool(store.jobs(script_name=script.name))


class _ExampleStore:
    """Reads from the in-memory example history; writes (decision log, --track-history) go to the real store."""

    def __init__(self, example: Any, real: Any) -> None:
        self.example, self.real = example, real
        self.path = getattr(real, "path", None)
        self.conn = example.conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self.example, name)
