"""A bounded listing of the history: the first N jobs in a chosen order, how many there are in all, and the
totals over all of them, each answered by SQLite without reading every job into Python.

The totals are the figures WasteTally.totals gives for the same jobs (the same sums, done in SQL), so a listing of
50 rows still states the totals of the 1,000,000 jobs it was cut from.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace

from asba.history.record import JobRecord
from asba.history.store import SORT_KEYS, JobQuery, _store_error, iter_query

DEFAULT_LIMIT = 50

_GPU_S = ("CASE WHEN j.elapsed_s > 0 AND j.alloc_cpus > 0 THEN j.elapsed_s * COALESCE(j.requested_gpus, 0) "
          "ELSE 0 END")
_TOTALS = ("SELECT j.state, COUNT(*), SUM(COALESCE(j.elapsed_s, 0) * COALESCE(j.alloc_cpus, 0)), "
           "SUM(CASE WHEN j.elapsed_s THEN COALESCE(j.seff_cpu_s, 0) ELSE 0 END), "
           # GPU-seconds as WasteTally counts them: jobs with a runtime and CPUs; recorded where sacct had gpuutil
           f"SUM({_GPU_S}), SUM(CASE WHEN j.gpu_utilization_pct IS NULL THEN 0 ELSE {_GPU_S} END), "
           f"SUM(COALESCE({_GPU_S} * j.gpu_utilization_pct / 100.0, 0)) FROM jobs j")


@dataclass(frozen=True)
class Listing:
    records: list[JobRecord]
    matched: int  # jobs the filters match, before the limit
    totals: dict  # WasteTally.totals() of every matched job

    @property
    def more(self) -> int:
        return self.matched - len(self.records)


def sort_names() -> tuple[str, ...]:
    return tuple(SORT_KEYS)


def _totals(conn: sqlite3.Connection, query: JobQuery, db) -> dict:
    where, params = query._where()
    join = " LEFT JOIN submissions s ON s.job_id = j.base_id" if query.script_hash else ""
    sql = _TOTALS + join + (" WHERE " + " AND ".join(where) if where else "") + " GROUP BY j.state"
    states: dict[str, int] = {}
    core_s = used_s = 0
    gpu = [0.0, 0.0, 0.0]  # GPU-seconds allocated, with use recorded, used (as WasteTally.gpu)
    try:
        for state, jobs, core, used, *gpu_sums in conn.execute(sql, params):
            states[state] = jobs
            core_s += core or 0
            used_s += used or 0
            gpu = [g + (v or 0) for g, v in zip(gpu, gpu_sums)]
    except sqlite3.DatabaseError as exc:
        raise _store_error(db, exc) from None
    return {"jobs": sum(states.values()), "states": dict(sorted(states.items())),
            "core_hours": round(core_s / 3600, 3), "cpu_hours_used": round(used_s / 3600, 3),
            "cpu_efficiency": round(100 * used_s / core_s, 2) if core_s else None,
            "gpu_hours": round(gpu[0] / 3600, 3), "gpu_hours_recorded": round(gpu[1] / 3600, 3),
            "gpu_efficiency": round(100 * gpu[2] / gpu[1], 2) if gpu[1] else None}


def _whole_history_totals(conn: sqlite3.Connection, query: JobQuery) -> dict | None:
    """Unfiltered: the totals from the per-script sums kept up to date on import (what `asba insights` reads),
    without a pass over the jobs; None when filtered or when the sums do not answer for the whole history."""
    from asba.history import script_summary

    if any((query.script_hash, query.script_name, query.days is not None, query.user, query.job_id)):
        return None
    return script_summary.cached_wastes(conn).totals() if script_summary.ready(conn) else None


def listing(store, query: JobQuery, limit: int | None = DEFAULT_LIMIT) -> Listing:
    """Up to `limit` jobs in the query's order (None: all of them), with the count and totals of all."""
    totals = _whole_history_totals(store.conn, query) or _totals(store.conn, query, store.path)
    records = list(iter_query(store.conn, replace(query, limit=limit), store.path))
    return Listing(records, totals["jobs"], totals)
