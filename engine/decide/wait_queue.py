"""The queue at each submission, rebuilt from a complete trace (every job of the window, as sacct -a -X or SWF
give): pending = submitted and not yet started; running = started and not yet ended. Per partition it keeps the
jobs, cores and core-hours (by time limit) of both, the same six aggregates the mila Cedar rows carry
(``q_p_{jobs,cores,core_hours}_above``, ``r_p_...``), so the queue replay runs on any complete trace.

Only the past is used: at time ``now`` a job counts as started only if its start is <= now, as ended only if its
end is <= now; a job's future start or end is never read before then. Running core-hours are those left by the
limit (``cores x (start + limit - now)``), as ``squeue`` would show them.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from asba.inputs.wait_traces import TraceJob


@dataclass
class _Side:
    jobs: int = 0
    cores: float = 0.0
    core_s: float = 0.0  # pending: cores x limit; running: cores x (start + limit), minus now x cores when read
    limited_cores: float = 0.0  # running cores with a known limit (their core_s is meaningful)

    def add(self, cores: float, core_s: float, limited: bool, sign: int) -> None:
        self.jobs += sign
        self.cores += sign * cores
        self.core_s += sign * core_s
        self.limited_cores += sign * cores * limited


@dataclass
class QueueState:
    _pending: dict[str, _Side] = field(default_factory=dict)
    _running: dict[str, _Side] = field(default_factory=dict)
    _events: list = field(default_factory=list)  # heap of (time, seq, kind, job); kind 0 = start, 1 = end
    _seq: int = 0

    def submit(self, job: TraceJob) -> None:
        """Add a job at its submission (jobs arrive in submit order; call ``advance`` first)."""
        cores, limit = float(job.cpus or 1), job.limit_s or 0.0
        self._pending.setdefault(job.partition, _Side()).add(cores, cores * limit, bool(limit), 1)
        if job.start is not None:
            self._push(job.start, 0, job)
        elif job.end is not None:
            self._push(job.end, 2, job)  # left the queue without starting (cancelled while pending)

    def advance(self, now: float) -> None:
        """Apply every start (kind 0), end (1) and departure while pending (2) at or before ``now``."""
        while self._events and self._events[0][0] <= now:
            _, _, kind, job = heapq.heappop(self._events)
            cores, limit = float(job.cpus or 1), job.limit_s or 0.0
            running = (cores, cores * (job.start + limit) if job.start is not None else 0.0, bool(limit))
            if kind == 1:
                self._running[job.partition].add(*running, -1)
                continue
            self._pending[job.partition].add(cores, cores * limit, bool(limit), -1)
            if kind == 0:
                self._running.setdefault(job.partition, _Side()).add(*running, 1)
                if job.end is not None:
                    self._push(max(job.end, job.start), 1, job)

    def aggregates(self, partition: str, now: float) -> tuple[float, ...]:
        """(pending jobs, cores, core-hours by limit; running jobs, cores, core-hours left by limit) at ``now``."""
        q, r = self._pending.get(partition, _Side()), self._running.get(partition, _Side())
        left_s = max(0.0, r.core_s - now * r.limited_cores)
        return (float(q.jobs), q.cores, q.core_s / 3600, float(r.jobs), r.cores, left_s / 3600)

    def pending_jobs(self, partition: str) -> int:
        return self._pending.get(partition, _Side()).jobs

    def _push(self, at: float, kind: int, job: TraceJob) -> None:
        self._seq += 1
        heapq.heappush(self._events, (at, self._seq, kind, job))
