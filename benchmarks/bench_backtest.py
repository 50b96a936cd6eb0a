"""CPU per job of `asba cluster backtest` (target: <= 1 ms), against a baseline in the same run: the same replay
with the speed-ups off (the QBETS rank recomputed for every job, the product-limit curve of every class
recomputed for every job).

    python benchmarks/bench_backtest.py [--jobs 6000] [--trace TRACE]   # default: the shared wagap SWF

Rows: the whole backtest (five methods and their scores), and asba's own forecast alone (the product-limit
record: learning + estimate per job), each with and without the speed-ups.
"""

from __future__ import annotations

import argparse
import heapq
import time
from pathlib import Path

from asba.decide import wait_classes
from asba.decide.wait_backtest import Backtest
from asba.decide.wait_km import KaplanMeierRecord
from asba.decide.wait_stats import upper_bound_rank
from asba.inputs.wait_traces import TraceJob, read_trace

TRACE = Path(__file__).resolve().parents[2] / "shared" / "data" / "traces" / "metacentrum_wagap" / "wagap-2013.swf.gz"


def whole(jobs: list[TraceJob], fast: bool) -> float:
    wait_classes.upper_bound_rank = upper_bound_rank if fast else upper_bound_rank.__wrapped__  # type: ignore
    started = time.process_time()
    Backtest(km=KaplanMeierRecord(refresh_s=600.0 if fast else 0.0)).run(jobs, complete=True)
    wait_classes.upper_bound_rank = upper_bound_rank  # type: ignore
    return (time.process_time() - started) / len(jobs) * 1000


def km_only(jobs: list[TraceJob], fast: bool) -> float:
    bt = Backtest(km=KaplanMeierRecord(refresh_s=600.0 if fast else 0.0))
    started = time.process_time()
    pending: list = []
    for i, job in enumerate(jobs):
        while pending and pending[0][0] <= job.submit:
            at, _, obs = heapq.heappop(pending)
            bt.km.started(obs, at)
        cls = bt.job_class(job)
        bt.km.estimate(cls, job.submit)
        obs = bt.km.submitted(cls, job.submit)
        if job.start is not None:
            heapq.heappush(pending, (job.start, i, obs))
    return (time.process_time() - started) / len(jobs) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6000)
    parser.add_argument("--trace", type=Path, default=TRACE)
    args = parser.parse_args()
    jobs = read_trace(args.trace).jobs[: args.jobs]
    print(f"{len(jobs)} jobs of {args.trace.name}; ms CPU per job")
    for name, run in (("whole backtest", whole), ("asba forecast alone", km_only)):
        fast, slow = run(jobs, True), run(jobs, False)
        print(f"{name:<22} {fast:6.2f} (speed-ups off: {slow:6.2f}, x{slow / fast:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
