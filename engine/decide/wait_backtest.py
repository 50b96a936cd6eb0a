"""Replay wait traces in time order and score each method against the real waits (``asba cluster backtest``).

For each job, in submit order: every job that had started by its submit time has taught the models its wait
(the wait record, the replay's calibration, the naive baseline), nothing later has; then each method predicts
p10/p50/p90 and is scored against the job's real Submit->Start wait.

Methods: ``asba`` (the wait record of similar jobs, combined with the conformal-calibrated replay where the trace
has queue columns), ``replay`` (the queue replay uncalibrated: asba's estimate before the wait record),
``slurm`` (SLURM's own estimate, where the trace has one) and ``naive`` (p10/p50/p90 of the last 200 waits on the
job's partition, no classes, no weights).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from asba.decide.wait import DEFAULT_RUNTIME_RATIO, queue_model_quantiles
from asba.decide.wait_classes import JobClass, WaitRecordModel
from asba.decide.wait_conformal import ReplayCalibrator
from asba.decide.wait_score import Scoreboard
from asba.decide.wait_stats import weighted_quantile
from asba.inputs.wait_traces import TraceJob

NAIVE_WINDOW = 200
REPLAY_CHUNKS = 100
Quantiles = tuple[float, float, float]


@dataclass
class Combiner:
    """How the record and the calibrated replay are joined: a weighted mean of log waits per quantile."""

    record_weight: float = 1.0
    replay_weight: float = 1.0

    def join(self, record: Quantiles | None, replay: Quantiles | None) -> Quantiles | None:
        parts = [(q, w) for q, w in ((record, self.record_weight), (replay, self.replay_weight))
                 if q is not None and w > 0]
        if not parts:
            return None
        total = sum(w for _, w in parts)
        out = [math.exp(sum(w * math.log(q[i] + 60.0) for q, w in parts) / total) - 60.0 for i in range(3)]
        return out[0], out[1], out[2]


@dataclass
class Backtest:
    model: WaitRecordModel = field(default_factory=WaitRecordModel)
    calibrator: ReplayCalibrator = field(default_factory=ReplayCalibrator)
    combiner: Combiner = field(default_factory=Combiner)
    # the conformal step on asba's own answer: its past log errors set p10, p50 and p90 around its p50
    final: ReplayCalibrator | None = field(default_factory=ReplayCalibrator)
    board: Scoreboard = field(default_factory=Scoreboard)
    ratio: float = DEFAULT_RUNTIME_RATIO
    _started: list = field(default_factory=list)  # heap of (start, seq, job, replay p50)
    _pending: dict[str, int] = field(default_factory=dict)
    _naive: dict[str, deque] = field(default_factory=dict)
    _seq: int = 0
    _last_submit: float = -math.inf

    def run(self, jobs: Iterable[TraceJob]) -> Scoreboard:
        for job in jobs:
            self.step(job)
        return self.board

    def step(self, job: TraceJob) -> None:
        if job.submit < self._last_submit:
            self.board.out_of_order += 1
            return  # a job from the past of what has already been learned: replaying it would leak the future
        self._last_submit = job.submit
        self._learn_until(job.submit)
        replay = cedar_replay(job, self.ratio)
        mine = self.predict(job, replay)
        if job.wait_s is not None:
            self._score(job, replay, mine)
        release = job.start if job.start is not None else job.end
        if release is not None:
            self._seq += 1
            heapq.heappush(self._started, (release, self._seq, job, replay[1] if replay else None,
                                           mine[1] if mine else None))
            self._pending[job.partition] = self._pending.get(job.partition, 0) + 1

    def predict(self, job: TraceJob, replay: Quantiles | None) -> Quantiles | None:
        """asba's p10/p50/p90 from what was known at the job's submission."""
        record = self.model.estimate(self.job_class(job), job.submit)
        calibrated = self.calibrator.calibrate(job.partition, replay[1]) if replay else None
        rec = (record.p10_s, record.p50_s, record.p90_s) if record else None
        joined = self.combiner.join(rec, calibrated)
        if joined is None or self.final is None:
            return joined
        return self.final.calibrate(job.partition, joined[1]) or joined

    def _score(self, job: TraceJob, replay: Quantiles | None, mine: Quantiles | None) -> None:
        wait = job.wait_s or 0.0
        self.board.add("asba", job.partition, wait, mine)
        self.board.add("replay", job.partition, wait, replay)
        slurm = job.slurm_estimate_s
        self.board.add("slurm", job.partition, wait, (slurm, slurm, slurm) if slurm is not None else None)
        self.board.add("naive", job.partition, wait, self._naive_quantiles(job.partition))

    def job_class(self, job: TraceJob) -> JobClass:
        ahead = job.queue_ahead if job.queue_ahead is not None else self._pending.get(job.partition, 0)
        return JobClass(job.partition, job.cpus, job.gpus, job.limit_s, job.qos, ahead)

    def _learn_until(self, now: float) -> None:
        while self._started and self._started[0][0] <= now:
            at, _, job, replay_p50, mine_p50 = heapq.heappop(self._started)
            self._pending[job.partition] -= 1
            wait = job.wait_s
            if wait is None:
                continue  # cancelled while pending: left the queue, taught no wait
            self.model.add(self.job_class(job), at, wait)
            self._naive.setdefault(job.partition, deque(maxlen=NAIVE_WINDOW)).append(wait)
            if replay_p50 is not None:
                self.calibrator.add(job.partition, wait, replay_p50)
            if mine_p50 is not None and self.final is not None:
                self.final.add(job.partition, wait, mine_p50)

    def _naive_quantiles(self, partition: str) -> Quantiles | None:
        waits = list(self._naive.get(partition, ()))
        if len(waits) < 5:
            return None
        ones = [1.0] * len(waits)
        low, mid, high = (weighted_quantile(waits, ones, q) for q in (0.1, 0.5, 0.9))
        return low, mid, high


def cedar_replay(job: TraceJob, ratio: float) -> Quantiles | None:
    """The queue replay from the Cedar trace's aggregates (the partition's pending and running jobs at
    submission), spread into equal jobs as ``benchmarks/backtest_wait.py`` always did."""
    if job.queue_agg is None or not job.cpus or not job.limit_s:
        return None
    q_jobs, q_cores, q_core_h, r_jobs, r_cores, r_core_h = job.queue_agg
    capacity = max(r_cores, float(job.cpus))
    mean_left = r_core_h / r_cores * 3600 if r_cores else 0.0
    nr = _chunks(int(r_jobs))
    running = [(r_cores / nr, 2 * mean_left * (i + 0.5) / nr, None) for i in range(nr)]
    ahead_limit = q_core_h / q_cores * 3600 if q_cores else 0.0
    nq = _chunks(int(q_jobs))
    ahead = [(q_cores / nq, ahead_limit) for _ in range(nq)]
    low, mid, high = queue_model_quantiles(capacity, 0.0, running, ahead, float(job.cpus), job.limit_s, ratio)
    if math.inf in (low, mid, high):
        return None
    return low, mid, high


def _chunks(jobs: int) -> int:
    """Equal jobs are replayed in at most REPLAY_CHUNKS groups (Cedar has up to ~7,000 running jobs at once)."""
    return min(jobs, REPLAY_CHUNKS)
