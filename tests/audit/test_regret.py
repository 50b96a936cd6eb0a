"""Regret in hindsight and the baselines it is compared with (asba.audit.regret), and the time-ordered replay
of a history without a decision log (asba.audit.backtest)."""

from __future__ import annotations

import pytest
from asba.audit.backtest import Past, TraceJob, asba_runtime, tef_prediction
from asba.audit.regret import Case, GoInputs, Hindsight, go_rule, go_score, policy_choices, signed_stats, summarise


def test_regret_is_the_extra_cost_and_time_value_over_the_better_side():
    h = Hindsight(local_cost_usd=1.0, local_time_s=2 * 3600, aws_cost_usd=3.0, aws_time_s=1800)
    assert h.total("local", 5.0) == pytest.approx(11.0) and h.total("aws", 5.0) == pytest.approx(5.5)
    assert h.best(5.0) == "aws"
    assert h.regret("local", 5.0) == pytest.approx(5.5) and h.regret("aws", 5.0) == 0.0
    assert h.best(0.0) == "local"  # time worth nothing: the cheaper side wins


def test_no_aws_option_means_local_is_the_only_and_best_side():
    h = Hindsight(2.0, 3600, None, None)
    assert h.best(100.0) == "local" and h.regret("aws", 100.0) == 0.0


def test_go_rule_scores_as_published():
    # 0.7 x (100 - 10 x 5 h) + 0.3 x (100 - $10) = 35 + 27
    assert go_score(5 * 3600, 10.0, 50.0) == pytest.approx(62.0)
    assert go_score(20 * 3600, 150.0, 90.0) == 0.0  # both parts floor at 0
    assert go_rule(GoInputs(5 * 3600, 10.0, 180, 40.0)) == "aws"  # 87.65 > 62
    assert go_rule(GoInputs(600, 10.0, 180, 40.0)) == "local"  # 68.83 + 27 > 69.65 + 18
    assert go_rule(GoInputs(99 * 3600, 1.0, 180, None)) == "local"


def test_summary_compares_asba_with_the_better_baseline():
    wait_long = Hindsight(1.0, 10 * 3600, 4.0, 3600)  # aws best (regret of local 42)
    wait_short = Hindsight(1.0, 3600, 4.0, 3600)  # local best (regret of aws 3)
    cases = [Case(wait_long, policy_choices("aws", "local", True)),
             Case(wait_short, policy_choices("local", "aws", True))]
    s = summarise(cases, 5.0)
    assert s.total_usd == pytest.approx({"asba": 0.0, "always-local": 42.0, "always-aws": 3.0, "go-rule": 45.0})
    assert s.vs_best_baseline_pct() == pytest.approx(100.0) and s.wrong["go-rule"] == 2


def test_signed_errors_keep_the_bias():
    stats = signed_stats([10.0, 20.0, 30.0, -5.0, 40.0])
    assert stats["median"] == 20.0 and stats["median_abs"] == 20.0 and stats["n"] == 5
    assert signed_stats([])["median"] is None


def _job(key: str, submit: float, start: float, end: float, state: str = "COMPLETED") -> TraceJob:
    return TraceJob("u1", key, "cpu", submit, start, end, 7200.0, 4, 1, 4096.0, 0, state)


def test_replay_learns_only_from_jobs_that_had_ended():
    jobs = [_job("a", 0, 10, 1010), _job("a", 20, 30, 2030), _job("a", 1500, 1600, 2600), _job("a", 3000, 3000, 4000)]
    past = Past(jobs)
    past.advance(1500)  # only the first job has ended
    assert asba_runtime(past, jobs[2], 2).basis == "time-limit"
    assert tef_prediction(past, jobs[2]) == 1000.0
    past.advance(3000)  # now three have ended (runtimes 1000, 2000, 1000)
    runtime = asba_runtime(past, jobs[3], 2)
    assert runtime.basis == "history" and runtime.p50_s == 1000.0
    assert tef_prediction(past, jobs[3]) == 1500.0  # mean of the last two to end: 2000 and 1000


def test_failed_runs_feed_tef_but_not_the_script_history():
    jobs = [_job("b", 0, 0, 100, "TIMEOUT"), _job("b", 0, 0, 300, "TIMEOUT"), _job("b", 500, 500, 600)]
    past = Past(jobs)
    past.advance(500)
    assert asba_runtime(past, jobs[2], 2).basis == "time-limit"
    assert tef_prediction(past, jobs[2]) == 200.0
