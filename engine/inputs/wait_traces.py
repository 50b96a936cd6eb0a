"""Read queue-wait traces into one record type: a sacct dump of all users (``sacct -a -X --parsable2``), the
mila-iqia Cedar trace (CSV, plain or .gz), the NREL Eagle sample (CSV) and the Standard Workload Format of the
Parallel Workloads Archive (SWF: ``;`` header comments, 18 whitespace-separated fields, -1 = unknown; Feitelson et
al., "Experience with using the Parallel Workloads Archive", JPDC 2014). The format is told by the header.

Each file is read in full and sorted by submit time (a Cedar day is about 2,500 rows), so memory is one file at a
time; the caller replays the files in the order given. A row that cannot be read is counted, not fatal; a file
whose header is none of the three is an InputError naming it.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asba.errors import InputError
from asba.inputs import sacct_formats as fmt

SACCT_NEEDED = ("Submit", "Start", "Partition")


@dataclass(frozen=True)
class TraceJob:
    job_id: str
    submit: float  # epoch seconds
    start: float | None  # None: never started (cancelled while pending)
    partition: str
    cpus: int | None = None
    gpus: int | None = None
    nodes: int | None = None
    mem_mb: float | None = None
    limit_s: float | None = None
    qos: str | None = None
    eligible: float | None = None
    end: float | None = None
    queue_ahead: int | None = None  # the trace's own count of pending jobs ahead in the partition, if it has one
    queue_agg: tuple[float, ...] | None = None  # Cedar: q_p_jobs/cores/core_hours, r_p_jobs/cores/core_hours
    slurm_estimate_s: float | None = None
    poll: float | None = None  # snapshot traces (mila): the job is in the file only if still pending at this time
    user: str | None = None  # who submitted it (sacct User, SWF user id, the mila account): "the same script" key

    @property
    def wait_s(self) -> float | None:
        return None if self.start is None else max(0.0, self.start - self.submit)


@dataclass
class TraceFile:
    path: Path
    kind: str  # "sacct", "mila", "eagle", "swf"
    jobs: list[TraceJob]
    skipped: int


def read_trace(path: Path) -> TraceFile:
    if not path.is_file():
        raise InputError(f"no such trace or dump: {path}", where=str(path), code="ASBA-BACKTEST-001",
                         hint="give a sacct -a -X --parsable2 dump, an SWF file, a mila Cedar CSV (.gz) or the "
                              "NREL Eagle CSV")
    with _open_text(path) as text:
        return parse_trace(text, path)


def parse_trace(text: Iterator[str], path: Path) -> TraceFile:
    """The trace in ``text`` (lines, the header first); ``path`` names it in errors and the result."""
    header = next(iter(text), "").rstrip("\r\n")
    if is_swf(header):
        from asba.inputs.wait_swf import parse_swf

        return parse_swf(header, text, path)
    kind = _kind(header, path)
    rows: Iterator[dict[str, str]]
    if kind == "sacct":
        delimiter = "|" if "|" in header else "\x1f"
        names = header.split(delimiter)
        rows = (dict(zip(names, line.rstrip("\r\n").split(delimiter))) for line in text if line.strip())
    else:
        rows = csv.DictReader(text, fieldnames=next(csv.reader([header])))
    parse = {"sacct": _sacct_job, "mila": _mila_job, "eagle": _eagle_job}[kind]
    jobs, skipped = [], 0
    for row in rows:
        try:
            job = parse(row)
        except (ValueError, KeyError, TypeError, AttributeError):
            job = None
        if job is None:
            skipped += 1
        else:
            jobs.append(job)
    jobs.sort(key=lambda j: j.submit)
    return TraceFile(path, kind, jobs, skipped)


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8", errors="replace", newline="")
    return path.open(encoding="utf-8", errors="replace", newline="")


def is_swf(first_line: str) -> bool:
    """SWF files open with ``;`` comments (or, headerless, with a line of 18 numbers)."""
    fields = first_line.split()
    return first_line.startswith(";") or (len(fields) == 18 and all(f.lstrip("-").replace(".", "").isdigit()
                                                                      for f in fields))


def _kind(header: str, path: Path) -> str:
    if header.startswith(",job_unique_id") or "job_unique_id" in header.split(",")[:3]:
        return "mila"
    if header.startswith("job_id,") and "wallclock_req" in header:
        return "eagle"
    delimiter = "|" if "|" in header else "\x1f"
    if all(name in header.split(delimiter) for name in SACCT_NEEDED):
        return "sacct"
    raise InputError(f"not a wait trace: header {header[:60]!r}", where=f"{path}:1", code="ASBA-BACKTEST-002",
                     hint="an SWF file opens with ';' comments; a sacct dump needs a header with Submit, Start and "
                          "Partition (sacct -a -X --parsable2 "
                          "-o JobID,Submit,Eligible,Start,End,Partition,QOS,ReqCPUS,ReqMem,ReqTRES,NNodes,Timelimit)")


def _epoch(text: str) -> float | None:
    text = text.strip()
    if not text or text in ("Unknown", "None", "NaT", "nan"):
        return None
    return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=UTC).timestamp()


def _int(text: str | None) -> int | None:
    if text is None or not text.strip() or text.strip() == "nan":
        return None
    return int(float(text))


def sacct_job(row: dict[str, str]) -> TraceJob | None:
    """One sacct row (field name to text) as a trace job; None for a step row or a job without a submit time."""
    return _sacct_job(row)


def _sacct_job(row: dict[str, str]) -> TraceJob | None:
    submit = _epoch(row["Submit"])
    if submit is None or "." in row.get("JobID", ""):
        return None  # a step row: sacct -X leaves only allocations, but a dump may hold both
    req_tres = row.get("ReqTRES", "")
    mem, _ = fmt.req_mem(row["ReqMem"]) if row.get("ReqMem") else (None, "")
    nodes = _int(row.get("ReqNodes") or row.get("NNodes"))
    return TraceJob(row.get("JobID", ""), submit, _epoch(row["Start"]), row["Partition"],
                    cpus=_int(row.get("ReqCPUS")), gpus=fmt.tres_gpus_of(req_tres) if req_tres else 0,
                    nodes=nodes, mem_mb=mem, limit_s=fmt.time_limit_s(row.get("Timelimit", "")),
                    qos=row.get("QOS") or None, eligible=_epoch(row.get("Eligible", "")),
                    end=_epoch(row.get("End", "")), user=row.get("User") or None)


def _mila_job(row: dict[str, str]) -> TraceJob | None:
    submit = _epoch(row["submit_time"])
    if submit is None:
        return None
    tres = fmt.tres(row.get("req_tres", "") or "")
    agg = tuple(float(row[f"{side}_p_{what}_above"]) for side in ("q", "r")
                for what in ("jobs", "cores", "core_hours"))
    return TraceJob(row["job_unique_id"], submit, _epoch(row["start_time"]), row["partition_id_x"],
                    cpus=_int(row["req_cpus"]), gpus=fmt.tres_gpus(tres), nodes=_int(tres.get("node")),
                    mem_mb=float(row["req_mem_total"] or 0) or None, limit_s=float(row["time_limit_sec"]),
                    eligible=_epoch(row["eligible_time"]), end=_epoch(row["end_time"]),
                    queue_ahead=_int(row["q_p_jobs_above"]), queue_agg=agg, poll=_epoch(row.get("poll_time", "")),
                    user=row.get("account_id") or None)


def _eagle_job(row: dict[str, str]) -> TraceJob | None:
    submit = _epoch(row["submit_time"])
    if submit is None:
        return None
    return TraceJob(row["job_id"], submit, _epoch(row["start_time"]), row["partition"],
                    cpus=_int(row["processors_req"]), gpus=_int(row["gpus_req"]), nodes=_int(row["nodes_req"]),
                    mem_mb=float(row["mem_req"] or 0) or None, limit_s=float(row["wallclock_req"]),
                    qos=row.get("qos") or None, end=_epoch(row["end_time"]), user=row.get("user") or None)
