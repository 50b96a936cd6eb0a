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


def _run(job, state="COMPLETED", exit_code=0, elapsed=100, cpu_eff=50.0, peak=1000.0, submit=0, platform="local"):
    values = {"job_id": job, "state": state, "exit_code": exit_code, "elapsed_s": elapsed, "time_limit_s": 3600,
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
