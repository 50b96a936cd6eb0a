"""The statistics behind the wait estimate, as pure functions: weighted quantiles, the QBETS binomial bound and
split-conformal offsets on log-wait residuals.

* **QBETS bound** (Nurmi, Brevik and Wolski, "QBETS: queue bounds estimation from time series", JSSPP 2007):
  among ``n`` independent waits the ``k``-th smallest is an upper bound on the ``q`` quantile with confidence
  ``C`` when ``P(Binomial(n, q) <= k - 1) >= C``. The largest of ``n`` already bounds it when ``1 - q^n >= C``,
  so a bound needs ``n >= ln(1 - C) / ln q`` samples: 29 for the 0.9 quantile at 95 %, 5 for the median.
* **Split conformal** (Vovk et al.; Romano, Patterson and Candès 2019 for quantiles): the residuals of a
  predictor on data it was not fitted to give, at rank ``ceil((n + 1) q)``, an offset that makes the corrected
  quantile hold with probability at least ``q`` on exchangeable data. Residuals here are
  ``log(real + 60) - log(predicted + 60)``: waits span seconds to days, and 60 s keeps "at once" finite.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

LOG_FLOOR_S = 60.0  # added before taking logs: a wait of 0 s and one of 30 s are both "at once"


def min_samples(q: float, confidence: float = 0.95) -> int:
    """Fewest samples for which the largest one bounds the ``q`` quantile with ``confidence``."""
    if not 0 < q < 1 or not 0 < confidence < 1:
        raise ValueError("q and confidence must be in (0, 1)")
    return math.ceil(math.log(1 - confidence) / math.log(q) - 1e-12)


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(Binomial(n, p) <= k), summed in log space (n up to tens of thousands without overflow)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    total = 0.0
    for i in range(k + 1):
        log_term = math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
        total += math.exp(log_term)
    return min(1.0, total)


@functools.lru_cache(maxsize=4096)
def upper_bound_rank(n: int, q: float, confidence: float = 0.95) -> int | None:
    """The 1-based rank ``k`` of the smallest order statistic that bounds the ``q`` quantile from above with
    ``confidence``, or None when ``n`` samples are too few (``n < min_samples(q, confidence)``). Cached: it
    depends only on its arguments, and the backtest asks it for every job."""
    if n < min_samples(q, confidence):
        return None
    low, high = 1, n  # binomial_cdf(k - 1, n, q) grows with k; find the first k that reaches the confidence
    while low < high:
        mid = (low + high) // 2
        if binomial_cdf(mid - 1, n, q) >= confidence:
            high = mid
        else:
            low = mid + 1
    return low


def weighted_quantile(values: Sequence[float], weights: Sequence[float], q: float) -> float:
    """The smallest value whose cumulative weight reaches ``q`` of the total (a step function, like sorted
    samples). Equal weights give the ``ceil(q n)``-th smallest value."""
    if not values:
        raise ValueError("no values")
    pairs = sorted(zip(values, weights))
    total = sum(w for _, w in pairs)
    target, running = q * total, 0.0
    for value, weight in pairs:
        running += weight
        if running >= target - 1e-12 * total:
            return value
    return pairs[-1][0]


def weighted_quantiles(values: Sequence[float], weights: Sequence[float], qs: Sequence[float]) -> list[float]:
    """``weighted_quantile`` at each of ``qs`` (ascending), sorting the window once."""
    if not values:
        raise ValueError("no values")
    pairs = sorted(zip(values, weights))
    total = sum(w for _, w in pairs)
    out, running, k = [], 0.0, 0
    for q in qs:
        target = q * total - 1e-12 * total
        while k < len(pairs) - 1 and running + pairs[k][1] < target:
            running += pairs[k][1]
            k += 1
        out.append(pairs[k][0])
    return out


def log_residual(real_s: float, predicted_s: float) -> float:
    return math.log(max(real_s, 0.0) + LOG_FLOOR_S) - math.log(max(predicted_s, 0.0) + LOG_FLOOR_S)


def scale(predicted_s: float, offset: float) -> float:
    """Apply a log-residual offset to a predicted wait (inverse of ``log_residual``)."""
    return max(0.0, (max(predicted_s, 0.0) + LOG_FLOOR_S) * math.exp(offset) - LOG_FLOOR_S)


def conformal_offset(residuals: Sequence[float], q: float, presorted: bool = False) -> float | None:
    """Split-conformal offset for the ``q`` quantile: the ``ceil((n + 1) q)``-th smallest residual (the
    ``floor((n + 1) q)``-th for a lower quantile, q < 0.5). None when there are too few residuals to reach that
    rank (it would be +-infinity)."""
    n = len(residuals)
    if n == 0:
        return None
    ordered = residuals if presorted else sorted(residuals)
    rank = math.ceil((n + 1) * q) if q >= 0.5 else math.floor((n + 1) * q)
    if rank < 1 or rank > n:
        return None
    return ordered[rank - 1]
