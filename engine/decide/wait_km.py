"""Queue waits learned correctly from incomplete data: a product-limit (Kaplan-Meier) estimate per job class.

Each job submitted in the window is one observation of its class, whether or not it has started:

* started by ``now``: an event at its wait (Submit->Start);
* still pending at ``now`` (live squeue, a sacct row with no Start, the end of a trace): right-censored at
  ``now - submit`` (it has waited at least that long);
* a row of a snapshot trace (present only because it was still pending at the poll): it enters the risk set at
  its truncation point ``poll - submit + lag`` (delayed entry; Tsai, Jewell and Wang, "Estimation of the survival
  function with truncated data", Biometrika 74, 1987). Without this, the record would learn only survivors' waits.

The estimate is a survival curve on a fixed grid of waits (``GRID``). A class's curve is shrunk toward its parent
class's (``CHAIN``: partition, then the queue pressure, then GPU / limit, then CPUs, then QOS) with the weight
``n / (n + prior)``, ``n`` being the class's observations: a thin class leans on its parent, a rich one on itself.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from asba.decide.wait_classes import JobClass

# the wait grid (s): 0, then log-spaced from 10 s to 60 days (the CDF is read here and interpolated in log(w + 60))
GRID: tuple[float, ...] = (0.0, *(10.0 * (60 * 86400 / 10.0) ** (i / 62) for i in range(63)))
LOG_GRID: tuple[float, ...] = tuple(math.log(g + 60.0) for g in GRID)
# nested classes, coarsest first: each is its predecessor plus features
CHAIN: tuple[tuple[str, ...], ...] = (
    ("partition",),
    ("partition", "queue"),
    ("partition", "gpu", "limit", "queue"),
    ("partition", "gpu", "cpus", "limit", "queue"),
    ("partition", "gpu", "cpus", "limit", "qos", "queue"),
)
MIN_EVENTS = 5  # fewer started waits than this in the partition: no estimate (the median's QBETS floor)


@dataclass
class Obs:
    """One submitted job: ``start`` is set when (and only when) the job is seen to start."""

    submit: float
    entry_s: float  # delayed entry: the wait it is known to exceed on entering the data (-1: none)
    start: float | None = None

    def at(self, now: float) -> tuple[float, bool] | None:
        """(time, started) as known at ``now``; None when submitted after ``now``."""
        if self.submit > now:
            return None
        if self.start is not None and self.start <= now:
            return max(0.0, self.start - self.submit), True
        return now - self.submit, False


@dataclass
class Curve:
    """A wait distribution on ``GRID``: ``cdf[i]`` = P(wait <= GRID[i])."""

    cdf: list[float]
    evidence: int
    label: str = ""
    floor_s: float = -1.0  # conditioned on wait > floor_s (given_above): no mass at or below it


    def prob_le(self, wait_s: float) -> float:
        """P(wait <= wait_s), linear in log(w + 60) between grid points."""
        if wait_s <= self.floor_s:
            return 0.0
        x = math.log(max(wait_s, 0.0) + 60.0)
        i = bisect.bisect_right(LOG_GRID, x)
        if i == 0:
            return self.cdf[0]
        if i >= len(GRID):
            return self.cdf[-1]
        frac = (x - LOG_GRID[i - 1]) / (LOG_GRID[i] - LOG_GRID[i - 1])
        return self.cdf[i - 1] + frac * (self.cdf[i] - self.cdf[i - 1])

    def quantile(self, q: float) -> float:
        """The smallest wait with P(wait <= w) >= q (log-interpolated); the grid's end when never reached."""
        i = bisect.bisect_left(self.cdf, q - 1e-12)
        if i == 0:
            return max(GRID[0], self.floor_s)
        if i >= len(GRID):
            return GRID[-1]
        low, high = self.cdf[i - 1], self.cdf[i]
        frac = 0.0 if high <= low else (q - low) / (high - low)
        value = math.exp(LOG_GRID[i - 1] + frac * (LOG_GRID[i] - LOG_GRID[i - 1])) - 60.0
        return max(0.0, value, self.floor_s)

    def given_above(self, low_s: float) -> Curve:
        """The distribution conditioned on wait > ``low_s`` (how a snapshot row must be scored)."""
        base = self.prob_le(low_s)
        if base >= 1.0 - 1e-9:  # the forecast said it would have started by then: all mass just above low_s
            return Curve([0.0 if g <= low_s else 1.0 for g in GRID], self.evidence, self.label, low_s)
        cdf = [0.0 if g <= low_s else max(0.0, (c - base) / (1.0 - base)) for g, c in zip(GRID, self.cdf)]
        return Curve(_monotone(cdf), self.evidence, self.label, low_s)

    def quantiles(self) -> tuple[float, float, float]:
        return self.quantile(0.1), self.quantile(0.5), self.quantile(0.9)


def product_limit(points: Sequence[tuple[float, float, bool, float]]) -> tuple[list[float], int] | None:
    """Kaplan-Meier CDF on ``GRID`` from (entry, time, event, weight) with delayed entry and right censoring; and
    the number of events. At risk at t: entered before t and not yet out (entry < t <= time). None: no event."""
    events = sorted((t, w) for _, t, ev, w in points if ev)
    if not events:
        return None
    entries = sorted(e for e, _, _, _ in points)
    entry_w = _prefix(sorted((e, w) for e, _, _, w in points))
    exit_w = _prefix(sorted((t, w) for _, t, _, w in points))
    exits = sorted(t for _, t, _, _ in points)
    surv, cdf, k = 1.0, [], 0
    for g in GRID:
        while k < len(events) and events[k][0] <= g:
            t = events[k][0]
            died = 0.0
            while k < len(events) and events[k][0] == t:
                died += events[k][1]
                k += 1
            at_risk = entry_w[bisect.bisect_left(entries, t)] - exit_w[bisect.bisect_left(exits, t)]
            if at_risk > 0:
                surv *= max(0.0, 1.0 - died / at_risk)
        cdf.append(1.0 - surv)
    return cdf, len(events)


def _prefix(pairs: list[tuple[float, float]]) -> list[float]:
    out, total = [0.0], 0.0
    for _, w in pairs:
        total += w
        out.append(total)
    return out


def _monotone(cdf: list[float]) -> list[float]:
    out, top = [], 0.0
    for c in cdf:
        top = min(1.0, max(top, c))
        out.append(top)
    return out


@dataclass
class KaplanMeierRecord:
    """Per-class observations of submitted jobs; ``estimate`` reads only what was known at ``now``."""

    window_s: float = 14 * 86400.0
    half_life_s: float | None = None  # recency weights (None: every observation of the window weighs 1)
    prior: float = 20.0  # shrinkage toward the parent class: weight n / (n + prior)
    max_per_class: int = 300
    _classes: dict[tuple, deque] = field(default_factory=dict)

    def submitted(self, job: JobClass, submit: float, entry_s: float = -1.0) -> Obs:
        obs = Obs(submit, entry_s)
        for i, level in enumerate(CHAIN):
            key = job.key(level)
            if key is not None:
                self._classes.setdefault((i, key), deque(maxlen=self.max_per_class)).append(obs)
        return obs

    def estimate(self, job: JobClass, now: float) -> Curve | None:
        curve: Curve | None = None
        for i, level in enumerate(CHAIN):
            key = job.key(level)
            if key is None:
                continue
            found = self._class_curve((i, key), now)
            if found is None:
                continue
            cdf, n = found
            if curve is None:
                if n < MIN_EVENTS:
                    return None
                curve = Curve(cdf, n, job.describe(level))
                continue
            share = n / (n + self.prior)
            mixed = [share * c + (1 - share) * p for c, p in zip(cdf, curve.cdf)]
            curve = Curve(mixed, n, job.describe(level))
        return curve

    def _class_curve(self, key: tuple, now: float) -> tuple[list[float], int] | None:
        bucket = self._classes.get(key)
        if not bucket:
            return None
        start, points = now - self.window_s, []
        for obs in reversed(bucket):
            if obs.submit < start:
                break
            seen = obs.at(now)
            if seen is None or seen[0] <= obs.entry_s:
                continue  # not yet submitted, or not yet past its truncation point: not in the data at now
            weight = 1.0 if self.half_life_s is None else 0.5 ** ((now - obs.submit) / self.half_life_s)
            points.append((obs.entry_s, seen[0], seen[1], weight))
        found = product_limit(points)
        return None if found is None else (found[0], len(points))
