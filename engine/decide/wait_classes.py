"""Queue waits of similar jobs: the cluster's wait record grouped into classes, with empirical quantiles.

A job's class is its partition, whether it asks for GPUs, a CPU bin, a time-limit bin, its QOS and the queue
pressure when it was submitted (pending jobs in its partition). The bins (``CPU_BINS``, ``LIMIT_BINS``,
``QUEUE_BINS``) are printed with every estimate. The estimate takes the finest class that holds enough recent
waits for the QBETS bound on the 0.9 quantile (29 at 95 %, see ``wait_stats``), backing off through coarser
classes (``LEVELS``) when it does not; when even the partition has fewer, the evidence is called thin and the
p90 widened to twice the largest wait seen (at least 5 waits are needed for any estimate: the median's bound).
Recent waits weigh more (half-life ``half_life_s``), so a queue that just filled or drained moves the estimate;
the queue-pressure bin brings in the live queue. Memory is bounded: at most ``max_per_class`` waits per class.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field

from asba.decide.wait_stats import min_samples, upper_bound_rank, weighted_quantiles

CPU_BINS = (1, 4, 16, 64, 256)  # upper edges: 1, 2-4, 5-16, 17-64, 65-256, >256 CPUs
LIMIT_BINS = (3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600)  # <=1 h, <=4 h, <=12 h, <=1 d, <=3 d, >3 d
QUEUE_BINS = (0, 9, 99, 999)  # pending jobs in the partition at submission: 0, 1-9, 10-99, 100-999, >=1000
LEVELS: tuple[tuple[str, ...], ...] = (
    ("partition", "gpu", "cpus", "limit", "qos", "queue"),
    ("partition", "gpu", "cpus", "limit", "queue"),
    ("partition", "gpu", "limit", "queue"),
    ("partition", "queue"),
    ("partition", "gpu", "cpus", "limit"),
    ("partition",),
)
CONFIDENCE = 0.95
NEEDED = min_samples(0.9, CONFIDENCE)  # 29
THIN_MIN = min_samples(0.5, CONFIDENCE)  # 5
THIN_WIDEN = 2.0


def _bin(value: float | None, edges: tuple[float, ...]) -> int | None:
    if value is None:
        return None
    for i, edge in enumerate(edges):
        if value <= edge:
            return i
    return len(edges)


def bins_text() -> str:
    return ("classes: partition x GPU or not x CPUs (1, 2-4, 5-16, 17-64, 65-256, >256) x time limit "
            "(<=1 h, <=4 h, <=12 h, <=1 d, <=3 d, >3 d) x QOS x pending jobs in the partition at submission "
            "(0, 1-9, 10-99, 100-999, >=1000)")


@dataclass(frozen=True)
class JobClass:
    """The features of one job that decide its class; None where unknown (that level is skipped)."""

    partition: str
    cpus: int | None = None
    gpus: int | None = None
    limit_s: float | None = None
    qos: str | None = None
    queue_ahead: int | None = None

    def key(self, level: tuple[str, ...]) -> tuple | None:
        values = {"partition": self.partition, "gpu": None if self.gpus is None else self.gpus > 0,
                  "cpus": _bin(self.cpus, CPU_BINS), "limit": _bin(self.limit_s, LIMIT_BINS), "qos": self.qos,
                  "queue": _bin(self.queue_ahead, QUEUE_BINS)}
        picked = tuple(values[name] for name in level)
        return None if any(v is None for v in picked) else picked

    def describe(self, level: tuple[str, ...]) -> str:
        parts = {"partition": f"partition {self.partition}",
                 "gpu": "GPU jobs" if (self.gpus or 0) > 0 else "CPU-only jobs",
                 "cpus": f"CPU bin {_label(self.cpus, CPU_BINS)}",
                 "limit": f"limit bin {_label(self.limit_s, LIMIT_BINS, hours=True)}",
                 "qos": f"QOS {self.qos}",
                 "queue": f"{_label(self.queue_ahead, QUEUE_BINS)} jobs pending at submission"}
        return ", ".join(parts[name] for name in level)


def _label(value: float | None, edges: tuple[float, ...], hours: bool = False) -> str:
    """The bin of ``value`` as printed in bins_text (CPU and queue bins are whole numbers)."""
    i = _bin(value, edges)
    if i is None:
        return "?"
    if hours:
        low_h = f"{edges[i - 1] / 3600:g}" if i > 0 else ""
        return f">{edges[-1] / 3600:g} h" if i == len(edges) else (
            f"{low_h}-{edges[i] / 3600:g} h" if low_h else f"<={edges[0] / 3600:g} h")
    if i == len(edges):
        return f">{edges[-1]:g}"
    low = edges[i - 1] + 1 if i > 0 else (edges[0] if edges[0] <= 1 else 0)
    return f"{low:g}" if low == edges[i] else f"{low:g}-{edges[i]:g}"


@dataclass
class RecordEstimate:
    p10_s: float
    p50_s: float
    p90_s: float
    evidence: int  # waits used
    class_label: str
    thin: bool
    p90_bound_s: float | None  # QBETS: the 0.9 quantile is below this with 95 % confidence (None: too few)
    window_s: float

    def detail(self) -> str:
        days = self.window_s / 86400
        thin = (f"; thin evidence (<{NEEDED} waits): p90 widened to {THIN_WIDEN:g}x the largest" if self.thin
                else "")
        bound = f"; p90 <= {self.p90_bound_s:.0f} s at 95 % (QBETS)" if self.p90_bound_s is not None else ""
        return f"{self.evidence} waits of the last {days:g} d, {self.class_label}{bound}{thin}"


@dataclass
class WaitRecordModel:
    """Waits become known when jobs start (``add``); ``estimate`` uses only those known by ``now``."""

    window_s: float = 14 * 86400.0
    half_life_s: float = 7 * 86400.0  # 2 d and 12 h did worse on the Cedar backtest (wait_backtest.md)
    max_per_class: int = 400
    _classes: dict[tuple, deque] = field(default_factory=dict)

    def add(self, job: JobClass, known_at: float, wait_s: float) -> None:
        for i, level in enumerate(LEVELS):
            key = job.key(level)
            if key is None:
                continue
            bucket = self._classes.setdefault((i, key), deque(maxlen=self.max_per_class))
            bucket.append((known_at, max(0.0, wait_s)))

    def estimate(self, job: JobClass, now: float) -> RecordEstimate | None:
        best: tuple[int, list[tuple[float, float]]] | None = None
        for i, level in enumerate(LEVELS):
            key = job.key(level)
            samples = self._recent((i, key), now) if key is not None else []
            if len(samples) >= NEEDED:
                return self._quantiles(job, i, samples, now, thin=False)
            if best is None or len(samples) > len(best[1]):
                best = (i, samples)
        if best is None or len(best[1]) < THIN_MIN:
            return None
        return self._quantiles(job, best[0], best[1], now, thin=True)

    def _recent(self, key: tuple, now: float) -> list[tuple[float, float]]:
        bucket = self._classes.get(key)
        if not bucket:
            return []
        start = now - self.window_s
        return [(t, w) for t, w in bucket if start <= t <= now]

    def _quantiles(self, job: JobClass, level: int, samples: list[tuple[float, float]], now: float,
                   thin: bool) -> RecordEstimate:
        waits = [w for _, w in samples]
        weights = [0.5 ** (max(0.0, now - t) / self.half_life_s) for t, _ in samples]
        p10, p50, p90 = weighted_quantiles(waits, weights, (0.1, 0.5, 0.9))
        rank = upper_bound_rank(len(waits), 0.9, CONFIDENCE)
        bound = heapq.nsmallest(rank, waits)[-1] if rank else None
        if thin:
            p90 = max(p90, THIN_WIDEN * max(waits))
        label = job.describe(LEVELS[level])
        return RecordEstimate(p10, p50, p90, len(waits), label, thin, bound, self.window_s)

