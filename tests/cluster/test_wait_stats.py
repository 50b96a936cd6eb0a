"""The statistics of the wait estimate on synthetic data whose answer is known."""

from __future__ import annotations

import math
import random

import pytest
from asba.decide.wait_classes import NEEDED, THIN_MIN, JobClass, WaitRecordModel
from asba.decide.wait_conformal import ReplayCalibrator
from asba.decide.wait_stats import (
    binomial_cdf,
    conformal_offset,
    log_residual,
    min_samples,
    scale,
    upper_bound_rank,
    weighted_quantile,
)


def test_qbets_sample_bound_matches_the_issue_figures():
    assert min_samples(0.9, 0.95) == 29  # ln(0.05) / ln(0.9) = 28.43
    assert min_samples(0.5, 0.95) == 5  # ln(0.05) / ln(0.5) = 4.32
    assert upper_bound_rank(28, 0.9) is None
    assert upper_bound_rank(29, 0.9) == 29  # only the largest of 29 bounds the 0.9 quantile
    assert upper_bound_rank(4, 0.5) is None and upper_bound_rank(5, 0.5) == 5


def test_binomial_cdf_against_exact_sums():
    assert binomial_cdf(0, 3, 0.5) == pytest.approx(0.125)
    assert binomial_cdf(1, 3, 0.5) == pytest.approx(0.5)
    assert binomial_cdf(28, 29, 0.9) == pytest.approx(1 - 0.9 ** 29)


def test_upper_bound_holds_with_its_confidence_on_uniform_samples():
    """Uniform(0, 1): the true 0.9 quantile is 0.9; the QBETS bound must be above it in >= 95 % of trials."""
    rng = random.Random(7)
    held = 0
    trials = 2000
    for _ in range(trials):
        sample = sorted(rng.random() for _ in range(100))
        rank = upper_bound_rank(100, 0.9)
        assert rank is not None
        held += sample[rank - 1] >= 0.9
    assert held / trials >= 0.94  # 95 % nominal; 2,000 trials put the estimate within about 1 point


def test_weighted_quantile_equal_weights_is_the_order_statistic():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert weighted_quantile(values, [1.0] * 5, 0.5) == 3.0
    assert weighted_quantile(values, [1.0] * 5, 0.9) == 5.0
    assert weighted_quantile(values, [1.0] * 5, 0.1) == 1.0
    assert weighted_quantile([1.0, 100.0], [1.0, 9.0], 0.5) == 100.0  # recent (heavy) sample dominates


def test_conformal_offset_ranks_and_coverage():
    residuals = [float(i) for i in range(1, 20)]  # n = 19: (n + 1) * 0.9 = 18 -> 18th smallest
    assert conformal_offset(residuals, 0.9) == 18.0
    assert conformal_offset(residuals, 0.1) == 2.0
    assert conformal_offset([1.0, 2.0], 0.9) is None  # too few residuals for a finite offset


def test_conformal_calibration_recovers_a_known_bias_and_spread():
    """A replay that is 4x too optimistic with log-normal noise: after calibration 80 % of new waits fall
    inside [p10, p90] and the p50 is the real median."""
    rng = random.Random(11)
    cal = ReplayCalibrator()

    def real(predicted: float) -> float:
        return (predicted + 60) * 4 * math.exp(rng.gauss(0, 0.5)) - 60

    for _ in range(2000):
        p = rng.uniform(600, 20000)
        cal.add("cpu", real(p), p)
    inside, trials = 0, 1500
    for _ in range(trials):
        p = rng.uniform(600, 20000)
        q = cal.calibrate("cpu", p)
        assert q is not None
        inside += q[0] <= real(p) <= q[2]
        assert q[1] == pytest.approx((p + 60) * 4 - 60, rel=0.08)
    assert 0.76 <= inside / trials <= 0.84


def test_log_residual_and_scale_are_inverse():
    assert scale(100.0, log_residual(1000.0, 100.0)) == pytest.approx(1000.0)
    assert log_residual(0.0, 30.0) < 0


def test_record_model_backs_off_and_says_thin():
    model = WaitRecordModel()
    job = JobClass("cpu", cpus=4, gpus=0, limit_s=3600, qos="normal", queue_ahead=3)
    assert model.estimate(job, 1000.0) is None
    for i in range(THIN_MIN):
        model.add(job, 100.0 + i, 600.0 + i)
    thin = model.estimate(job, 1000.0)
    assert thin is not None and thin.thin and thin.p90_s >= 2 * 604.0  # widened: twice the largest wait
    assert "thin evidence" in thin.detail()
    for i in range(NEEDED):
        model.add(job, 200.0 + i, 900.0)
    full = model.estimate(job, 1000.0)
    assert full is not None and not full.thin and full.p90_bound_s == 900.0
    assert "QOS normal" in full.class_label  # the finest class had enough waits


def test_record_model_learns_only_what_was_known_by_then_and_weights_recent_waits():
    model = WaitRecordModel(half_life_s=3600)  # an hour: the old waits are 5 half-lives back
    job = JobClass("cpu", cpus=1, gpus=0, limit_s=600, qos=None, queue_ahead=0)
    for i in range(40):
        model.add(job, 1000.0 + i, 60.0)  # an empty queue long ago
    for i in range(40):
        model.add(job, 20000.0 + i, 6000.0)  # it just filled
    assert model.estimate(job, 1100.0).p50_s == 60.0  # the later waits were not known yet
    late = model.estimate(job, 20100.0)
    assert late.p50_s == 6000.0 and late.p10_s == 6000.0  # recency: the old waits weigh ~2^-5 each


def test_weighted_quantiles_in_one_pass_agree_with_one_at_a_time():
    from asba.decide.wait_stats import weighted_quantile, weighted_quantiles
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(deadline=None, max_examples=300)
    @given(st.lists(st.tuples(st.floats(0, 1e6), st.floats(0.01, 10)), min_size=1, max_size=60))
    def check(pairs):
        values, weights = [v for v, _ in pairs], [w for _, w in pairs]
        qs = (0.1, 0.5, 0.9)
        assert weighted_quantiles(values, weights, qs) == [weighted_quantile(values, weights, q) for q in qs]

    check()
