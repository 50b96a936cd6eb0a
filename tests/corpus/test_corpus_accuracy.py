"""The workload classification against the labelled corpus of real jobs (tests/fixtures/corpus/labels.yaml).

Labels come from how each job was built (its batch script) or from reading its sacct line; never from asba.
Run with -s to see the report: accuracy per class and the confusion list.
"""

from __future__ import annotations

import re

import corpus_eval as ce
import pytest

TARGET_PCT = 90.0


@pytest.fixture(scope="module")
def jobs():
    return ce.per_job()


@pytest.fixture(scope="module")
def scripts():
    return ce.per_script()


@pytest.fixture(scope="module")
def later_scripts():
    return ce.per_script("heldout")


def test_every_labelled_job_is_in_its_capture(jobs):
    labelled = sum(len(v) for v in ce.labels()["jobs"].values())
    assert len(jobs) == labelled >= 45


def test_bottleneck_accuracy_per_job(jobs):
    print("\n" + "\n".join(ce.report(jobs, "per job")))
    assert ce.accuracy(jobs) >= TARGET_PCT, ce.report(jobs, "per job")
    built = [o for o in jobs if not o.where.startswith("reportseff:")]
    assert ce.accuracy(built) >= TARGET_PCT, ce.report(built, "built jobs")


def test_bottleneck_accuracy_on_the_held_out_capture():
    """A second capture of the same scripts, made after every threshold was fixed."""
    later = ce.held_out()
    print("\n" + "\n".join(ce.report(later, "held-out capture")))
    assert len(later) >= 20
    assert ce.accuracy(later) >= TARGET_PCT, ce.report(later, "held-out capture")


def test_held_out_capture_end_to_end(later_scripts):
    outcomes = [o for o, _ in later_scripts]
    print("\n" + "\n".join(ce.report(outcomes, "held-out, per script (asba explain)")))
    assert ce.accuracy(outcomes) >= TARGET_PCT
    assert [v for _, r in later_scripts for v in r["consistency"]["violations"]] == []
    assert ce.family_mismatches(later_scripts) == []


def test_bottleneck_accuracy_per_script_end_to_end(scripts):
    outcomes = [o for o, _ in scripts]
    print("\n" + "\n".join(ce.report(outcomes, "per script (asba explain)")))
    assert ce.accuracy(outcomes) >= TARGET_PCT, ce.report(outcomes, "per script")


def test_no_contradiction_and_no_impossible_value_on_the_corpus(scripts):
    violations = {o.where: r["consistency"]["violations"] for o, r in scripts if r["consistency"]["violations"]}
    assert violations == {}


def test_rightsizing_never_below_a_successful_run(scripts, later_scripts):
    """No proposed memory under a successful run's peak, no time limit under its elapsed time."""
    for outcome, result in scripts + later_scripts:
        runs = [r for r in result["history"]["runs"] if r["state"] == "COMPLETED"]
        for change in result["optimized"].get("changes", []):
            if change["resource"] == "mem_mb":
                assert all(change["proposed"] >= (r["max_memory_used_mb"] or 0) for r in runs), outcome.where
            if change["resource"] == "time_s":
                assert all(change["proposed"] >= r["elapsed_s"] for r in runs), outcome.where
            if change["resource"] == "cpus":
                assert change["proposed"] >= 1, outcome.where


def test_instance_family_follows_the_workload_class(scripts):
    assert ce.family_mismatches(scripts) == []
    classes = {o.where: (o.got_class, r["workload"]["family_class"]) for o, r in scripts}
    assert classes["corpus_burn2.sbatch"] == ("cpu-bound", "compute")
    assert classes["corpus_mem.sbatch"] == ("memory-bound", "memory")


def test_failures_say_what_limited_them(scripts):
    got = {o.where: r["workload"] for o, r in scripts}
    assert got["corpus_timeout.sbatch"]["name"] == "time-limited"  # not over-allocated while it slept
    assert got["corpus_oom.sbatch"]["basis"] == "failure"
    assert got["corpus_sleep.sbatch"]["name"] == "io-or-idle"  # 0 % CPU is not 'balanced'
    assert got["corpus_one_of_four.sbatch"]["name"] == "cpu-bound"
    assert {w["confidence"] for w in got.values()} <= {"low", "medium", "high"}


def test_oom_capture_suggests_neither_less_memory_nor_under_one_cpu(asba_home):
    """Three real OUT_OF_MEMORY runs whose sampled peak (a few MB) missed the kill, as in the issue."""
    result = ce.explain("corpus_oom_instant.sbatch")
    runs = result["history"]["runs"]
    assert [r["state"] for r in runs] == ["OUT_OF_MEMORY"] * 3
    assert max(r["max_memory_used_mb"] for r in runs) < 5  # what sacct sampled before the kill
    pushes = result["consistency"]["pushes"]
    assert {p["direction"] for p in pushes if p["resource"] == "mem_mb"} == {"raise"}
    assert not [p for p in pushes if p["resource"] == "cpus" and p["direction"] == "lower"]
    [mem] = [c for c in result["optimized"]["changes"] if c["resource"] == "mem_mb"]
    assert mem["proposed"] > mem["current"] == 100  # above the memory every run died at
    assert result["request"]["mem_per_node_mb"] >= mem["proposed"]  # the OOM carried over: options sized above it
    assert "raise --mem" in result["recommendation"]["carried_over"]
    assert result["workload"]["name"] == "memory-bound"
    text = _text("corpus_oom_instant.sbatch")
    for wrong in (r"less memory", r"fewer CPUs", r"[Rr]equest about 0 CPU", r"Over-allocated", r"--mem=0\b"):
        assert not re.search(wrong, text), wrong


def _text(script: str) -> str:
    import contextlib
    import io

    from asba.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["explain", str(ce.CORPUS / "jobs" / script), "cpu-aws", "--history-dump",
                     str(ce.REPO / ce.labels()["captures"]["corpus"]["file"]), "--optimize", "--with-history",
                     "--recommend-instance", "--cluster-snapshot", str(ce.REPO / "knowledge" / "cluster-snapshot"),
                     "--no-log", "--explain=full"])
    assert code == 0
    return out.getvalue()
