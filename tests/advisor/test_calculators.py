"""The pure calculators under engine/decide: runtime, time to result, cost, trade-off, budget, right-sizing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asba.decide import budget, cost, rightsize, timing, tradeoff


def test_runtime_uses_history_only_with_enough_runs():
    est = timing.expected_runtime(6 * 3600, history_p50_s=3600, history_p95_s=5400, runs=5)
    assert (est.p50_s, est.p95_s, est.basis) == (3600, 5400, "history")
    one = timing.expected_runtime(6 * 3600, history_p50_s=3600, history_p95_s=5400, runs=1)
    assert one.basis == "time-limit" and one.p50_s == 6 * 3600 and "only 1 run" in one.detail


def test_time_to_result_local_adds_wait_and_aws_scales_by_family_factor():
    local = timing.local_time_to_result(7200, 14400, 3600)
    assert (local.p50_s, local.p90_s) == (10800, 18000)
    aws = timing.aws_time_to_result(180, 3600, performance_factor=1.25)
    assert aws.p50_s == 180 + 4500


def test_runtime_range_collapses_without_history_and_spreads_with_it():
    limit = timing.expected_runtime(3600)
    assert timing.runtime_range(limit) == (3600, 3600)
    hist = timing.expected_runtime(9000, history_p50_s=3600, history_p95_s=4200, runs=3)
    low, high = timing.runtime_range(hist)
    assert low < 3600 < high < 9000


def test_spot_interruption_grows_with_runtime_nodes_and_bucket():
    short = cost.spot_risk("<5%", 3600)
    long = cost.spot_risk("<5%", 48 * 3600)
    wide = cost.spot_risk("<5%", 3600, nodes=8)
    risky = cost.spot_risk(">20%", 3600)
    assert short.interruption_probability < long.interruption_probability
    assert short.interruption_probability < wide.interruption_probability
    assert short.interruption_probability < risky.interruption_probability
    assert long.flagged and not short.flagged
    assert not cost.spot_risk("<5%", 48 * 3600, checkpointing=True).flagged


def test_aws_cost_on_demand_spot_and_transfer():
    c = cost.aws_cost("c6i.32xlarge", 2, 3 * 3600, 5.44, 1.414, "10-15%", transfer_gb=100)
    assert c.on_demand_usd == pytest.approx(2 * 3 * 5.44)
    assert c.spot_usd == pytest.approx(2 * 3 * 1.414)
    assert c.spot_expected_usd > c.spot_usd  # interruptions cost something
    assert c.transfer_usd == pytest.approx(9.0)
    assert c.total("on-demand") == pytest.approx(c.on_demand_usd + 9.0)
    no_spot = cost.aws_cost("hpc7g.16xlarge", 1, 3600, 1.6832)
    assert no_spot.spot_usd is None and no_spot.total("spot") == no_spot.on_demand_usd
    with pytest.raises(ValueError):
        cost.spot_risk("30%", 3600)


def test_choice_and_break_even_value_of_an_hour():
    local = tradeoff.Side(cost_usd=45, time_to_result_s=7.2 * 3600)
    aws = tradeoff.Side(cost_usd=120, time_to_result_s=3.3 * 3600)
    be = tradeoff.break_even(local, aws)
    assert be.value_of_hour_usd == pytest.approx(75 / 3.9)
    assert tradeoff.choose(local, aws, 10) == "local"
    assert tradeoff.choose(local, aws, 25) == "aws"
    cheap_fast = tradeoff.Side(cost_usd=10, time_to_result_s=3600)
    assert tradeoff.break_even(local, cheap_fast).value_of_hour_usd is None


def test_confidence_is_share_of_scenarios_where_choice_holds():
    runtime = 3600.0

    def sides(wait, run):
        return tradeoff.Side(10, wait + run), tradeoff.Side(20, 300 + run)

    # value of an hour $10: AWS wins when wait - 300 s > 1 h, i.e. wait > 3900 s.
    sure = tradeoff.confidence("local", tradeoff.Scenarios(0, 3000, runtime, runtime), sides, 10)
    split = tradeoff.confidence("local", tradeoff.Scenarios(0, 7800, runtime, runtime), sides, 10)
    assert sure == 1.0
    assert 0.4 < split < 0.6


def test_wait_to_flip_and_bisect():
    local = tradeoff.Side(10, 3600 + 3600)  # wait 1 h + run 1 h
    aws = tradeoff.Side(20, 3900)
    flip = tradeoff.wait_to_flip(local, aws, 3600, 10)
    assert flip == pytest.approx(3600 + 3600 - 3300)
    assert tradeoff.wait_to_flip(local, aws, 3600, 0) is None
    assert tradeoff.bisect_flip(lambda x: x < 128.5, 0, 1024) == pytest.approx(128.5, abs=1e-6)
    assert tradeoff.bisect_flip(lambda x: True, 0, 10) is None


def test_budget_spend_this_month_and_share():
    now = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    runs = [
        budget.AwsRun(datetime(2026, 11, 3, tzinfo=UTC).timestamp(), 7200, 2, 5.0),  # $20
        budget.AwsRun(datetime(2026, 10, 30, tzinfo=UTC).timestamp(), 7200, 2, 5.0),  # last month
    ]
    spent = budget.spent_this_month(runs, now)
    assert spent == pytest.approx(20.0)
    status = budget.budget_status(100, spent, 20)
    assert status.share_of_remaining_pct == pytest.approx(25.0) and not status.exceeds
    assert "25.0% of the remaining budget" in status.message()
    over = budget.budget_status(100, 95, 20)
    assert over.exceeds and "exceeds" in over.message()
    assert budget.budget_status(None, 0, 20).share_of_remaining_pct is None


REQ = rightsize.Request(nodes=1, ntasks=1, cpus_per_task=64, total_cpus=64, mem_per_node_mb=256 * 1024,
                        time_limit_s=6 * 3600)


def test_rightsize_over_allocated_job():
    ev = rightsize.Evidence(runs=5, peak_mem_mb=148 * 1024, effective_cores=44, peak_effective_cores=46.1,
                            runtime_p95_s=3.4 * 3600)
    rs = rightsize.rightsize(REQ, ev)
    assert rs.status == "changed"
    assert rs.proposed("mem_mb") == 178 * 1024  # ceil(148 * 1.2)
    assert rs.proposed("cpus") == 47
    assert rs.proposed("time_s") == 4 * 3600 + 15 * 60  # 3.4 h * 1.25 = 4 h 15 m, not rounded to 5 h
    assert rs.sbatch_lines == ["#SBATCH --cpus-per-task=47", "#SBATCH --mem=178G", "#SBATCH --time=04:15:00"]


def test_rightsize_never_below_failure_floors():
    ev = rightsize.Evidence(runs=3, peak_mem_mb=30 * 1024, runtime_p95_s=3600, oom_request_mb=256 * 1024,
                            timeout_limit_s=6 * 3600)
    rs = rightsize.rightsize(REQ, ev)
    assert rs.proposed("mem_mb") >= 256 * 1024 * 1.2
    assert rs.proposed("time_s") >= 6 * 3600 * 1.25


def test_rightsize_silent_without_evidence_or_material_change():
    assert rightsize.rightsize(REQ, rightsize.Evidence(runs=1)).status == "not-enough-history"
    fit = rightsize.Evidence(runs=4, peak_mem_mb=220 * 1024, effective_cores=63, runtime_p95_s=5 * 3600)
    assert rightsize.rightsize(REQ, fit).status == "no-material-change"


def test_rightsize_mpi_keeps_whole_tasks_and_formats_days():
    mpi = rightsize.Request(nodes=2, ntasks=32, cpus_per_task=1, total_cpus=32, mem_per_node_mb=64 * 1024,
                            time_limit_s=3 * 86400)
    ev = rightsize.Evidence(runs=2, effective_cores=15.2, runtime_p95_s=1.5 * 86400)
    rs = rightsize.rightsize(mpi, ev)
    assert "#SBATCH --ntasks=16" in rs.sbatch_lines  # one core per task: fewer tasks
    assert "#SBATCH --time=1-21:00:00" in rs.sbatch_lines
    assert rightsize.format_time(59) == "00:01:00"


def test_rightsize_hybrid_job_rounds_to_whole_tasks():
    hybrid = rightsize.Request(nodes=1, ntasks=4, cpus_per_task=8, total_cpus=32, mem_per_node_mb=None,
                               time_limit_s=3600)
    rs = rightsize.rightsize(hybrid, rightsize.Evidence(runs=3, effective_cores=9.5))
    assert rs.proposed("cpus") == 12 and rs.sbatch_lines == ["#SBATCH --cpus-per-task=3"]
