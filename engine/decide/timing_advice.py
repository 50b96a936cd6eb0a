"""Submit now or later (roadmap 3.2): the expected time to result if the job is submitted now or in 1, 2 or 4 h.

Pure arithmetic over facts already computed: the local wait p50, the runtime, the time limit and the reservations
read from ``scontrol show reservation`` (maintenance windows are reservations with the MAINT flag). A job
submitted ``d`` hours from now starts no earlier than ``max(d, wait now)``: the jobs ahead of it now are still
ahead then, and new jobs may join (so this is the best case for waiting). A reservation on the partition's
nodes that begins before the job would end at its time limit holds the start until it ends (SLURM does not
start a job that would run into a reservation of its nodes). The ``timing`` rule pack decides what is said.
"""

from __future__ import annotations

from asba.facts.model import Fact
from asba.inputs.reservations import Reservation

DELAYS_H = (0, 1, 2, 4)


def start_after_reservations(start: float, limit_s: float, blocking: list[Reservation]) -> float:
    """The first moment >= start at which [start, start + limit] meets no reservation."""
    moved = True
    while moved:
        moved = False
        for r in blocking:
            if r.start < start + limit_s and r.end > start:
                start, moved = r.end, True
    return start


def timing_facts(now: float, wait_p50_s: float | None, runtime_s: float, limit_s: float, partition: str,
                 partition_nodes: set[str], reservations: list[Reservation]) -> list[Fact]:
    if wait_p50_s is None or not now:
        return []
    blocking = [r for r in reservations if r.covers(partition, partition_nodes) and r.end > now]
    src = "asba timing: max(delay, wait p50) + runtime, after reservations (scontrol show reservation)"
    facts = []
    results = {}
    for delay_h in DELAYS_H:
        start = start_after_reservations(now + max(delay_h * 3600.0, wait_p50_s), limit_s, blocking)
        results[delay_h] = (start - now + runtime_s) / 3600
        name = "timing.result_now_h" if delay_h == 0 else f"timing.result_in_{delay_h}h_h"
        facts.append(Fact(name, round(results[delay_h], 3), src))
    plain = now + wait_p50_s
    delay = start_after_reservations(plain, limit_s, blocking) - plain
    names = ", ".join(r.name for r in blocking if r.start < plain + limit_s and r.end > plain) or "none"
    facts.append(Fact("timing.reservation_delay_h", round(delay / 3600, 3),
                      f"scontrol show reservation: {names} on partition {partition}'s nodes"))
    best = min(DELAYS_H, key=lambda d: (round(results[d], 3), d))
    facts.append(Fact("timing.best_delay_h", best, src))
    return facts
