"""Queue waits learned correctly from incomplete data: a product-limit (Kaplan-Meier) estimate per job class.

Each job submitted in the window is one observation of its class, whether or not it has started:

* started by ``now``: an event at its wait (Submit->Start);
* still pending at ``now`` (live squeue, a sacct row with no Start, the end of a trace): right-censored at
  ``now - submit`` (it has waited at least that long);
* a row of a snapshot trace (present only because it was still pending at the poll): it enters the risk set at
  its truncation point ``poll - submit + lag`` (delayed entry; Tsai, Jewell and Wang, "Estimation of the survival
  function with truncated data", Biometrika 74, 1987). Without this, the record would learn only survivors' waits.

The estimate is a survival curve on a fixed grid of waits (``GRID``). A class's curve is shrunk toward its parent
class's (``CHAIN``: the cluster, the partition, then the queue pressure, then GPU / limit, then CPUs, then QOS) with
the weight ``n / (n + prior)``, ``n`` being the class's observations: a thin class leans on its parent, a rich one
on itself. Beyond a class's longest observed time (where its censored jobs leave the curve open) its remaining
mass follows the parent's shape there.
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
    (),  # the whole cluster
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
    left: float | None = None  # left the queue without starting (cancelled while pending): censored there
    keys: tuple = ()  # the classes it belongs to (their cached curves are dropped when it starts)

    def at(self, now: float) -> tuple[float, bool] | None:
        """(time, started) as known at ``now``; None when submitted after ``now``."""
        if self.submit > now:
            return None
        if self.start is not None and self.start <= now:
            return max(0.0, self.start - self.submit), True
        if self.left is not None and self.left <= now:
            return max(0.0, self.left - self.submit), False
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
    ordered = sorted(points, key=lambda p: p[1])
    if not any(p[2] for p in ordered):
        return None
    entries = sorted((p[0], p[3]) for p in ordered if p[0] >= 0)  # delayed entries only; the rest are in from 0
    at_risk = sum(p[3] for p in ordered if p[0] < 0)
    surv, cdf, events, i, e, n = 1.0, [], 0, 0, 0, len(ordered)
    for g in GRID:
        while i < n and ordered[i][1] <= g:
            t, died, gone = ordered[i][1], 0.0, 0.0
            while e < len(entries) and entries[e][0] < t:
                at_risk += entries[e][1]
                e += 1
            while i < n and ordered[i][1] == t:
                _, _, event, weight = ordered[i]
                died += weight if event else 0.0
                events += event
                gone += weight
                i += 1
            if died and at_risk > 0:
                surv *= max(0.0, 1.0 - died / at_risk)
            at_risk -= gone
        cdf.append(1.0 - surv)
    return cdf, events


def empirical(values: Sequence[float]) -> list[float]:
    """The empirical CDF of complete waits on ``GRID``."""
    ordered, n = sorted(values), len(values)
    return [bisect.bisect_right(ordered, g) / n for g in GRID]


def _tail_like(cdf: list[float], last_s: float, parent: list[float]) -> list[float]:
    """Beyond ``last_s`` (the class's longest observed time) its open survival mass follows the parent's shape:
    S(t) = S(last) x S_parent(t) / S_parent(last)."""
    i = bisect.bisect_right(GRID, last_s) - 1
    if i < 0 or cdf[-1] >= 1.0 - 1e-12:
        return cdf
    surv, parent_surv = 1.0 - cdf[i], 1.0 - parent[i]
    if parent_surv <= 1e-12:
        return cdf[: i + 1] + [1.0] * (len(cdf) - i - 1)
    return cdf[: i + 1] + [1.0 - surv * (1.0 - p) / parent_surv for p in parent[i + 1:]]


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
    # recency weights (None: every observation weighs 1). 2 d: the lowest pinball loss on the first half of the
    # wagap trace among none / 2 d and priors 5 / 20, windows 7 / 14 / 30 d (benchmarks/results/wait_backtest_notes.md)
    half_life_s: float | None = 2 * 86400.0
    prior: float = 20.0  # shrinkage toward the parent class: weight n / (n + prior)
    max_per_class: int = 300
    # a class's curve is reused for up to this long while none of its jobs starts: the jobs submitted meanwhile
    # are censored at under refresh_s, which moves the curve only below that (0: recompute every time)
    refresh_s: float = 600.0
    _classes: dict[tuple, deque] = field(default_factory=dict)
    _cache: dict[tuple, tuple[float, tuple[list[float], int, int, float] | None]] = field(default_factory=dict)

    def submitted(self, job: JobClass, submit: float, entry_s: float = -1.0) -> Obs:
        keys = tuple((i, key) for i, level in enumerate(CHAIN) if (key := job.key(level)) is not None)
        obs = Obs(submit, entry_s, keys=keys)
        for key in keys:
            self._classes.setdefault(key, deque(maxlen=self.max_per_class)).append(obs)
        return obs

    def started(self, obs: Obs, start: float) -> None:
        """The job was seen to start (call no earlier than ``start``)."""
        obs.start = start
        for key in obs.keys:
            self._cache.pop(key, None)

    def cancelled(self, obs: Obs, at: float) -> None:
        """The job left the queue without starting (call no earlier than ``at``): censored at ``at - submit``."""
        obs.left = at

    def estimate(self, job: JobClass, now: float) -> Curve | None:
        curve: Curve | None = None
        for i, level in enumerate(CHAIN):
            key = job.key(level)
            if key is None:
                continue
            found = self._cached_curve((i, key), now)
            if found is None:
                continue
            cdf, n, events, last = found
            if curve is None:
                if events < MIN_EVENTS:
                    return None
                curve = Curve(cdf, n, job.describe(level) or "all partitions")
                continue
            cdf = _tail_like(cdf, last, curve.cdf)
            share = n / (n + self.prior)
            mixed = [share * c + (1 - share) * p for c, p in zip(cdf, curve.cdf)]
            curve = Curve(mixed, n, job.describe(level))
        return curve

    def _cached_curve(self, key: tuple, now: float) -> tuple[list[float], int, int, float] | None:
        cached = self._cache.get(key)
        if cached is not None and 0 <= now - cached[0] <= self.refresh_s:
            return cached[1]
        found = self._class_curve(key, now)
        self._cache[key] = (now, found)
        return found

    def _class_curve(self, key: tuple, now: float) -> tuple[list[float], int, int, float] | None:
        """The class's product-limit CDF at ``now``, its observations, its events and its longest observed time
        (None: no event)."""
        bucket = self._classes.get(key)
        if not bucket:
            return None
        start, points, half = now - self.window_s, [], self.half_life_s
        for obs in reversed(bucket):
            if obs.submit < start:
                break
            seen_at = obs.at(now)
            if seen_at is None:
                continue
            seen, started = seen_at
            if seen <= obs.entry_s:
                continue  # not yet past its truncation point: not in the data at now
            weight = 1.0 if half is None else 0.5 ** ((now - obs.submit) / half)
            points.append((obs.entry_s, seen, started, weight))
        found = product_limit(points)
        return None if found is None else (found[0], len(points), found[1], max(p[1] for p in points))
