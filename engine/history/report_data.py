"""What `asba report` draws, read from the history: per-script efficiency over time, core-hours wasted by script,
the distribution of queue waits. Plain records: the renderers (report/html_report.py, report/report_text.py)
never touch the database.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from asba.history.wastes import FIELDS as WASTE_FIELDS
from asba.history.wastes import WasteTally

PROGRESS_STEP = 10_000
_WASTE = len(WASTE_FIELDS)
# Only what the charts need, as tuples (a JobRecord per job would cost three times as much on a big history).
_COLUMNS = (*WASTE_FIELDS, "job_name", "submit_ts", "cpu_efficiency", "memory_efficiency", "queue_wait_s")
TOP_SCRIPTS = 6  # efficiency charts: the scripts with the most allocated core-hours
# Queue-wait histogram bins (upper edges, seconds): under a minute, 10 min, 1 h, 4 h, 12 h, a day, more.
WAIT_EDGES = (60, 600, 3600, 4 * 3600, 12 * 3600, 86400)
WAIT_LABELS = ("<1m", "1-10m", "10m-1h", "1-4h", "4-12h", "12h-1d", ">1d")


@dataclass
class ScriptSeries:
    script: str
    core_hours: float
    points: list[tuple[int, float | None, float | None]] = field(default_factory=list)  # (submit, CPU %, mem %)


@dataclass
class ReportData:
    days: float | None
    jobs: int
    totals: dict
    wastes: list[dict]  # WasteTally.rows(): per script, biggest CPU waste first
    series: list[ScriptSeries]
    wait_counts: list[int]  # one per WAIT_LABELS
    waits_known: int
    spend_days: list[tuple[str, float]] = field(default_factory=list)  # this month's AWS spend per day (UTC)
    budget_usd: float | None = None  # the monthly AWS budget, when one is set
    outcomes: dict | None = None  # `asba audit outcomes --json`: acceptance and regret of logged decisions
    predicted: dict | None = None  # asba's predicted local wait band (predicted_band), when decisions were logged


def _bin(wait_s: float) -> int:
    return next((i for i, edge in enumerate(WAIT_EDGES) if wait_s < edge), len(WAIT_EDGES))


def gather(store, days: float | None = None, user: str | None = None,
           progress: Callable[[int], None] | None = None) -> ReportData:
    """One pass over the jobs of the window (submit order); `progress(n)` after every PROGRESS_STEP jobs."""
    tally = WasteTally()
    by_script: dict[str, list[tuple[int, float | None, float | None]]] = {}
    waits = [0] * len(WAIT_LABELS)
    row: tuple
    for n, row in enumerate(store.iter_rows(_COLUMNS, days=days, user=user), 1):
        if progress is not None and n % PROGRESS_STEP == 0:
            progress(PROGRESS_STEP)
        tally.add(*row[:_WASTE])
        script, elapsed = row[0], row[2]
        job_name, submit, cpu, mem, wait = row[_WASTE:]
        if elapsed and submit is not None:
            by_script.setdefault(script or job_name or "-", []).append((int(submit), cpu, mem))
        if wait is not None:
            waits[_bin(wait)] += 1
    rows = tally.rows()
    core = {r["script"]: r["core_h"] for r in rows}
    top = sorted(by_script, key=lambda s: -core.get(s, 0.0))[:TOP_SCRIPTS]
    series = [ScriptSeries(s, core.get(s, 0.0), by_script[s]) for s in top]
    return ReportData(days, tally.jobs, tally.totals(), rows, series, waits, sum(waits))


def predicted_band(conn: sqlite3.Connection, since: str | None = None) -> dict | None:
    """asba's predicted local queue wait, from the decision log: the median p10 and p90 (seconds) of the logged
    decisions (created at or after the ISO time `since`) whose facts hold wait.local_p10_s and wait.local_p90_s;
    None when no logged decision gives one."""
    sql = "SELECT facts FROM decisions" + (" WHERE created_at >= ?" if since else "")
    lows, highs = [], []
    try:
        rows = conn.execute(sql, (since,) if since else ()).fetchall()
    except sqlite3.DatabaseError:
        return None
    for (facts,) in rows:
        try:
            named = {f["name"]: f["value"] for f in json.loads(facts) if isinstance(f, dict) and "name" in f}
        except (TypeError, ValueError):
            continue  # a damaged row says nothing about the prediction
        low, high = named.get("wait.local_p10_s"), named.get("wait.local_p90_s")
        if isinstance(low, (int, float)) and isinstance(high, (int, float)) and 0 <= low <= high:
            lows.append(float(low))
            highs.append(float(high))
    if not lows:
        return None
    return {"p10_s": statistics.median(lows), "p90_s": statistics.median(highs), "decisions": len(lows),
            "source": "decision log"}
