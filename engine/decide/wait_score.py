"""Scores of wait predictions against real waits, overall and per partition.

Per method and group: jobs, jobs estimated, coverage of [p10, p90] with the share below p10 and above p90 (a
wait under 5 minutes counts as 5 minutes there, on both sides: asba says "starts almost at once" for all of
them, so 3 s against a p90 of 1 s is not a miss), the
median absolute error of p50, the share of p50 within 2x of the real wait (both under 5 minutes counts as
within: "starts almost at once" is right then), and the mean log2 width of the interval, log2((p90 + 60 s) /
(p10 + 60 s)): a wide interval must not pass for a good one. Beside these, the proper scores of
``wait_proper`` (pinball loss, PIT histogram, Brier score at the break-even wait).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from asba.decide.wait_km import Curve
from asba.decide.wait_proper import STRATA, ProperTally, from_quantiles

AT_ONCE_S = 300.0
OVERALL = "(all)"


@dataclass
class Tally:
    jobs: int = 0
    inside: int = 0
    below: int = 0
    above: int = 0
    within_2x: int = 0
    log2_width: float = 0.0
    errors: list[float] = field(default_factory=list)

    def add(self, real: float, q: tuple[float, float, float] | None) -> None:
        self.jobs += 1
        if q is None:
            return
        p10, p50, p90 = q
        low, high, seen = max(p10, AT_ONCE_S), max(p90, AT_ONCE_S), max(real, AT_ONCE_S)  # < 5 min: "at once"
        self.below += seen < low
        self.above += seen > high
        self.inside += low <= seen <= high
        self.errors.append(abs(p50 - real))
        both_soon = real < AT_ONCE_S and p50 < AT_ONCE_S
        self.within_2x += both_soon or (p50 > 0 and real > 0 and 0.5 <= p50 / real <= 2.0)
        self.log2_width += math.log2((p90 + 60.0) / (p10 + 60.0))

    def as_dict(self) -> dict:
        n = len(self.errors)

        def share(k: int) -> float | None:
            return round(k / n, 4) if n else None

        return {"jobs": self.jobs, "estimated": n, "coverage": share(self.inside), "below_p10": share(self.below),
                "above_p90": share(self.above),
                "median_abs_error_s": round(statistics.median(self.errors), 1) if n else None,
                "p50_within_2x": share(self.within_2x),
                "mean_log2_width": round(self.log2_width / n, 3) if n else None}


@dataclass
class Scoreboard:
    tallies: dict[tuple[str, str], Tally] = field(default_factory=dict)
    proper: dict[tuple[str, str], ProperTally] = field(default_factory=dict)
    real_waits: list[float] = field(default_factory=list)
    out_of_order: int = 0

    def add(self, method: str, partition: str, real: float, q: tuple[float, float, float] | None,
            curve: Curve | None = None, stratum: str = "complete", break_even_s: float | None = None) -> None:
        """``curve``: the forecast's CDF, already conditioned on the truncation point where there is one (else
        one is drawn through ``q``); ``stratum``: the truncation stratum (``wait_proper.stratum``)."""
        if method == "asba":
            self.real_waits.append(real)
        groups = (OVERALL, partition) if stratum == "complete" else (OVERALL, partition, f"truncation {stratum}")
        if q is not None and curve is None:
            curve = from_quantiles(q)
        for group in groups:
            self.tallies.setdefault((method, group), Tally()).add(real, q)
            if q is not None and curve is not None:
                self.proper.setdefault((method, group), ProperTally()).add(real, curve, q, break_even_s)

    def groups(self) -> list[str]:
        """Overall, the truncation strata (snapshot traces) in order, then the partitions by size."""
        strata = [f"truncation {label}" for _, label in STRATA]
        names = sorted({g for _, g in self.tallies if g != OVERALL and g not in strata},
                       key=lambda g: (-self._jobs(g), g))
        return [OVERALL, *[g for g in strata if ("asba", g) in self.tallies], *names]

    def _jobs(self, group: str) -> int:
        tally = self.tallies.get(("asba", group))
        return tally.jobs if tally else 0

    def as_dict(self) -> dict:
        out: dict[str, dict] = {}
        for (method, group), tally in self.tallies.items():
            proper = self.proper.get((method, group))
            out.setdefault(group, {})[method] = {**tally.as_dict(), **(proper or ProperTally()).as_dict()}
        median = statistics.median(self.real_waits) if self.real_waits else None
        return {"real_wait_median_s": median, "out_of_order_skipped": self.out_of_order,
                "groups": {g: out[g] for g in self.groups() if g in out}}
