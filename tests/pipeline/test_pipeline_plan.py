"""The pipeline plan (asba.decide.pipeline) and detection from history (asba.history.pipelines)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from asba.decide import pipeline as pl
from asba.history import pipelines as hp
from hypothesis import given
from hypothesis import strategies as st

money = st.floats(min_value=0, max_value=100, allow_nan=False)
secs = st.floats(min_value=0, max_value=1e5, allow_nan=False)
step = st.builds(pl.Step, st.just("s"), money, secs, st.one_of(st.none(), money), secs,
                 st.floats(min_value=0, max_value=500))


def _fix(steps: list[pl.Step]) -> list[pl.Step]:  # aws_time must be set when aws_cost is
    return [pl.Step(s.name, s.local_cost_usd, s.local_time_s, s.aws_cost_usd,
                    None if s.aws_cost_usd is None else s.aws_time_s, s.transfer_gb) for s in steps]


@given(st.lists(step, min_size=1, max_size=6), st.floats(min_value=0, max_value=100),
       st.one_of(st.none(), st.floats(min_value=0, max_value=300)))
def test_best_plan_is_never_worse_than_all_local_or_all_aws(steps, value, budget):
    choice = pl.choose(_fix(steps), value, 0.09, budget)
    assert choice.best.within_budget
    assert choice.best.objective_usd <= choice.all_local.objective_usd + 1e-9
    if choice.all_aws is not None and choice.all_aws.within_budget:
        assert choice.best.objective_usd <= choice.all_aws.objective_usd + 1e-9


def test_critical_path_is_the_sum_and_egress_is_paid_where_data_leaves_aws():
    steps = [pl.Step("a", 1, 3600, 2, 600, 10), pl.Step("b", 1, 3600, 2, 600, 40), pl.Step("c", 1, 3600, 2, 600, 2)]
    plan = pl.price(steps, ("aws", "local", "aws"), 0.0, 0.09, None)
    assert plan.time_s == 600 + 3600 + 600
    assert plan.egress_usd == pytest.approx((10 * 0.09, 0.0, 2 * 0.09))  # a -> local b; c's results come home
    all_aws = pl.price(steps, ("aws", "aws", "aws"), 0.0, 0.09, None)
    assert all_aws.egress_usd == pytest.approx((0.0, 0.0, 0.18))  # AWS to AWS is free
    assert plan.changes == 2 and all_aws.changes == 0


def test_budget_keeps_steps_local_and_the_unconstrained_plan_says_what_it_would_need():
    steps = [pl.Step("a", 1, 36000, 10, 600, 0), pl.Step("b", 1, 36000, 10, 600, 0)]
    choice = pl.choose(steps, 10.0, 0.09, 12.0)
    assert choice.unconstrained.platforms == ("aws", "aws") and choice.best.platforms.count("aws") == 1
    assert choice.best.aws_spend_usd <= 12.0


def test_a_step_without_an_aws_option_stays_local():
    steps = [pl.Step("a", 1, 36000, None, None, 0), pl.Step("b", 1, 36000, 1, 60, 0)]
    choice = pl.choose(steps, 10.0, 0.09, None)
    assert choice.best.platforms[0] == "local" and choice.all_aws is None


@dataclass
class Job:  # the JobRecord fields detection reads
    job_id: str
    base_id: str
    script_name: str
    submit_ts: int
    start_ts: int | None
    end_ts: int | None
    state: str = "COMPLETED"
    submit_line: str = ""


def test_dependency_in_the_submit_line_links_two_scripts_at_once():
    jobs = [Job("10", "10", "a.sbatch", 0, 5, 100), Job("11", "11", "b.sbatch", 1, 500, 900,
                                                         submit_line="sbatch --dependency=afterok:10 b.sbatch")]
    found = hp.links(hp.runs_of(jobs))
    assert [(k.before, k.after, k.via) for k in found] == [("a.sbatch", "b.sbatch", "dependency")]


def test_start_after_end_needs_two_pairs_within_the_window():
    day = 86400
    jobs = []
    for n in range(2):
        t = n * day
        jobs += [Job(f"{n}1", f"{n}1", "a.sbatch", t, t + 10, t + 1000),
                 Job(f"{n}2", f"{n}2", "b.sbatch", t + 1000 + 1800, t + 1000 + 1900, t + 5000)]
    assert [(k.before, k.after) for k in hp.links(hp.runs_of(jobs[:2]))] == []  # once could be chance
    assert [(k.before, k.after, k.runs) for k in hp.links(hp.runs_of(jobs))] == [("a.sbatch", "b.sbatch", 2)]
    late = [Job(j.job_id, j.base_id, j.script_name, j.submit_ts + (7200 if j.script_name == "b.sbatch" else 0),
                j.start_ts and j.start_ts + (7200 if j.script_name == "b.sbatch" else 0), j.end_ts) for j in jobs]
    assert hp.links(hp.runs_of(late)) == []  # two hours after: outside the one-hour window


def test_array_tasks_count_as_one_run_and_the_chain_is_followed_both_ways():
    jobs = [Job("5_1", "5", "a.sbatch", 0, 10, 100), Job("5_2", "5", "a.sbatch", 0, 10, 300),
            Job("6", "6", "b.sbatch", 1, 310, 400, submit_line="sbatch -d afterok:5_* b.sbatch"),
            Job("7", "7", "c.sbatch", 2, 410, 500, submit_line="sbatch --dependency afterany:6 c.sbatch")]
    runs = hp.runs_of(jobs)
    assert len(runs) == 3 and runs[0].end_ts == 300
    chain = hp.chain_of("b.sbatch", hp.links(runs))
    assert chain.steps == ["a.sbatch", "b.sbatch", "c.sbatch"]
    assert hp.dependency_ids("sbatch --dependency=afterok:12:13,afterany:14_* x.sbatch") == ["12", "13", "14"]
