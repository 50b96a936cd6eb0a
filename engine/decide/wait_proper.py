"""Proper scores of wait forecasts, beside coverage: the pinball (quantile) loss on log(wait + 60 s) over
p10/p50/p90, a PIT histogram, and the Brier score of P(wait > the job's break-even wait), the event that
decides the platform. Snapshot rows are scored on the forecast conditioned on the truncation point (wait > L),
per stratum of L (``STRATA``).

Every forecast is a ``Curve`` (a CDF on the wait grid): the product-limit estimate directly, a sample's empirical
CDF, or, for methods that give only p10/p50/p90, a CDF linear in log(w + 60) through those three points with
tails as wide as the nearest half-interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from asba.decide.wait_km import LOG_GRID, Curve

QUANTILES = (0.1, 0.5, 0.9)
PIT_BINS = 10
STRATA = ((15 * 60.0, "<=15 min"), (2 * 3600.0, "15 min-2 h"), (6 * 3600.0, "2-6 h"), (math.inf, ">6 h"))


def stratum(truncation_s: float | None) -> str:
    if truncation_s is None:
        return "complete"
    return next(label for edge, label in STRATA if truncation_s <= edge)


def from_quantiles(q: tuple[float, float, float]) -> Curve:
    """A CDF through (p10, 0.1), (p50, 0.5), (p90, 0.9), linear in log(w + 60), with linear tails."""
    x10, x50, x90 = (math.log(max(v, 0.0) + 60.0) for v in q)
    x50, x90 = max(x50, x10 + 1e-3), max(x90, x50 + 2e-3)
    knots = [(x10 - max(x50 - x10, 0.05) / 4, 0.0), (x10, 0.1), (x50, 0.5), (x90, 0.9),
             (x90 + max(x90 - x50, 0.05) / 4, 1.0)]
    cdf, k = [], 0
    for x in LOG_GRID:  # ascending: walk the knots once
        while k < len(knots) and knots[k][0] < x:
            k += 1
        if k == 0:
            cdf.append(0.0)
        elif k == len(knots):
            cdf.append(1.0)
        else:
            (x0, y0), (x1, y1) = knots[k - 1], knots[k]
            cdf.append(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return Curve(cdf, 0)


def pinball(real_s: float, q: tuple[float, float, float]) -> float:
    """Mean pinball loss over p10/p50/p90 on log(w + 60)."""
    y = math.log(max(real_s, 0.0) + 60.0)
    total = 0.0
    for level, value in zip(QUANTILES, q):
        diff = y - math.log(max(value, 0.0) + 60.0)
        total += max(level * diff, (level - 1) * diff)
    return total / len(QUANTILES)


@dataclass
class ProperTally:
    jobs: int = 0
    pinball: float = 0.0
    pit: list[int] = field(default_factory=lambda: [0] * PIT_BINS)
    brier: float = 0.0
    brier_jobs: int = 0
    exceed: int = 0

    def add(self, real_s: float, curve: Curve, q: tuple[float, float, float], break_even_s: float | None) -> None:
        self.jobs += 1
        self.pinball += pinball(real_s, q)
        # mid-PIT where the forecast has an atom at 0 s (a wait of 0 s: halfway up the atom, not at its top)
        u = curve.prob_le(real_s) / 2 if real_s <= 0 else curve.prob_le(real_s)
        self.pit[min(PIT_BINS - 1, int(u * PIT_BINS))] += 1
        if break_even_s is not None:
            p = 1.0 - curve.prob_le(break_even_s)
            happened = real_s > break_even_s
            self.brier += (p - happened) ** 2
            self.brier_jobs += 1
            self.exceed += happened

    def as_dict(self) -> dict:
        n = self.jobs
        return {"pinball_log": round(self.pinball / n, 4) if n else None,
                "pit_histogram": [round(k / n, 4) for k in self.pit] if n else None,
                "brier_break_even": round(self.brier / self.brier_jobs, 4) if self.brier_jobs else None,
                "brier_jobs": self.brier_jobs,
                "share_above_break_even": round(self.exceed / self.brier_jobs, 4) if self.brier_jobs else None}
