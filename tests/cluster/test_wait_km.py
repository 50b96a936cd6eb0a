"""The product-limit wait record (delayed entry, right-censoring, shrinkage), the queue rebuilt from a complete
trace, the SWF reader and the proper scores of `asba cluster backtest`, on the shared real traces where present."""

from __future__ import annotations

import gzip
import os
import random
from pathlib import Path

import pytest
from asba.cli.backtest_cmd import backtest
from asba.decide.wait_classes import JobClass
from asba.decide.wait_km import GRID, Curve, KaplanMeierRecord, product_limit
from asba.decide.wait_proper import from_quantiles, pinball, stratum
from asba.decide.wait_queue import QueueState
from asba.inputs.wait_traces import TraceJob, parse_trace

TRACES = Path(os.environ.get("ASBA_SHARED", Path(__file__).resolve().parents[3] / "shared")) / "data" / "traces"
WAGAP = TRACES / "metacentrum_wagap" / "wagap-2013.swf.gz"
CEDAR = TRACES / "mila_cedar" / "jobs_cedar_2021-05-16.csv"
H = 3600.0


def _cdf_at(cdf: list[float], seconds: float) -> float:
    """The CDF at the last grid point at or below ``seconds``."""
    return cdf[max(i for i, g in enumerate(GRID) if g <= seconds)]


def test_product_limit_with_right_censoring_is_the_textbook_kaplan_meier():
    # events at 1 h, 3 h, 4 h; one job censored at 2 h (still pending): S = 3/4 after 1 h, 3/8 after 3 h, 0 after 4 h
    found = product_limit([(-1, 1 * H, True, 1), (-1, 2 * H, False, 1), (-1, 3 * H, True, 1), (-1, 4 * H, True, 1)])
    assert found is not None
    cdf, events = found
    assert events == 3
    assert _cdf_at(cdf, 2.5 * H) == pytest.approx(0.25)
    assert _cdf_at(cdf, 3.5 * H) == pytest.approx(1 - 0.375)
    assert _cdf_at(cdf, 5 * H) == pytest.approx(1.0)


def test_delayed_entry_recovers_the_waits_a_snapshot_hides():
    # a snapshot keeps only jobs still pending at its poll: naive quantiles of the survivors are far too long
    rng = random.Random(7)
    waits = [rng.expovariate(1 / H) for _ in range(20000)]
    cuts = [rng.uniform(0, 3 * H) for _ in waits]
    kept = [(cut, w) for w, cut in zip(waits, cuts) if w > cut]
    found = product_limit([(cut, w, True, 1.0) for cut, w in kept])
    assert found is not None
    median = Curve(found[0], found[1]).quantile(0.5)
    survivors = sorted(w for _, w in kept)[len(kept) // 2]
    true_median = 0.6931 * H
    assert abs(median - true_median) < 0.15 * true_median
    assert survivors > 1.5 * true_median


def test_the_record_learns_only_what_was_known_then():
    km = KaplanMeierRecord(prior=0.0)
    cls = JobClass("cpu", 1, 0, H, None, 0)
    for i in range(10):
        obs = km.submitted(cls, submit=i * 60.0)
        km.started(obs, i * 60.0 + (30.0 if i < 5 else 10 * H))  # five start fast, five wait ten hours
    early = km.estimate(cls, now=20 * 60.0)
    assert early is not None and early.evidence == 10
    # at 20 min the five slow jobs are pending: censored, so half the mass is "more than ~15 min", not 30 s
    assert early.prob_le(60.0) == pytest.approx(0.5, abs=0.01)  # recency weights move it a little
    assert early.quantile(0.6) == GRID[-1]  # beyond anything seen yet: the grid's end, not a short wait
    assert early.quantile(0.1) < 60.0
    late = km.estimate(cls, now=11 * H)
    assert late is not None and 9 * H < late.quantile(0.9) < 12 * H


def test_a_thin_class_leans_on_its_parent():
    km = KaplanMeierRecord(prior=20.0)
    busy, quiet = JobClass("cpu", 1, 0, H, None, 50), JobClass("cpu", 64, 0, H, None, 50)
    for i in range(100):
        km.submitted(busy, i * 60.0).start = i * 60.0 + 2 * H
    for i in range(3):
        km.submitted(quiet, i * 60.0).start = i * 60.0 + 10.0
    mixed = km.estimate(quiet, now=5 * H)
    alone = KaplanMeierRecord(prior=0.0)
    for i in range(3):
        alone.submitted(quiet, i * 60.0).start = i * 60.0 + 10.0
    assert mixed is not None and mixed.quantile(0.5) > H  # 3 fast waits do not outweigh 100 slow ones of the partition
    assert alone.estimate(quiet, now=5 * H) is None  # 3 waits alone are too few for any estimate


def test_queue_rebuilt_from_the_trace_counts_pending_and_running():
    a = TraceJob("1", 0.0, 100.0, "q", cpus=4, limit_s=H, end=1000.0)
    b = TraceJob("2", 50.0, 2000.0, "q", cpus=2, limit_s=2 * H, end=3000.0)
    c = TraceJob("3", 60.0, None, "q", cpus=8, limit_s=H, end=500.0)  # cancelled while pending at 500 s
    state = QueueState()
    for job in (a, b, c):
        state.advance(job.submit)
        state.submit(job)
    state.advance(200.0)  # a runs, b and c pend
    q_jobs, q_cores, q_core_h, r_jobs, r_cores, r_left_h = state.aggregates("q", 200.0)
    assert (q_jobs, q_cores, r_jobs, r_cores) == (2, 10, 1, 4)
    assert q_core_h == pytest.approx(2 * 2 + 8 * 1)
    assert r_left_h == pytest.approx(4 * (100 + H - 200) / H)
    state.advance(1500.0)  # a ended, c left the queue, b still pending
    assert state.aggregates("q", 1500.0)[:5] == (1, 2, pytest.approx(4.0), 0, 0)


def test_proper_scores_reward_the_right_forecast():
    sharp, vague = (100.0, 120.0, 140.0), (1.0, 3600.0, 86400.0)
    assert pinball(120.0, sharp) < pinball(120.0, vague)
    curve = from_quantiles((600.0, 3600.0, 7200.0))  # read back on the wait grid (steps of ~20 % in wait)
    assert curve.prob_le(600.0) == pytest.approx(0.1, abs=0.03)
    assert curve.prob_le(7200.0) == pytest.approx(0.9, abs=0.03)
    assert [stratum(s) for s in (None, 600, 3600, 5 * H, 9 * H)] == [
        "complete", "<=15 min", "15 min-2 h", "2-6 h", ">6 h"]
    conditioned = curve.given_above(3600.0)
    assert conditioned.prob_le(3600.0) == 0.0 and conditioned.quantile(0.5) > 3600.0


@pytest.mark.skipif(not WAGAP.is_file(), reason=f"shared SWF trace not found at {WAGAP}")
def test_reads_the_wagap_swf_with_queue_names_and_absolute_times(tmp_path):
    with gzip.open(WAGAP, "rt") as handle:
        head = [next(handle) for _ in range(400)]
    trace = parse_trace(iter(head), WAGAP)
    assert trace.kind == "swf" and trace.skipped == 0 and len(trace.jobs) == 400 - sum(x.startswith(";") for x in head)
    first = trace.jobs[0]
    assert (first.job_id, first.partition, first.cpus, first.limit_s) == ("1", "q_1d", 64, 86400.0)
    assert first.submit == 1356996147.0 and first.wait_s == 0.0 and first.end == first.submit + 56011
    small = tmp_path / "wagap-head.swf"
    small.write_text("".join(head))
    result = backtest([small], rows=True)
    scored = result["groups"]["(all)"]["asba"]
    assert scored["estimated"] > 0 and scored["pinball_log"] is not None and len(scored["pit_histogram"]) == 10
    assert result["groups"]["(all)"]["replay"]["estimated"] > 0  # the queue rebuilt from the trace feeds the replay
    assert len(result["jobs"]) == len(trace.jobs) and result["jobs"][0]["truncation_s"] is None


@pytest.mark.skipif(not CEDAR.is_file(), reason=f"shared Cedar trace not found at {CEDAR}")
def test_snapshot_rows_are_scored_by_truncation_stratum():
    result = backtest([CEDAR], rows=True)
    strata = [g for g in result["groups"] if g.startswith("truncation ")]
    assert {"truncation <=15 min", "truncation >6 h"} <= set(strata)
    row = result["jobs"][0]
    assert row["truncation_s"] is not None and row["wait_s"] > row["truncation_s"] - 300
    if row["asba"] is not None:
        assert row["asba"]["p10_s"] >= row["truncation_s"]


def test_an_open_tail_follows_the_parent_instead_of_the_end_of_the_grid():
    km = KaplanMeierRecord(prior=5.0, half_life_s=None)
    wide, narrow = JobClass("cpu", 1, 0, H, None, 50), JobClass("cpu", 64, 0, H, None, 50)
    for i in range(60):  # the partition: waits spread from 1 to 6 h, all started
        km.started(km.submitted(wide, i * 60.0), i * 60.0 + (1 + i % 6) * H)
    for i in range(40):  # the 64-CPU jobs: 8 started after 10 min, 32 cancelled after 30 min (open tail)
        obs = km.submitted(narrow, i * 60.0)
        if i < 8:
            km.started(obs, i * 60.0 + 600.0)
        else:
            km.cancelled(obs, i * 60.0 + 1800.0)
    curve = km.estimate(narrow, now=10 * H)
    assert curve is not None
    assert curve.quantile(0.1) <= 700.0
    assert H < curve.quantile(0.9) < 7 * H  # the parent's spread, not "60 days"


def test_jobs_cancelled_while_pending_stay_in_the_record_as_censored_waits():
    from asba.inputs.wait_traces import read_trace

    capture = Path(__file__).resolve().parents[1] / "fixtures" / "cluster" / "wait_record" / \
        "sacct_a_X_varied_load_2026-12-06.psv"
    jobs = read_trace(capture).jobs
    cancelled = [j for j in jobs if j.start is None]
    assert len(jobs) == 65 and len(cancelled) == 25
    now = max(j.end or j.submit for j in jobs)

    def p90(keep_cancelled: bool) -> float:
        km = KaplanMeierRecord(prior=0.0, half_life_s=None)
        for job in jobs:
            if job.start is None and not keep_cancelled:
                continue
            obs = km.submitted(JobClass(job.partition), job.submit)
            if job.start is not None:
                km.started(obs, job.start)
            elif job.end is not None:
                km.cancelled(obs, job.end)
        curve = km.estimate(JobClass(job.partition), now)
        assert curve is not None
        return curve.quantile(0.9)

    # dropping the jobs that were still pending when cancelled would claim the queue is shorter than it was
    assert p90(True) > p90(False)
