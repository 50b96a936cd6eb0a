"""What `asba report` draws, read from the history: per-script efficiency over time, core-hours wasted by script,
the distribution of queue waits. Plain records: the renderers (report/html_report.py, report/report_text.py)
never touch the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from asba.history.store import JobQuery, iter_query
from asba.history.views import waste_view
from asba.history.wastes import WasteTally

PROGRESS_STEP = 10_000
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


def _bin(wait_s: float) -> int:
    return next((i for i, edge in enumerate(WAIT_EDGES) if wait_s < edge), len(WAIT_EDGES))


def gather(store, days: float | None = None, user: str | None = None,
           progress: Callable[[int], None] | None = None) -> ReportData:
    """One pass over the jobs of the window (submit order); `progress(n)` after every PROGRESS_STEP jobs."""
    tally = WasteTally()
    by_script: dict[str, list[tuple[int, float | None, float | None]]] = {}
    waits = [0] * len(WAIT_LABELS)
    for n, r in enumerate(iter_query(store.conn, JobQuery(days=days, user=user), store.path), 1):
        if progress is not None and n % PROGRESS_STEP == 0:
            progress(PROGRESS_STEP)
        tally.add(*waste_view(r))
        if r.elapsed_s and r.submit_ts is not None:
            by_script.setdefault(r.script_name or r.job_name or "-", []).append(
                (int(r.submit_ts), r.cpu_efficiency, r.memory_efficiency))
        if r.queue_wait_s is not None:
            waits[_bin(r.queue_wait_s)] += 1
    rows = tally.rows()
    core = {row["script"]: row["core_h"] for row in rows}
    top = sorted(by_script, key=lambda s: -core.get(s, 0.0))[:TOP_SCRIPTS]
    series = [ScriptSeries(s, core.get(s, 0.0), by_script[s]) for s in top]
    return ReportData(days, tally.jobs, tally.totals(), rows, series, waits, sum(waits))
