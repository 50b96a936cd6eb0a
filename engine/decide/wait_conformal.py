"""Split-conformal calibration of the queue replay: its past errors on this cluster scale its quantiles.

The replay (``wait.queue_model_quantiles``) predicts a p50; once a job has started, the log residual of its real
wait against that p50 is kept (per partition, the most recent ``max_residuals``). A new prediction's p10/p50/p90
are the replay's p50 moved by the conformal offsets of those residuals at 0.1/0.5/0.9 (``wait_stats``): an
interval that held about 80 % of this cluster's recent waits around the replay's own answer. With fewer than
``min_residuals`` residuals on the partition, those of the whole cluster are used; with fewer still, none.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from asba.decide.wait_stats import conformal_offset, log_residual, scale

ALL = "*"


@dataclass
class ReplayCalibrator:
    max_residuals: int = 2000
    min_residuals: int = 29  # the same floor as the record's 0.9 quantile bound
    per_partition: bool = True  # False: the whole cluster's residuals only
    _residuals: dict[str, deque] = field(default_factory=dict)

    def add(self, partition: str, real_s: float, replay_p50_s: float) -> None:
        residual = log_residual(real_s, replay_p50_s)
        for key in (partition, ALL):
            self._residuals.setdefault(key, deque(maxlen=self.max_residuals)).append(residual)

    def evidence(self, partition: str) -> tuple[str, int]:
        for key in ((partition, ALL) if self.per_partition else (ALL,)):
            n = len(self._residuals.get(key, ()))
            if n >= self.min_residuals:
                return key, n
        return "", 0

    def calibrate(self, partition: str, replay_p50_s: float) -> tuple[float, float, float] | None:
        key, n = self.evidence(partition)
        if not n:
            return None
        residuals = sorted(self._residuals[key])
        offsets = [conformal_offset(residuals, q, presorted=True) for q in (0.1, 0.5, 0.9)]
        if any(o is None for o in offsets):
            return None
        low, mid, high = (scale(replay_p50_s, o) for o in offsets if o is not None)
        return low, mid, high
