"""Loading jobs into the store: a saved sacct dump (`asba history import`) or sacct itself (`history sync`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from asba.errors import InputError
from asba.history.merge import Merger
from asba.history.store import WriteCounts, now_epoch, write_records
from asba.inputs.sacct import Malformed, SacctStream, dump_layout, read_lines, run_sacct
from asba.inputs.slurm import SlurmRunner

DEFAULT_DAYS = 30
OVERLAP_S = 600  # re-read the last 10 minutes on an incremental sync: sacct's clock may lag ours


@dataclass
class LoadReport:
    source: str
    rows: int = 0
    jobs: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    step_rows: int = 0
    orphan_steps: int = 0
    cut_jobs: int = 0  # jobs with a name, submit line or work dir cut to asba.history.merge.FIELD_CAP
    malformed: list[Malformed] = field(default_factory=list)
    window_start: str | None = None

    def add(self, stream: SacctStream, merger: Merger, counts: WriteCounts) -> None:
        self.add_counts(stream.rows_read, merger.stats.step_rows, merger.stats.orphan_steps,
                        stream.malformed + merger.stats.bad_values, counts)
        self.cut_jobs += merger.stats.cut_jobs

    def add_counts(self, rows: int, step_rows: int, orphan_steps: int, malformed: list[Malformed],
                   counts: WriteCounts) -> None:
        """One load's figures (a sacct call, a dump, or a part of one; in file order)."""
        self.rows += rows
        self.jobs += counts.new + counts.improved + counts.unchanged + counts.refused_older  # once, even if both
        self.step_rows += step_rows
        self.orphan_steps += orphan_steps
        self.malformed += sorted(malformed, key=lambda m: m.line_no)
        self.counts.add(counts)

    @property
    def new(self) -> int:
        return self.counts.new

    @property
    def improved(self) -> int:
        return self.counts.improved

    @property
    def unchanged(self) -> int:
        return self.counts.unchanged

    @property
    def refused_older(self) -> int:
        return self.counts.refused_older

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data.update(data.pop("counts").__dict__)
        data["malformed"] = [{"line": m.line_no, "reason": m.reason} for m in self.malformed]
        return data


def import_file(conn: sqlite3.Connection, db: Path, path: Path, *, delimiter: str | None = None,
                fields: list[str] | None = None, cluster: str = "",
                progress: Callable[[int], None] | None = None,
                aws_partitions: frozenset[str] = frozenset(), workers: int = 1) -> LoadReport:
    """Load a saved dump; with workers > 1, a big one in parts by that many processes (asba.history.parts)."""
    report = LoadReport(str(path))
    try:
        if workers > 1:
            layout = dump_layout(path, delimiter, fields)
            if layout is not None:
                from asba.history.parts import import_in_parts

                import_in_parts(conn, db, path, layout, workers, report, cluster=cluster,
                                aws_partitions=aws_partitions, progress=progress)
            return report
        on_block = (lambda block: progress(len(block))) if progress else None
        stream = SacctStream(read_lines(path, on_block=on_block), str(path), delimiter, fields)
        _load(conn, db, stream, cluster, report, aws_partitions)
    except OSError as exc:
        raise InputError(f"cannot read the sacct dump: {exc.strerror}", where=str(path),
                         code="ASBA-HIST-003") from None
    return report


def _load(conn: sqlite3.Connection, db: Path, stream: SacctStream, cluster: str, report: LoadReport,
          aws_partitions: frozenset[str], skip: set[tuple[str, str]] | None = None,
          seen: set[tuple[str, str]] | None = None) -> None:
    merger = Merger(default_cluster=cluster, aws_partitions=aws_partitions)
    rows: Iterable[tuple] = merger.rows(stream)
    if skip is not None or seen is not None:
        rows = _dedupe(rows, skip or set(), seen)
    counts = write_records(conn, rows, db)
    report.add(stream, merger, counts)


def _dedupe(rows: Iterable[tuple], skip: set[tuple[str, str]],
            seen: set[tuple[str, str]] | None) -> Iterator[tuple]:
    """Rows whose (cluster, job_id) was not loaded already by the first sacct call."""
    for row in rows:
        key = (row[0], row[1])
        if key in skip:
            continue
        if seen is not None:
            seen.add(key)
        yield row


def sync(conn: sqlite3.Connection, db: Path, runner: SlurmRunner, *, days: float | None = None,
         user: str | None = None, all_users: bool = False,
         aws_partitions: frozenset[str] = frozenset()) -> LoadReport:
    """sacct since the last sync (or `days` back, default 30), merged and upserted. Idempotent."""
    scope = "all" if all_users else (f"user:{user}" if user else "self")
    started = now_epoch()
    start = _window_start(conn, scope, days, started)
    outputs = run_sacct(runner, start, user=user, all_users=all_users)
    report = LoadReport(" + ".join(" ".join(o.argv[:1] + o.argv[3:]) for o in outputs),
                        window_start=start.strftime("%Y-%m-%dT%H:%M:%S"))
    seen: set[tuple[str, str]] = set()
    for number, output in enumerate(outputs):
        stream = SacctStream(output.stdout.splitlines(), f"sacct ({output.key})")
        _load(conn, db, stream, "", report, aws_partitions, skip=seen if number else None,
              seen=None if number else seen)
    conn.execute("INSERT INTO sync_state (scope, last_sync) VALUES (?, ?) "
                 "ON CONFLICT (scope) DO UPDATE SET last_sync = excluded.last_sync", (scope, started))
    return report


def _window_start(conn: sqlite3.Connection, scope: str, days: float | None, now: int) -> datetime:
    """sacct's -S, in local time as sacct reads it."""
    now_dt = datetime.now()
    if days is not None:
        return now_dt - timedelta(days=days)
    row = conn.execute("SELECT last_sync FROM sync_state WHERE scope = ?", (scope,)).fetchone()
    if row is None:
        return now_dt - timedelta(days=DEFAULT_DAYS)
    return now_dt - timedelta(seconds=now - row[0] + OVERLAP_S)
