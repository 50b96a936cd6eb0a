"""Merge sacct's rows into one JobRecord per job: the job (allocation) row gives requests, state and times;
its step rows (``42.batch``, ``42.extern``, ``42.0``, ``7_2.batch``, ``99+1.0``) give CPU time and memory.

Rows are streamed: a job stays open while its steps arrive and is finished once WINDOW newer jobs have
been opened, so memory stays bounded however long the dump. A step whose job row never came is counted
as an orphan; a row whose values do not parse is reported with its line number and skipped.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from collections.abc import Iterator
from dataclasses import dataclass, field

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
_STEP_FIELDS = ("jobid", "totalcpu", "maxrss", "ntasks", "tresusageintot")


@dataclass(slots=True)
class _Open:
    """A job whose step rows may still come."""

    line_no: int
    values: dict[str, str]
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
    """Turns one SacctStream into JobRecords; column positions are taken once the header has been read."""

    def __init__(self, default_cluster: str = "") -> None:
        self.default_cluster = default_cluster
        self.stats = MergeStats()
        self.open: dict[str, _Open] = {}
        self.job_pos: list[tuple[str, int]] = []
        self.step_pos: dict[str, int] = {}
        self.alloc_known = False

    def _bind(self, columns: Columns) -> int:
        self.job_pos = [(name, columns.pos(name)) for name in _JOB_FIELDS]
        self.step_pos = {name: columns.pos(name) for name in _STEP_FIELDS}
        self.alloc_known = columns.pos("alloctres") >= 0
        return columns.pos("jobid")

    def records(self, stream: SacctStream) -> Iterator[JobRecord]:
        rows = stream.rows()
        first = next(rows, None)
        if first is None:
            return
        assert stream.columns is not None
        jobid_pos, open_jobs = self._bind(stream.columns), self.open
        for line_no, parts in itertools.chain((first,), rows):
            job_id = parts[jobid_pos]
            key, dot, _ = job_id.partition(".")
            if dot:
                self._add_step(line_no, key, parts)
                continue
            open_jobs.pop(key, None)  # a repeated job row (requeue) replaces the earlier one
            open_jobs[key] = _Open(line_no, {name: (parts[p] if p >= 0 else "") for name, p in self.job_pos})
            if len(open_jobs) > WINDOW:
                record = self._finish(open_jobs.pop(next(iter(open_jobs))))
                if record is not None:
                    yield record
        while open_jobs:
            record = self._finish(open_jobs.pop(next(iter(open_jobs))))
            if record is not None:
                yield record

    def _add_step(self, line_no: int, key: str, parts: list[str]) -> None:
        self.stats.step_rows += 1
        job = self.open.get(key)
        if job is None:
            self.stats.orphan_steps += 1
            return
        pos = self.step_pos
        try:
            total = fmt.duration_s(parts[pos["totalcpu"]]) if pos["totalcpu"] >= 0 else None
            peak, source = _step_peak(parts, pos)
        except ValueError as exc:
            self.stats.bad_values.append(Malformed(line_no, str(exc)))
            return
        job.steps += 1
        if total:
            whole = int(total)
            job.cpu_whole += whole
            job.cpu_frac += total - whole
            job.cpu_exact += total
        if peak is not None and (job.peak_mb is None or peak > job.peak_mb):
            job.peak_mb, job.memory_source = peak, source

    def _finish(self, job: _Open) -> JobRecord | None:
        try:
            record = build_record(job, self.default_cluster, self.alloc_known)
        except (ValueError, KeyError) as exc:
            self.stats.bad_values.append(Malformed(job.line_no, f"{type(exc).__name__}: {exc}"))
            return None
        self.stats.jobs += 1
        return record


def _step_peak(parts: list[str], pos: dict[str, int]) -> tuple[float | None, str]:
    if pos["tresusageintot"] >= 0 and parts[pos["tresusageintot"]]:
        mem = fmt.tres_mem_mb(parts[pos["tresusageintot"]])
        if mem is not None:
            return mem, "TRESUsageInTot"
    if pos["maxrss"] >= 0:
        rss = fmt.memory_mb(parts[pos["maxrss"]])
        if rss is not None:
            tasks = fmt.count(parts[pos["ntasks"]]) if pos["ntasks"] >= 0 else None
            return rss * (tasks or 1), "MaxRSS*NTasks"
    return None, ""


def build_record(job: _Open, default_cluster: str, alloc_known: bool = False) -> JobRecord:
    v = job.values
    alloc = fmt.tres(v["alloctres"])
    state, cancelled_by = fmt.state(v["state"])
    code, signal = fmt.exit_code(v["exitcode"])
    submit, start, end = fmt.timestamp(v["submit"]), fmt.timestamp(v["start"]), fmt.timestamp(v["end"])
    if alloc_known and not alloc and not job.steps and state != "PENDING":
        start = None  # cancelled while pending: sacct then prints Start = End, but nothing was allocated
    elapsed = _elapsed(v, start, end)
    limit = _limit(v["timelimit"])
    cpus = _alloc_cpus(v, alloc)
    nodes = fmt.count(v["nnodes"]) or (int(alloc["node"]) if "node" in alloc else None)
    req_mb, scope = fmt.req_mem(v["reqmem"])
    alloc_tres_mb = fmt.memory_mb(alloc["mem"]) if "mem" in alloc else None
    memory_mb = eff.allocated_memory_mb(alloc_tres_mb, req_mb, scope, cpus, nodes)
    cpu_s, exact = _cpu_seconds(job, v["totalcpu"])
    cpu_pct = eff.cpu_efficiency(cpu_s, elapsed, cpus)
    peak = round(job.peak_mb, 2) if job.peak_mb is not None else None
    effective = eff.effective_cpus(cpus, cpu_pct)
    gpus = fmt.tres_gpus(alloc) if alloc else fmt.tres_gpus(fmt.tres(v["reqtres"]))
    script_path = script_from_submit_line(v["submitline"])
    job_id = v["jobid"]
    return JobRecord(
        cluster=v["cluster"] or default_cluster, job_id=job_id, job_id_raw=v["jobidraw"] or job_id,
        base_id=job_id.partition("_")[0].partition("+")[0], job_name=v["jobname"], user=v["user"],
        account=v["account"], partition=v["partition"], qos=v["qos"], state=state, cancelled_by=cancelled_by,
        exit_code=code, exit_signal=signal, submit_ts=submit, start_ts=start, end_ts=end, elapsed_s=elapsed,
        time_limit_s=limit, queue_wait_s=(start - submit) if start is not None and submit is not None else None,
        requested_cpus=fmt.count(v["reqcpus"]) or cpus, alloc_cpus=cpus, nodes=nodes,
        requested_memory_mb=memory_mb, requested_gpus=gpus, total_cpu_s=exact, seff_cpu_s=cpu_s,
        max_memory_used_mb=peak, memory_source=job.memory_source, cpu_efficiency=cpu_pct,
        memory_efficiency=eff.memory_efficiency(peak, memory_mb), time_efficiency=eff.time_efficiency(elapsed, limit),
        effective_cpus=effective, gb_per_effective_cpu=eff.gb_per_effective_cpu(peak, effective),
        execution_platform=platform_of(v["partition"]),
        script_name=script_path.rsplit("/", 1)[-1] if script_path else v["jobname"], script_path=script_path,
        script_hash="", work_dir=v["workdir"], submit_line=v["submitline"], steps=job.steps,
    )


@lru_cache(maxsize=1024)
def platform_of(partition: str) -> str:
    """aws for a cloud-burst partition (its name says aws/cloud/ec2/burst), else local."""
    return "aws" if AWS_PARTITION.search(partition) else "local"


@lru_cache(maxsize=1024)
def _limit(text: str) -> int | None:
    return fmt.time_limit_s(text)


def _elapsed(v: dict[str, str], start: int | None, end: int | None) -> int | None:
    if v["elapsedraw"]:
        return int(v["elapsedraw"])
    value = fmt.duration_s(v["elapsed"])
    if value is not None:
        return int(value)
    return (end - start) if start is not None and end is not None else None


def _alloc_cpus(v: dict[str, str], alloc: dict[str, str]) -> int | None:
    if "cpu" in alloc:
        return int(alloc["cpu"])
    return fmt.count(v["alloccpus"]) or fmt.count(v["ncpus"]) or fmt.count(v["reqcpus"])


def _cpu_seconds(job: _Open, job_total: str) -> tuple[int | None, float | None]:
    """(seff CPU seconds, exact seconds): from the steps, or from the job row when there are none (-X)."""
    exact = fmt.duration_s(job_total)  # parsed even when steps give the answer: a bad value is reported
    if job.steps:
        return eff.seff_cpu_seconds(job.cpu_whole, job.cpu_frac), round(job.cpu_exact, 3)
    if exact is None:
        return None, None
    return int(exact + 0.5), round(exact, 3)
