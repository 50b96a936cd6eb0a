"""Per-script patterns and the history.* facts the rules see."""

from __future__ import annotations

import pytest
from asba.facts.history_facts import history_facts
from asba.facts.vocabulary import load_vocabulary, value_has_type
from asba.history.patterns import (
    RUN_FIELDS,
    all_patterns,
    compute,
    pattern_for_script,
    percentile,
    user_runtime_limit_ratio,
)


def _run(job, state="COMPLETED", exit_code=0, elapsed=100, cpu_eff=50.0, peak=1000.0, submit=0, platform="local",
         gpu=None):
    values = {"requested_gpus": 0, "gpu_model": "", "gpu_utilization_pct": None, "gpu_utilization_max_pct": None,
              "gpu_memory_peak_mb": None, "gpu_utilization_spread_pct": None, **(gpu or {}),
              "job_id": job, "state": state, "exit_code": exit_code, "elapsed_s": elapsed, "time_limit_s": 3600,
              "alloc_cpus": 4, "requested_memory_mb": 8192.0, "max_memory_used_mb": peak,
              "cpu_efficiency": cpu_eff, "memory_efficiency": round(100 * peak / 8192, 2),
              "effective_cpus": 4 * cpu_eff / 100, "submit_ts": submit, "execution_platform": platform,
              "queue_wait_s": 30, "partition": "cpu"}
    return tuple(values[f] for f in RUN_FIELDS)


def test_one_run_is_not_a_pattern():
    assert compute("train.sbatch", "", [_run("1")]) is None


def test_pattern_statistics():
    runs = [_run("1", elapsed=100, cpu_eff=40), _run("2", elapsed=200, cpu_eff=60),
            _run("3", state="OUT_OF_MEMORY", elapsed=50, peak=8192), _run("4", state="TIMEOUT", elapsed=3600),
            _run("5", state="FAILED", exit_code=2)]
    p = compute("train.sbatch", "", runs)
    assert p.finished_runs == 5 and p.success_rate == pytest.approx(0.4)
    assert (p.oom_count, p.timeout_count, p.other_failure_count) == (1, 1, 1)
    assert p.runtime_p50_s == 150 and p.runtime_p95_s == 200  # successful runs only
    assert p.cpu_efficiency_peak_pct == 60 and p.peak_memory_mb == 8192
    assert p.memory_request_ratio == pytest.approx(1.0)
    assert p.cpu_request_ratio == pytest.approx(4 / p.effective_cores, rel=1e-3)


def test_trend_over_time():
    rising = [_run(str(i), elapsed=100 * (1 + i), submit=i) for i in range(6)]
    assert compute("s", "", rising).runtime_trend == "rising"
    steady = [_run(str(i), elapsed=100, submit=i) for i in range(6)]
    assert compute("s", "", steady).runtime_trend == "stable"


def test_percentile_nearest_rank():
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([5.0], 95) == 5.0


def test_patterns_of_the_real_cluster_jobs(cluster_store):
    names = {p.script: p for p in all_patterns(cluster_store)}
    assert set(names) == {"array.sbatch", "queued_work.sbatch"}  # the only scripts run twice or more
    queued = pattern_for_script(cluster_store, script_name="queued_work.sbatch")
    assert queued.finished_runs == 4 and queued.requested_cpus == 2
    assert queued.cpu_efficiency_peak_pct == 50.0  # queued_c, as seff computes it
    assert queued.queue_wait_p50_s == {"cpu": 5.0}


def test_name_matches_the_job_name_when_sacct_has_no_submit_line(store):
    from history_paths import SAMPLES

    store.import_file(SAMPLES / "sacct_parsable2_header.psv")
    assert pattern_for_script(store, script_name="/home/u/array.sbatch").finished_runs == 4


def test_hash_is_preferred_over_name(cluster_store):
    for job in ("14", "16"):
        cluster_store.record_submission("queued_work.sbatch", "cafe", job)
    p = pattern_for_script(cluster_store, script_hash="cafe", script_name="queued_work.sbatch")
    assert p.job_ids == ["14", "16"] and p.script_hash == "cafe"


def test_every_emitted_fact_is_declared_with_its_type(cluster_store):
    vocabulary = load_vocabulary()
    pattern = pattern_for_script(cluster_store, script_name="queued_work.sbatch")
    facts = history_facts(pattern, partition="cpu", user_runtime_ratio=user_runtime_limit_ratio(cluster_store))
    assert len(facts) > 25
    for fact in facts:
        spec = vocabulary.get(fact.name)
        assert spec is not None, f"{fact.name} is not in knowledge/vocabulary/history.yaml"
        assert value_has_type(fact.value, spec.type), (fact.name, fact.value, spec.type)
    assert facts[1].source == "sacct history: 4 runs of queued_work.sbatch (jobs 14, 15, 16, 17)"


def test_no_pattern_no_script_facts():
    assert history_facts(None) == []


def test_all_patterns_groups_tracked_runs_by_hash(cluster_store):
    cluster_store.record_submission("/home/a/renamed.sbatch", "beef", "2")   # cpu_burn
    cluster_store.record_submission("/home/a/renamed.sbatch", "beef", "14")  # queued_a
    by_hash = {p.script_hash: p for p in all_patterns(cluster_store)}
    assert by_hash["beef"].job_ids == ["2", "14"] and by_hash["beef"].script == "renamed.sbatch"
    untracked = [p for p in all_patterns(cluster_store) if not p.script_hash]
    assert {p.script for p in untracked} == {"array.sbatch", "queued_work.sbatch"}
    assert [p.finished_runs for p in untracked if p.script == "queued_work.sbatch"] == [3]  # 14 moved to beef


def _gpu(gpus, util=None, top=None, mem=None, spread=None, model="a100"):
    return {"requested_gpus": gpus, "gpu_model": model, "gpu_utilization_pct": util, "gpu_utilization_max_pct": top,
            "gpu_memory_peak_mb": mem, "gpu_utilization_spread_pct": spread}


def test_gpu_pattern_from_recorded_runs():
    """4 GPUs, one task per GPU, one task busy: the average says 25 %, the spread says 1 of 4 GPUs is busy."""
    runs = [_run("1", gpu=_gpu(4, 24.0, 96.0, 11000.0, 72.0)), _run("2", gpu=_gpu(4, 26.0, 100.0, 12288.0, 74.0)),
            _run("3", gpu=_gpu(4))]  # a run whose use was not recorded adds nothing
    p = compute("train.sbatch", "", runs)
    assert (p.gpus_typical, p.gpu_model, p.gpu_runs, p.gpu_recorded_runs) == (4, "a100", 3, 2)
    assert p.gpu_utilization_pct == 25.0 and p.gpu_utilization_peak_pct == 100.0
    assert p.gpu_memory_peak_mb == 12288.0 and p.gpus_busy == 1


def test_gpu_use_not_recorded_stays_absent():
    p = compute("train.sbatch", "", [_run("1", gpu=_gpu(2)), _run("2", gpu=_gpu(2))])
    assert p.gpu_runs == 2 and p.gpu_recorded_runs == 0
    assert p.gpu_utilization_pct is None and p.gpu_memory_peak_mb is None and p.gpus_busy is None
    cpu_only = compute("x.sbatch", "", [_run("1"), _run("2")])
    assert cpu_only.gpu_runs == 0 and cpu_only.gpus_typical is None


def test_gpu_facts_say_whether_use_was_recorded():
    from asba.facts.history_facts import history_facts

    unrecorded = {f.name: f.value for f in history_facts(compute("t.sbatch", "", [_run("1", gpu=_gpu(2)),
                                                                                    _run("2", gpu=_gpu(2))]))}
    assert unrecorded["history.gpu_usage_recorded"] is False and unrecorded["history.gpu_model"] == "a100"
    assert "history.gpu_utilization_pct" not in unrecorded and "history.gpu_memory_peak_mb" not in unrecorded
    runs = [_run("1", gpu=_gpu(4, 24.0, 96.0, 11000.0, 72.0)), _run("2", gpu=_gpu(4, 26.0, 100.0, 12288.0, 74.0))]
    recorded = {f.name: f.value for f in history_facts(compute("t.sbatch", "", runs))}
    assert recorded["history.gpu_usage_recorded"] is True and recorded["history.gpu_utilization_pct"] == 25.0
    assert (recorded["history.gpus_busy"], recorded["history.gpus_idle"]) == (1.0, 3.0)
    cpu_only = {f.name for f in history_facts(compute("x.sbatch", "", [_run("1"), _run("2")]))}
    assert not any(name.startswith("history.gpu") for name in cpu_only)


def test_jobs_with_no_job_name_are_never_pooled_into_one_script(store, tmp_path):
    """Issue 21 item 8: the real capture with every job's JobName blanked (as sacct shows a job submitted without
    one through some tools): each unrelated job stays out of the patterns instead of forming one 'script'."""
    from history_paths import SAMPLES

    lines = (SAMPLES / "sacct_parsable2_ALL.psv").read_text().splitlines()
    header = lines[0].split("|")
    name = header.index("JobName")
    blanked = [lines[0]] + ["|".join(c if i != name else "" for i, c in enumerate(line.split("|")))
                            for line in lines[1:]]
    dump = tmp_path / "unnamed.psv"
    dump.write_text("\n".join(blanked) + "\n")
    store.import_file(dump)
    assert store.conn.execute("SELECT count(*) FROM jobs WHERE trim(script_name) = ''").fetchone()[0] >= 2
    assert [p for p in all_patterns(store) if not p.script.strip()] == []
