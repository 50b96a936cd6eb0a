"""Merge sacct's rows into one JobRecord per job: the job (allocation) row gives requests, state and times;
its step rows (``42.batch``, ``42.extern``, ``42.0``, ``7_2.batch``, ``99+1.0``) give CPU time and memory.

Rows are streamed: a job stays open while its steps arrive and is finished once WINDOW newer jobs have
been opened, so memory stays bounded however long the dump. A step whose job row never came is counted
as an orphan; a row whose values do not parse is reported with its line number and skipped.

This is the hot loop of `asba history import` (a big site's dump has millions of rows): a step row's two
values are parsed where it is read, and the values jobs share (allocations, states, time limits) are parsed
once per distinct text.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from asba.history import efficiency as eff
from asba.inputs import sacct_formats as fmt
from asba.inputs import sacct_gpu
from asba.inputs.sacct import Columns, Malformed, SacctStream
from asba.inputs.sacct_submitline import script_from_submit_line

WINDOW = 512
AWS_PARTITION = re.compile(r"aws|cloud|ec2|burst", re.IGNORECASE)

_JOB_FIELDS = (
    "cluster", "jobid", "jobidraw", "jobname", "user", "account", "partition", "qos", "state", "exitcode",
    "submit", "start", "end", "elapsedraw", "elapsed", "timelimit", "reqcpus", "alloccpus", "ncpus", "nnodes",
    "reqmem", "reqtres", "alloctres", "totalcpu", "submitline", "workdir",
)
_STEP_FIELDS = ("totalcpu", "maxrss", "ntasks", "tresusageintot", "tresusageinave", "tresusageinmax")
# Free-text fields a user sets (a 50 MB JobName grew jobs.db from 120 KB to 350 MB): at most FIELD_CAP
# characters are kept, the start and the end (a submit line ends with the script's path), with a note.
FIELD_CAP = 4096
_CAPPED = tuple(_JOB_FIELDS.index(name) for name in ("jobname", "submitline", "workdir"))

@dataclass
class MergeStats:
    jobs: int = 0
    step_rows: int = 0
    orphan_steps: int = 0
    cut_jobs: int = 0  # jobs whose name, submit line or work dir was cut to FIELD_CAP
    bad_values: list[Malformed] = field(default_factory=list)


@dataclass(slots=True)
class OpenJob:
    """A job whose step rows may still come, with what its steps add up to so far (as seff counts them)."""

    line_no: int
    values: tuple[str, ...]  # its row's fields in _JOB_FIELDS order
    steps: int = 0
    cpu_whole: int = 0  # whole seconds of TotalCPU, summed over steps
    cpu_frac: float = 0.0  # their fractions, summed (seff rounds this sum once)
    cpu_exact: float = 0.0
    peak_mb: float | None = None  # the largest step's memory
    memory_source: str = ""
    gpu: GpuTally | None = None  # GPU use of its steps, where sacct recorded any


@dataclass(slots=True)
class GpuTally:
    """A job's GPU use over its steps: the busiest step's average and spread, the largest task's peak."""

    util_pct: float | None = None  # the busiest step's TRESUsageInAve gres/gpuutil
    util_max_pct: float | None = None
    memory_peak_mb: float | None = None
    spread_pct: float | None = None  # that step's busiest task minus its average (steps of 2+ tasks)

    def add(self, use: sacct_gpu.GpuUse, tasks: int) -> None:
        ave, top = use.util_ave_pct, use.util_max_pct
        if ave is not None and (self.util_pct is None or ave > self.util_pct):
            self.util_pct = ave
            self.spread_pct = round(top - ave, 2) if top is not None and tasks > 1 and top >= ave else None
        if top is not None and (self.util_max_pct is None or top > self.util_max_pct):
            self.util_max_pct = top
        if use.mem_max_mb is not None and (self.memory_peak_mb is None or use.mem_max_mb > self.memory_peak_mb):
            self.memory_peak_mb = use.mem_max_mb


class Merger:
    """Turns one SacctStream into job rows (JobRecord field order); positions are bound once the header is read.

    A field the dump lacks reads as "": such a dump's rows get one empty field appended and missing columns
    point at it.
    """

    def __init__(self, default_cluster: str = "", aws_partitions: frozenset[str] = frozenset()) -> None:
        self.default_cluster = default_cluster
        self.aws_partitions = aws_partitions
        self.stats = MergeStats()
        self.open: dict[str, OpenJob] = {}
        self.alloc_known = False

    def _bind(self, columns: Columns) -> tuple[int, bool]:
        """(position of JobID, whether rows need the empty field appended)."""
        width = len(columns.names)
        positions = {name: columns.pos(name) for name in _JOB_FIELDS + _STEP_FIELDS}
        self.job_get = itemgetter(*(positions[name] if positions[name] >= 0 else width for name in _JOB_FIELDS))
        self.step_get = itemgetter(*(positions[name] if positions[name] >= 0 else width for name in _STEP_FIELDS))
        self.alloc_known = positions["alloctres"] >= 0
        return columns.pos("jobid"), min(positions.values()) < 0

    def rows(self, stream: SacctStream) -> Iterator[tuple]:
        rows = stream.rows()
        first = next(rows, None)
        if first is None:
            return
        assert stream.columns is not None
        (jobid_pos, pad), open_jobs = self._bind(stream.columns), self.open
        job_get, step_get, window, bad_values = self.job_get, self.step_get, WINDOW, self.stats.bad_values
        tres_mem_mb, memory_mb, duration_s = fmt.tres_mem_mb, fmt.memory_mb, fmt.duration_s
        step_rows = orphans = 0
        for line_no, parts in itertools.chain((first,), rows):
            if pad:
                parts.append("")
            job_id = parts[jobid_pos]
            dot = job_id.find(".")
            if dot < 0:  # a job row: open it (a repeated one, a requeue, replaces the earlier)
                open_jobs.pop(job_id, None)
                open_jobs[job_id] = OpenJob(line_no, job_get(parts))
                if len(open_jobs) > window:
                    row = self._finish(open_jobs.pop(next(iter(open_jobs))))
                    if row is not None:
                        yield row
                continue
            step_rows += 1
            job = open_jobs.get(job_id[:dot])
            if job is None:
                orphans += 1
                continue
            # A step row: its CPU time and memory, added to its job's.
            total_text, rss_text, tasks_text, usage_text, ave_text, max_text = step_get(parts)
            try:
                total = duration_s(total_text) or 0.0
                peak = tres_mem_mb(usage_text) if usage_text else None
                if peak is None:  # no TRESUsageInTot mem: MaxRSS of the largest task x the step's tasks
                    rss = memory_mb(rss_text)
                    peak = rss * (fmt.integer(tasks_text) if tasks_text else 1) if rss is not None else None
                    source = "MaxRSS*NTasks"
                else:
                    source = "TRESUsageInTot"
                if peak is not None and peak >= math.inf:
                    raise ValueError(f"memory too large: {fmt.shown(rss_text or usage_text)}")
            except ValueError as exc:
                bad_values.append(Malformed(line_no, str(exc)))
                continue
            job.steps += 1
            if total:
                whole = int(total)
                job.cpu_whole += whole
                job.cpu_frac += total - whole
                job.cpu_exact += total
            if peak is not None and (job.peak_mb is None or peak > job.peak_mb):
                job.peak_mb, job.memory_source = peak, source
            if "gres/gpu" in ave_text or "gres/gpu" in max_text:  # GPU use: a bad value loses only itself
                try:
                    _add_gpu_use(job, ave_text, max_text, tasks_text)
                except ValueError as exc:
                    bad_values.append(Malformed(line_no, f"GPU use: {exc}"))
        self.stats.step_rows += step_rows
        self.stats.orphan_steps += orphans
        while open_jobs:
            row = self._finish(open_jobs.pop(next(iter(open_jobs))))
            if row is not None:
                yield row

    def _finish(self, job: OpenJob) -> tuple | None:
        if any(len(job.values[i]) > FIELD_CAP for i in _CAPPED):
            job.values = cut_fields(job.values)
            self.stats.cut_jobs += 1
        try:
            row = build_row(job, self.default_cluster, self.alloc_known, self.aws_partitions)
        except (ValueError, KeyError, ArithmeticError) as exc:  # one bad job is reported, never stored
            self.stats.bad_values.append(Malformed(job.line_no, f"{type(exc).__name__}: {exc}"))
            return None
        self.stats.jobs += 1
        return row


def cut_fields(values: tuple[str, ...]) -> tuple[str, ...]:
    """The job row's values with each capped field longer than FIELD_CAP cut in the middle."""
    half = FIELD_CAP // 2 - 8
    return tuple(f"{v[:half]} [... cut ...] {v[-half:]}" if i in _CAPPED and len(v) > FIELD_CAP else v
                 for i, v in enumerate(values))


def build_row(job: OpenJob, default_cluster: str, alloc_known: bool = False,
              aws_partitions: frozenset[str] = frozenset()) -> tuple:
    """One job's row, in JobRecord's field order (JobRecord(*row) gives the record)."""
    (cluster, job_id, job_id_raw, job_name, user, account, partition, qos, state_text, exit_text, submit_text,
     start_text, end_text, elapsed_raw, elapsed_text, limit_text, req_cpus, alloc_cpus, ncpus, nnodes, req_mem_text,
     req_tres, alloc_tres, total_text, submit_line, work_dir) = job.values
    state, cancelled_by, code, signal = _status(state_text, exit_text)
    submit, start, end = fmt.timestamp(submit_text), fmt.timestamp(start_text), fmt.timestamp(end_text)
    if alloc_known and not alloc_tres and not job.steps and state != "PENDING":
        start = None  # cancelled while pending: sacct then prints Start = End, but nothing was allocated
    elapsed = fmt.integer(elapsed_raw) if elapsed_raw else _elapsed(elapsed_text, start, end)
    limit = _limit(limit_text)
    requested_cpus, cpus, nodes, memory, gpus = _allocation(alloc_tres, alloc_cpus, ncpus, req_cpus, nnodes,
                                                            req_mem_text, req_tres)
    exact = fmt.duration_s(total_text)  # parsed even when steps give the answer: a bad value is reported
    cpu_s: int | None
    if job.steps:
        cpu_s, exact = eff.seff_cpu_seconds(job.cpu_whole, job.cpu_frac), round(job.cpu_exact, 3)
    else:  # no step rows (sacct -X): the job row's TotalCPU
        cpu_s, exact = (None, None) if exact is None else (int(exact + 0.5), round(exact, 3))
    peak = round(job.peak_mb, 2) if job.peak_mb is not None else None
    cpu_pct, mem_pct, time_pct, effective, gb_per_cpu = eff.job_efficiency(cpu_s, elapsed, cpus, peak, memory, limit)
    script_path = script_from_submit_line(submit_line)
    _check_numbers(elapsed, limit, requested_cpus, cpus, nodes, memory, gpus, exact, cpu_s, peak, cpu_pct, mem_pct,
                   time_pct, effective, gb_per_cpu)
    return (
        cluster or default_cluster, job_id, job_id_raw or job_id, job_id.partition("_")[0].partition("+")[0],
        job_name, user, account, partition, qos, state, cancelled_by, code, signal, submit, start, end, elapsed,
        limit, (start - submit) if start is not None and submit is not None else None,
        requested_cpus, cpus, nodes, memory, gpus, exact, cpu_s, peak, job.memory_source,
        cpu_pct, mem_pct, time_pct, effective, gb_per_cpu,
        "aws" if partition in aws_partitions else platform_of(partition),
        script_path.rsplit("/", 1)[-1] if script_path else job_name, script_path, "", work_dir, submit_line,
        job.steps, *_gpu_columns(job, alloc_tres, req_tres, gpus),
    )


def _add_gpu_use(job: OpenJob, ave_text: str, max_text: str, tasks_text: str) -> None:
    use = sacct_gpu.step_gpu_use(ave_text, max_text)
    if use.recorded:
        job.gpu = job.gpu or GpuTally()
        job.gpu.add(use, fmt.integer(tasks_text) if tasks_text else 1)


def _gpu_columns(job: OpenJob, alloc_tres: str, req_tres: str, gpus: int) -> tuple:
    """(model, utilisation %, its peak %, GPU memory peak MiB, spread %): None where sacct recorded no use
    (or the job had no GPU: a site may record gres/gpuutil=0 for every job)."""
    model = sacct_gpu.gpu_model(alloc_tres or req_tres)
    g = job.gpu
    if g is None or not gpus and (alloc_tres or req_tres):
        return model, None, None, None, None
    peak = round(g.memory_peak_mb, 2) if g.memory_peak_mb is not None else None
    return model, g.util_pct, g.util_max_pct, peak, g.spread_pct


def _check_numbers(*values: float | int | None) -> None:
    """A job's quantities are finite, non-negative and fit SQLite's integers, or the job is refused."""
    for value in values:
        if value is not None and not 0 <= value < fmt.INT_LIMIT:
            raise ValueError(f"a quantity out of range: {value!r}")


@lru_cache(maxsize=1024)
def platform_of(partition: str) -> str:
    """aws for a partition whose name says aws/cloud/ec2/burst (when the config names no burst partitions)."""
    return "aws" if AWS_PARTITION.search(partition) else "local"


@lru_cache(maxsize=1024)
def _status(state_text: str, exit_text: str) -> tuple[str, int | None, int | None, int | None]:
    """(state, cancelled by uid, exit code, signal)."""
    return fmt.state(state_text) + fmt.exit_code(exit_text)


@lru_cache(maxsize=4096)
def _allocation(alloc_tres: str, alloc_cpus: str, ncpus: str, req_cpus: str, nnodes: str, req_mem_text: str,
                req_tres: str) -> tuple[int | None, int | None, int | None, float | None, int]:
    """(requested CPUs, allocated CPUs, nodes, allocated memory MiB, GPUs): jobs share a few shapes, so cached.

    AllocTRES is what the job got; AllocCPUS/NCPUS/ReqCPUS and ReqMem (per CPU, per node or total) stand in
    where it is empty (a job that never started, or a dump without the column)."""
    alloc = fmt.tres(alloc_tres)
    cpus = fmt.integer(alloc["cpu"]) if "cpu" in alloc else (fmt.count(alloc_cpus) or fmt.count(ncpus)
                                                              or fmt.count(req_cpus))
    nodes = fmt.count(nnodes) or (fmt.integer(alloc["node"]) if "node" in alloc else None)
    req_mb, scope = fmt.req_mem(req_mem_text)
    alloc_tres_mb = fmt.memory_mb(alloc["mem"]) if "mem" in alloc else None
    memory = eff.allocated_memory_mb(alloc_tres_mb, req_mb, scope, cpus, nodes)
    return fmt.count(req_cpus) or cpus, cpus, nodes, memory, fmt.tres_gpus_of(alloc_tres or req_tres)


@lru_cache(maxsize=1024)
def _limit(text: str) -> int | None:
    return fmt.time_limit_s(text)


def _elapsed(text: str, start: int | None, end: int | None) -> int | None:
    """Elapsed where the dump has no ElapsedRaw: the Elapsed text, else End - Start."""
    value = fmt.duration_s(text)
    if value is not None:
        return int(value)
    return (end - start) if start is not None and end is not None else None
