"""Job arrays as a whole: the properties issue 13 names (N-task cost = N x per task, local time never shorter
when the throttle tightens, the split never worse than all-local or all-AWS by its objective) and index lists."""

from __future__ import annotations

import pytest
from asba.decide import array as arr
from asba.decide import array_indices as idx
from asba.errors import InputError
from hypothesis import example, given
from hypothesis import strategies as st

tasks = st.integers(min_value=1, max_value=3000)
money = st.floats(min_value=0.0, max_value=50.0, allow_nan=False)
seconds = st.floats(min_value=1.0, max_value=2e5, allow_nan=False)
width = st.integers(min_value=1, max_value=500)


def _sides(draw_local, draw_aws):  # type: ignore[no-untyped-def]
    (lc, lw, wait, rt), (ac, aw, wave) = draw_local, draw_aws
    return arr.Side(lc, lw, wait, rt), arr.Side(ac, aw, 0.0, wave)


local_side = st.tuples(money, width, st.floats(min_value=0, max_value=1e5), seconds)
aws_side = st.tuples(money, width, seconds)
budget = st.one_of(st.none(), st.floats(min_value=0.0, max_value=5000.0))


@given(tasks, local_side, aws_side)
def test_whole_array_cost_is_tasks_times_the_per_task_cost(n, loc, aws):
    local, cloud = _sides(loc, aws)
    all_local = arr.price_split(n, n, local, cloud, 5.0, None)
    all_aws = arr.price_split(n, 0, local, cloud, 5.0, None)
    assert all_local.cost_usd == pytest.approx(n * local.per_task_usd)
    assert all_aws.cost_usd == pytest.approx(n * cloud.per_task_usd)
    assert arr.whole(local.per_task_usd, n) == pytest.approx(n * local.per_task_usd)


@given(tasks, st.integers(min_value=1, max_value=400), st.integers(min_value=1, max_value=400),
       st.floats(min_value=0, max_value=1e5), seconds)
def test_local_time_never_decreases_when_the_throttle_tightens(n, t1, t2, wait, runtime):
    tight, loose = sorted((t1, t2))
    capacity = [arr.Bound("partition capacity", 64, "sinfo")]

    def span(throttle: int) -> float:
        w = arr.width(n, [arr.Bound(f"throttle %{throttle}", throttle, "script")] + capacity)
        return arr.local_makespan(n, w.tasks, (wait, wait, wait), (runtime, runtime, runtime)).p50_s

    assert span(tight) >= span(loose)


@given(tasks, local_side, aws_side, st.floats(min_value=0, max_value=200), budget)
def test_split_is_never_worse_than_either_single_platform(n, loc, aws, value, remaining):
    local, cloud = _sides(loc, aws)
    choice = arr.best_split(n, local, cloud, value, remaining)
    assert choice.best.within_budget
    assert choice.best.objective_usd <= choice.all_local.objective_usd + 1e-6
    if choice.all_aws.within_budget:
        assert choice.best.objective_usd <= choice.all_aws.objective_usd + 1e-6
    assert choice.best.local_tasks + choice.best.aws_tasks == n


@given(st.integers(min_value=1, max_value=300), local_side, aws_side, st.floats(min_value=0, max_value=200), budget)
@example(n=2, loc=(2.0, 2, 0.0, 1.0), aws=(1.0, 2, 1.0), value=0.0, remaining=1.0)  # the budget's edge
@example(n=3, loc=(1.0, 1, 0.0, 1.0), aws=(5e-324, 1, 1.0), value=0.0, remaining=0.0)  # a denormal price
def test_wave_boundary_candidates_find_the_optimum_of_every_split(n, loc, aws, value, remaining):
    local, cloud = _sides(loc, aws)
    every = [arr.price_split(n, k, local, cloud, value, remaining) for k in range(n + 1)]
    best = min(s.objective_usd for s in every if s.within_budget)
    assert arr.best_split(n, local, cloud, value, remaining).best.objective_usd == pytest.approx(best, abs=1e-6)


def test_width_names_the_bound_that_applies():
    w = arr.width(100, [arr.Bound("throttle %10", 10, "job.sbatch:3"), arr.Bound("partition capacity", 16, "sinfo")])
    assert (w.tasks, w.binding.name) == (10, "throttle %10")
    w = arr.width(5, [arr.Bound("throttle %10", 10, "job.sbatch:3")])
    assert (w.tasks, w.binding.name) == (5, "array size")


def test_free_capacity_binds_only_when_a_task_fits_now():
    names = [b.name for b in arr.capacity_bounds(8, 4, 128, "CPUs", "cpu", "sinfo")]
    assert names == ["partition capacity"]
    bounds = arr.capacity_bounds(8, 24, 128, "CPUs", "cpu", "sinfo")
    assert [(b.name, b.tasks) for b in bounds] == [("partition free capacity", 3), ("partition capacity", 16)]


def test_aws_waves_each_pay_the_start_up():
    span = arr.aws_makespan(100, 16, 300, (3600, 3600, 3600))
    assert span.waves == 7 and span.p50_s == 7 * 3900


@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=200, unique=True))
def test_compressed_index_lists_round_trip(values):
    values = sorted(values)
    assert idx.indices(idx.compress(values)) == values


@pytest.mark.parametrize("spec, expected", [("1-100%10", list(range(1, 101))), ("0-9:3", [0, 3, 6, 9]),
                                            ("[1,3,5-7]", [1, 3, 5, 6, 7]), ("4,4,2", [2, 4])])
def test_indices_follow_sbatch(spec, expected):
    assert idx.indices(spec) == expected


def test_index_past_max_array_size_is_refused_with_the_limit_and_its_source():
    idx.check_size("0-1000", 1001, "SLURM's default", "job.sbatch:2")
    with pytest.raises(InputError) as err:
        idx.check_size("0-4000000000", 1001, "SLURM's default", "job.sbatch:2")
    line = err.value.one_line()
    assert line.startswith("job.sbatch:2:") and "MaxArraySize is 1001" in line and "ASBA-ARRAY-001" in line
