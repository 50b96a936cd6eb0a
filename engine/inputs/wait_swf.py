"""Read a Standard Workload Format trace (SWF 2.2, the Parallel Workloads Archive's format) into ``TraceJob`` rows.

Format (Feitelson et al., "Experience with using the Parallel Workloads Archive", JPDC 2014, and the archive's
format page): header comments start with ``;`` (``; UnixStartTime: N`` is the epoch of submit time 0,
``; Queue: N name`` names queue numbers); each job is one line of 18 whitespace-separated fields: 1 job number,
2 submit time (s from the start), 3 wait time, 4 run time, 5 allocated processors, 6 average CPU time used,
7 used memory (KB per processor), 8 requested processors, 9 requested time, 10 requested memory (KB per
processor), 11 status (1 completed, 0 failed, 5 cancelled), 12 user, 13 group, 14 executable, 15 queue,
16 partition, 17 preceding job, 18 think time. -1 is unknown.

The queue (field 15, by its header name where one is given) is the partition: it is what a user picks and what the
scheduler orders by. A job with an unknown wait never started (cancelled while queued): ``start`` is None.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from asba.inputs.wait_traces import TraceFile, TraceJob

FIELDS = 18


def parse_swf(first_line: str, lines: Iterable[str], path: Path) -> TraceFile:
    header: dict[str, str] = {}
    queues: dict[str, str] = {}
    jobs: list[TraceJob] = []
    skipped = 0
    base = 0.0
    for line in _chain(first_line, lines):
        text = line.strip()
        if not text:
            continue
        if text.startswith(";"):
            _header_line(text[1:], header, queues)
            base = float(header.get("UnixStartTime", "0") or 0)
            continue
        job = _job(text.split(), base, queues)
        if job is None:
            skipped += 1
        else:
            jobs.append(job)
    jobs.sort(key=lambda j: j.submit)
    return TraceFile(path, "swf", jobs, skipped)


def _chain(first: str, rest: Iterable[str]) -> Iterable[str]:
    yield first
    yield from rest


def _header_line(text: str, header: dict[str, str], queues: dict[str, str]) -> None:
    name, sep, value = text.partition(":")
    if not sep:
        return
    name, value = name.strip(), value.strip()
    if name == "Queue":
        number, _, label = value.partition(" ")
        if number.strip().lstrip("-").isdigit() and label.strip():
            queues[number.strip()] = label.strip()
        return
    header.setdefault(name, value)


def _job(fields: list[str], base: float, queues: dict[str, str]) -> TraceJob | None:
    if len(fields) < FIELDS:
        return None
    try:
        values = [float(f) for f in fields[:FIELDS]]
    except ValueError:
        return None
    submit, wait, run = values[1], values[2], values[3]
    if submit < 0:
        return None
    start = base + submit + wait if wait >= 0 else None
    procs = _known(values[7]) or _known(values[4])
    mem_kb = _known(values[9])
    queue = fields[14]
    return TraceJob(fields[0], base + submit, start, queues.get(queue, f"queue{queue}"),
                    cpus=None if procs is None else int(procs), gpus=0,
                    mem_mb=None if mem_kb is None or procs is None else mem_kb * procs / 1024,
                    limit_s=_known(values[8]),
                    end=None if start is None or run < 0 else start + run,
                    user=None if values[11] < 0 else fields[11])


def _known(value: float) -> float | None:
    return None if value < 0 else value
