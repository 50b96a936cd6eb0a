"""Merge sacct's rows into one JobRecord per job: the job (allocation) row gives requests, state and times;
its step rows (``42.batch``, ``42.extern``, ``42.0``, ``7_2.batch``, ``99+1.0``) give CPU time and memory.

Rows are streamed: a job stays open while its steps arrive and is finished once WINDOW newer jobs have
been opened, so memory stays bounded however long the dump. A step whose job row never came is counted
as an orphan; a row whose values do not parse is reported with its line number and skipped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from asba.history import efficiency as eff
from asba.history.record import JobRecord
from asba.inputs import sacct_formats as fmt
from asba.inputs.sacct import Columns, Malformed, SacctStream
from asba.inputs.sacct_submitline import script_from_submit_line

WINDOW = 512
AWS_PARTITION = re.compile(r"aws|cloud|ec2|burst", re.IGNORECASE)

_JOB_FIELDS = (
    "cluster", "jobid", "jobidraw", "jobname", "user", "account", "partition", "qos", "state", "exitcode",
    "submit", "start", "end", "elapsedraw", "elapsed", "timelimit", "reqcpus", "alloccpus", "ncpus", "nnodes",
    "reqmem", "reqtres", "alloctres", "totalcpu", "submitline", "workdir",
)
_STEP_FIELDS = ("totalcpu", "maxrss", "ntasks", "tresusageintot")


@dataclass(slots=True)
class _Open:
    """A job whose step rows may still come; `values` are its row's fields in _JOB_FIELDS order."""

    line_no: int
    values: tuple[str, ...]
    cpu_whole: int = 0
    cpu_frac: float = 0.0
    cpu_exact: float = 0.0
    peak_mb: float | None = None
    memory_source: str = ""
    steps: int = 0


@dataclass
class MergeStats:
    jobs: int = 0
    step_rows: int = 0
    orphan_steps: int = 0
    bad_values: list[Malformed] = field(default_factory=list)


class Merger:
    """Turns one SacctStream into job rows (JobRecord field order); positions are bound once the header is read.

    A field the dump lacks reads as "": every row gets one empty field appended and missing columns point at it.
    """

    def __init__(self, default_cluster: str = "", aws_partitions: frozenset[str] = frozenset()) -> None:
        self.default_cluster = default_cluster
        self.aws_partitions = aws_partitions
        self.stats = MergeStats()
        self.open: dict[str, _Open] = {}
        self.alloc_known = False

    def _bind(self, columns: Columns) -> int:
        width = len(columns.names)

        def at(name: str) -> int:
            pos = columns.pos(name)
            return pos if pos >= 0 else width

        self.job_get = itemgetter(*(at(name) for name in _JOB_FIELDS))
        self.step_get = itemgetter(*(at(name) for name in _STEP_FIELDS))
        self.alloc_known = columns.pos("alloctres") >= 0
        return columns.pos("jobid")

    def records(self, stream: SacctStream) -> Iterator[JobRecord]:
        return (JobRecord(*row) for row in self.rows(stream))

    def rows(self, stream: SacctStream) -> Iterator[tuple]:
        rows = stream.rows()
        first = next(rows, None)
        if first is None:
            return
        assert stream.columns is not None
        jobid_pos, open_jobs = self._bind(stream.columns), self.open
        job_get, window = self.job_get, WINDOW
        for line_no, parts in itertools.chain((first,), rows):
            parts.append("")
            key, dot, _ = parts[jobid_pos].partition(".")
            if dot:
                self._add_step(line_no, key, parts)
                continue
            open_jobs.pop(key, None)  # a repeated job row (requeue) replaces the earlier one
            open_jobs[key] = _Open(line_no, job_get(parts))
            if len(open_jobs) > window:
                row = self._finish(open_jobs.pop(next(iter(open_jobs))))
                if row is not None:
                    yield row
        while open_jobs:
            row = self._finish(open_jobs.pop(next(iter(open_jobs))))
            if row is not None:
                yield row

    def _add_step(self, line_no: int, key: str, parts: list[str]) -> None:
        stats = self.stats
        stats.step_rows += 1
        job = self.open.get(key)
        if job is None:
            stats.orphan_steps += 1
            return
        total_text, rss_text, tasks_text, usage_text = self.step_get(parts)
        try:
            total = _step_cpu(total_text)
            mem = fmt.tres_mem_mb(usage_text) if usage_text else None
            peak, source = (mem, "TRESUsageInTot") if mem is not None else _rss_peak(rss_text, tasks_text)
        except ValueError as exc:
            stats.bad_values.append(Malformed(line_no, str(exc)))
            return
        job.steps += 1
        if total:
            whole = int(total)
            job.cpu_whole += whole
            job.cpu_frac += total - whole
            job.cpu_exact += total
        if peak is not None and (job.peak_mb is None or peak > job.peak_mb):
            job.peak_mb, job.memory_source = peak, source

    def _finish(self, job: _Open) -> tuple | None:
        try:
            row = build_row(job, self.default_cluster, self.alloc_known, self.aws_partitions)
        except (ValueError, KeyError) as exc:
            self.stats.bad_values.append(Malformed(job.line_no, f"{type(exc).__name__}: {exc}"))
            return None
        self.stats.jobs += 1
        return row


def _step_cpu(text: str) -> float | None:
    """TotalCPU of a step; the two shapes nearly every step has (``MM:SS.mmm``, ``HH:MM:SS``) parsed inline."""
    if len(text) == 9 and text[2] == ":" and text[5] == ".":
        return int(text[:2]) * 60 + float(text[3:])
    if len(text) == 8 and text[2] == ":" and text[5] == ":":
        return int(text[:2]) * 3600 + int(text[3:5]) * 60 + int(text[6:])
    return fmt.duration_s(text)


def _rss_peak(rss_text: str, tasks_text: str) -> tuple[float | None, str]:
    """A step's peak where TRESUsageInTot has no mem: MaxRSS of its largest task x its tasks."""
    rss = fmt.memory_mb(rss_text)
    if rss is not None:
        return rss * (int(tasks_text) if tasks_text else 1), "MaxRSS*NTasks"
    return None, ""


def build_row(job: _Open, default_cluster: str, alloc_known: bool = False,
              aws_partitions: frozenset[str] = frozenset()) -> tuple:
    """One job's row, in JobRecord's field order (JobRecord(*row) gives the record)."""
    (cluster, job_id, job_id_raw, job_name, user, account, partition, qos, state_text, exit_text, submit_text,
     start_text, end_text, elapsed_raw, elapsed_text, limit_text, req_cpus, alloc_cpus, ncpus, nnodes, req_mem_text,
     req_tres, alloc_tres, total_text, submit_line, work_dir) = job.values
    alloc = fmt.tres(alloc_tres)
    state, cancelled_by = fmt.state(state_text)
    code, signal = fmt.exit_code(exit_text)
    submit, start, end = fmt.timestamp(submit_text), fmt.timestamp(start_text), fmt.timestamp(end_text)
    if alloc_known and not alloc and not job.steps and state != "PENDING":
        start = None  # cancelled while pending: sacct then prints Start = End, but nothing was allocated
    elapsed = _elapsed(elapsed_raw, elapsed_text, start, end)
    limit = _limit(limit_text)
    cpus = int(alloc["cpu"]) if "cpu" in alloc else fmt.count(alloc_cpus) or fmt.count(ncpus) or fmt.count(req_cpus)
    nodes = fmt.count(nnodes) or (int(alloc["node"]) if "node" in alloc else None)
    req_mb, scope = fmt.req_mem(req_mem_text)
    alloc_tres_mb = fmt.memory_mb(alloc["mem"]) if "mem" in alloc else None
    memory = eff.allocated_memory_mb(alloc_tres_mb, req_mb, scope, cpus, nodes)
    cpu_s, exact = _cpu_seconds(job, total_text)
    cpu_pct = eff.cpu_efficiency(cpu_s, elapsed, cpus)
    peak = round(job.peak_mb, 2) if job.peak_mb is not None else None
    effective = eff.effective_cpus(cpus, cpu_pct)
    script_path = script_from_submit_line(submit_line)
    return (
        cluster or default_cluster, job_id, job_id_raw or job_id, job_id.partition("_")[0].partition("+")[0],
        job_name, user, account, partition, qos, state, cancelled_by, code, signal, submit, start, end, elapsed,
        limit, (start - submit) if start is not None and submit is not None else None,
        fmt.count(req_cpus) or cpus, cpus, nodes, memory,
        fmt.tres_gpus_of(alloc_tres or req_tres), exact, cpu_s, peak,
        job.memory_source, cpu_pct, eff.memory_efficiency(peak, memory), eff.time_efficiency(elapsed, limit),
        effective, eff.gb_per_effective_cpu(peak, effective),
        "aws" if partition in aws_partitions else platform_of(partition),
        script_path.rsplit("/", 1)[-1] if script_path else job_name, script_path, "", work_dir, submit_line,
        job.steps,
    )


@lru_cache(maxsize=1024)
def platform_of(partition: str) -> str:
    """aws for a partition whose name says aws/cloud/ec2/burst (when the config names no burst partitions)."""
    return "aws" if AWS_PARTITION.search(partition) else "local"


@lru_cache(maxsize=1024)
def _limit(text: str) -> int | None:
    return fmt.time_limit_s(text)


def _elapsed(raw: str, text: str, start: int | None, end: int | None) -> int | None:
    if raw:
        return int(raw)
    value = fmt.duration_s(text)
    if value is not None:
        return int(value)
    return (end - start) if start is not None and end is not None else None


def _cpu_seconds(job: _Open, job_total: str) -> tuple[int | None, float | None]:
    """(seff CPU seconds, exact seconds): from the steps, or from the job row when there are none (-X)."""
    exact = fmt.duration_s(job_total)  # parsed even when steps give the answer: a bad value is reported
    if job.steps:
        return eff.seff_cpu_seconds(job.cpu_whole, job.cpu_frac), round(job.cpu_exact, 3)
    if exact is None:
        return None, None
    return int(exact + 0.5), round(exact, 3)
