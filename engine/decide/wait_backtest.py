"""Replay wait traces in time order and score each method against the real waits (``asba cluster backtest``).

For each job, in submit order: every job that had started by its submit time has taught the models its wait
(the product-limit record, the earlier wait record, the replay's calibration, the naive baseline), nothing later
has; jobs still pending then are right-censored in the product-limit record; then each method predicts and is
scored against the job's real Submit->Start wait. On a complete trace (sacct, SWF) the queue at each submission is
rebuilt from the trace (``wait_queue``), so the replay runs there too. On a snapshot trace (a ``poll_time``
column), each forecast is conditioned on the row's truncation point before it is scored (``wait_proper``).

Methods: ``asba`` (the product-limit estimate of the job's class, shrunk toward its parent classes,
``wait_km``), ``record`` (the earlier estimate: class quantiles of started jobs' waits joined with the
conformal-calibrated replay), ``replay`` (the queue replay uncalibrated), ``slurm`` (SLURM's own estimate, where
the trace has one) and ``naive`` (the last 200 waits on the job's partition, no classes, no weights).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from asba.decide.wait import DEFAULT_RUNTIME_RATIO, queue_model_quantiles
from asba.decide.wait_classes import JobClass, WaitRecordModel
from asba.decide.wait_conformal import ReplayCalibrator
from asba.decide.wait_km import Curve, KaplanMeierRecord, empirical
from asba.decide.wait_proper import from_quantiles, stratum
from asba.decide.wait_queue import QueueState
from asba.decide.wait_score import Scoreboard
from asba.inputs.wait_traces import TraceJob

NAIVE_WINDOW = 200
SNAPSHOT_LAG_S = 120.0  # Cedar's noon snapshot was taken about 2 minutes after noon (mila_cedar/SOURCE.md)
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
class Forecast:
    """One method's answer for one job: the CDF (when the method has one) and p10/p50/p90."""

    q: Quantiles | None
    curve: Curve | None = None


@dataclass
class Backtest:
    km: KaplanMeierRecord = field(default_factory=KaplanMeierRecord)
    model: WaitRecordModel = field(default_factory=WaitRecordModel)
    calibrator: ReplayCalibrator = field(default_factory=ReplayCalibrator)
    combiner: Combiner = field(default_factory=Combiner)
    # the conformal step on the record's answer: its past log errors set p10, p50 and p90 around its p50
    final: ReplayCalibrator | None = field(default_factory=ReplayCalibrator)
    board: Scoreboard = field(default_factory=Scoreboard)
    ratio: float = DEFAULT_RUNTIME_RATIO
    complete: bool = False  # the trace holds every job: rebuild the queue at each submission from it
    break_even: Callable[[TraceJob], float | None] | None = None
    rows: list[dict] | None = None  # per-job rows (None: not kept)
    # called with each job, asba's forecast and the naive one, as known at its submission (the decision backtest)
    listener: Callable[[TraceJob, Curve | None, Quantiles | None], None] | None = None
    _queue: QueueState = field(default_factory=QueueState)
    _started: list = field(default_factory=list)  # heap of (start, seq, job, replay p50, record p50, km obs)
    _pending: dict[str, int] = field(default_factory=dict)
    _naive: dict[str, deque] = field(default_factory=dict)
    _seq: int = 0
    _last_submit: float = -math.inf

    def run(self, jobs: Iterable[TraceJob], complete: bool | None = None) -> Scoreboard:
        if complete is not None:
            self.complete = complete
        for job in jobs:
            self.step(job)
        return self.board

    def step(self, job: TraceJob) -> None:
        if job.submit < self._last_submit:
            self.board.out_of_order += 1
            return  # a job from the past of what has already been learned: replaying it would leak the future
        self._last_submit = job.submit
        self._learn_until(job.submit)
        if self.complete and job.queue_agg is None:
            self._queue.advance(job.submit)
            job = replace(job, queue_agg=self._queue.aggregates(job.partition, job.submit))
        cls = self.job_class(job)
        replay = cedar_replay(job, self.ratio)
        record = self.predict(job, replay)
        mine = self.km.estimate(cls, job.submit)
        if job.wait_s is not None:
            self._score(job, replay, record, mine)
        if self.listener is not None:
            self.listener(job, mine, self._naive_forecast(job.partition).q)
        obs = self.km.submitted(cls, job.submit, truncation(job) or -1.0)
        if self.complete:
            self._queue.submit(job)
        release = job.start if job.start is not None else job.end
        if release is not None:
            self._seq += 1
            heapq.heappush(self._started, (release, self._seq, job, replay[1] if replay else None,
                                           record[1] if record else None, obs))
            self._pending[job.partition] = self._pending.get(job.partition, 0) + 1

    def predict(self, job: TraceJob, replay: Quantiles | None) -> Quantiles | None:
        """The earlier estimate: the wait record (class quantiles of started jobs' waits) joined with the
        conformal-calibrated replay, then a conformal step on its own p50."""
        record = self.model.estimate(self.job_class(job), job.submit)
        calibrated = self.calibrator.calibrate(job.partition, replay[1]) if replay else None
        rec = (record.p10_s, record.p50_s, record.p90_s) if record else None
        joined = self.combiner.join(rec, calibrated)
        if joined is None or self.final is None:
            return joined
        return self.final.calibrate(job.partition, joined[1]) or joined

    def _score(self, job: TraceJob, replay: Quantiles | None, record: Quantiles | None, mine: Curve | None) -> None:
        wait, low = job.wait_s or 0.0, truncation(job)
        slurm = job.slurm_estimate_s
        answers = {"asba": Forecast(mine.quantiles() if mine else None, mine), "record": Forecast(record),
                   "replay": Forecast(replay), "slurm": Forecast((slurm, slurm, slurm) if slurm is not None else None),
                   "naive": self._naive_forecast(job.partition)}
        be = self.break_even(job) if self.break_even is not None else None
        band = stratum(low)
        row = {"job_id": job.job_id, "submit": job.submit, "truncation_s": low, "wait_s": wait,
               "break_even_s": None if be is None else round(be, 1)}
        for method, answer in answers.items():
            curve = answer.curve or (from_quantiles(answer.q) if answer.q else None)
            if curve is not None and low is not None:
                curve = curve.given_above(low)
            q = curve.quantiles() if curve is not None and low is not None else answer.q
            self.board.add(method, job.partition, wait, q, curve, band, be)
            if method in ("asba", "naive"):
                row[method] = _row_answer(q, curve, be)
        if self.rows is not None:
            self.rows.append(row)

    def job_class(self, job: TraceJob) -> JobClass:
        ahead = job.queue_ahead if job.queue_ahead is not None else self._pending.get(job.partition, 0)
        return JobClass(job.partition, job.cpus, job.gpus, job.limit_s, job.qos, ahead)

    def _learn_until(self, now: float) -> None:
        while self._started and self._started[0][0] <= now:
            at, _, job, replay_p50, record_p50, obs = heapq.heappop(self._started)
            self._pending[job.partition] -= 1
            wait = job.wait_s
            if wait is None:
                self.km.cancelled(obs, at)  # left the queue while pending: censored at that wait, taught no wait
                continue
            self.km.started(obs, at)
            self.model.add(self.job_class(job), at, wait)
            self._naive.setdefault(job.partition, deque(maxlen=NAIVE_WINDOW)).append(wait)
            if replay_p50 is not None:
                self.calibrator.add(job.partition, wait, replay_p50)
            if record_p50 is not None and self.final is not None:
                self.final.add(job.partition, wait, record_p50)

    def _naive_forecast(self, partition: str) -> Forecast:
        waits = list(self._naive.get(partition, ()))
        if len(waits) < 5:
            return Forecast(None)
        ordered = sorted(waits)
        low, mid, high = (ordered[max(0, math.ceil(q * len(ordered)) - 1)] for q in (0.1, 0.5, 0.9))
        return Forecast((low, mid, high), Curve(empirical(ordered), len(ordered)))


def truncation(job: TraceJob) -> float | None:
    """The wait a snapshot row is known to exceed (``poll - submit + lag``); None for complete traces."""
    if job.poll is None:
        return None
    return max(0.0, job.poll - job.submit + SNAPSHOT_LAG_S)


def _row_answer(q: Quantiles | None, curve: Curve | None, break_even_s: float | None) -> dict | None:
    if q is None:
        return None
    out: dict = {"p10_s": round(q[0], 1), "p50_s": round(q[1], 1), "p90_s": round(q[2], 1)}
    if curve is not None and break_even_s is not None:
        out["p_above_break_even"] = round(1.0 - curve.prob_le(break_even_s), 4)
    return out


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
