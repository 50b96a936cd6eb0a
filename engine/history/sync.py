"""Loading jobs into the store: a saved sacct dump (`asba history import`) or sacct itself (`history sync`)."""

from __future__ import annotations

import itertools
import os
import pwd
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from asba.errors import InputError
from asba.history.merge import Merger
from asba.history.store import WriteCounts, now_epoch, write_records
from asba.history.wait_record import RecordReport, WaitTap
from asba.inputs.sacct import Malformed, SacctStream, dump_layout, read_lines, run_sacct
from asba.inputs.slurm import SlurmRunner

DEFAULT_DAYS = 30
USER_AT = 5  # the user in a merged job row (asba.history.merge.build_row, JobRecord's order)
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
    waits: RecordReport | None = None  # the cluster wait record kept from the same sacct call

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
        data.pop("waits")  # reported beside the load (asba.cli.wait_record_cmd)
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
          aws_partitions: frozenset[str], keep_user: str | None = None) -> None:
    merger = Merger(default_cluster=cluster, aws_partitions=aws_partitions)
    rows: Iterable[tuple] = merger.rows(stream)
    if keep_user is not None:
        rows = (row for row in rows if row[USER_AT] == keep_user)
    counts = write_records(conn, rows, db)
    report.add(stream, merger, counts)


@dataclass
class TappedStream(SacctStream):
    """A sacct stream whose rows also go, as they pass, to the wait record's tap."""

    tap: WaitTap | None = None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        rows = super().rows()
        if self.tap is None:
            yield from rows
            return
        tap, first = self.tap, next(rows, None)
        if first is None:
            return
        assert self.columns is not None
        names, jobid_pos = self.columns.names, self.columns.pos("JobID")
        for row in itertools.chain((first,), rows):
            tap.row(names, row[1], jobid_pos)
            yield row


def sync(conn: sqlite3.Connection, db: Path, runner: SlurmRunner, *, days: float | None = None,
         user: str | None = None, all_users: bool = False, aws_partitions: frozenset[str] = frozenset(),
         wait_days: float | None = None) -> LoadReport:
    """One sacct call since the last sync (or `days` back, default 30), merged and upserted. Idempotent.
    With `wait_days`, the call reads every user's jobs (--allusers) and the cluster wait record is kept from
    them too (report.waits); the history still keeps only the scope's jobs."""
    scope = "all" if all_users else (f"user:{user}" if user else "self")
    started = now_epoch()
    tap = WaitTap(wait_days) if wait_days is not None else None
    start = _window_start(conn, scope, days, started)
    output = run_sacct(runner, start, user=None if tap else user, all_users=all_users or tap is not None)
    report = LoadReport(" ".join(output.argv[:1] + output.argv[3:]), window_start=start.strftime("%Y-%m-%dT%H:%M:%S"))
    if tap is not None:
        tap.read_at(output.captured_at)
    stream = TappedStream(output.lines, f"sacct ({output.key})", tap=tap)
    keep_user = None if all_users or tap is None else (user or _self_user())
    try:
        _load(conn, db, stream, "", report, aws_partitions, keep_user)
    finally:
        close = getattr(output.lines, "close", None)
        if close is not None:
            close()  # a read stopped early (an error while merging) stops sacct too
    if tap is not None:
        report.waits = tap.store(conn, runner, f"sacct --allusers (job rows) -S {tap.start_text}")
    conn.execute("INSERT INTO sync_state (scope, last_sync) VALUES (?, ?) "
                 "ON CONFLICT (scope) DO UPDATE SET last_sync = excluded.last_sync", (scope, started))
    return report


def _self_user() -> str | None:
    """Whose jobs sacct lists without --allusers: the caller's; root's default is every user's (sacct(1), -a)."""
    if os.getuid() == 0:
        return None
    return pwd.getpwuid(os.getuid()).pw_name


def _window_start(conn: sqlite3.Connection, scope: str, days: float | None, now: int) -> datetime:
    """sacct's -S, in local time as sacct reads it."""
    now_dt = datetime.now()
    if days is not None:
        return now_dt - timedelta(days=days)
    row = conn.execute("SELECT last_sync FROM sync_state WHERE scope = ?", (scope,)).fetchone()
    if row is None:
        return now_dt - timedelta(days=DEFAULT_DAYS)
    return now_dt - timedelta(seconds=now - row[0] + OVERLAP_S)
