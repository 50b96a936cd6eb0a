"""Failure risk per platform: past failures keyed by where they happened, and a warning when the advised
platform would repeat one (asba.history.failure_risk, rules/failure/platform_risk.yaml)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from advisor_support import EMPTY, warning_rules
from asba.history.failure_risk import patterns, repeats, risk_facts
from asba.history.store import HistoryStore, connect

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _runs(name: str) -> list:
    store = HistoryStore(connect(":memory:"), Path(":memory:"), frozenset({"cpu-aws", "gpu-aws"}))
    store.import_file(EXAMPLES / "history" / f"{name}.sacct.psv")
    return store.jobs()


def test_oom_example_is_a_pattern_on_cpu_with_its_bound():
    [oom] = patterns(_runs("oom"), {})
    assert (oom.where, oom.kind, oom.occurrences, oom.runs_within) == ("cpu", "oom", 2, 2)
    assert oom.bound == 32 * 1024 and oom.confidence == 1.0
    assert repeats(oom, 32 * 1024, 4 * 3600) and not repeats(oom, 50 * 1024, 4 * 3600)


def test_facts_only_for_a_request_that_would_repeat_it():
    runs = _runs("oom")
    same = risk_facts(runs, {"mem_per_node_mb": 32768, "time_limit_s": 14400}, "cpu", "cpu-aws", None)
    facts = {f.name: f.value for f in same}
    assert facts["risk.local_repeat_kind"] == "oom" and facts["risk.local_repeat_occurrences"] == 2
    assert "41 GiB" in facts["risk.local_repeat_prevention"]  # the successful run's peak
    assert not any(name.startswith("risk.aws_") for name in facts)  # nothing failed on the burst partition
    assert risk_facts(runs, {"mem_per_node_mb": 51200, "time_limit_s": 14400}, "cpu", "cpu-aws", None) == []
    assert risk_facts(runs, {"mem_per_node_mb": 32768}, "highmem", None, None) == []  # another partition


def test_timeouts_on_the_burst_partition_are_keyed_by_instance_type():
    base = _runs("tiny")
    timed_out = [replace(r, partition="cpu-aws", execution_platform="aws", state="TIMEOUT") for r in base[:2]]
    runs = timed_out + base[2:]
    instances = {(r.cluster, r.job_id): "c6i.large" for r in timed_out}
    [pattern] = patterns(runs, instances)
    assert pattern.where == "cpu-aws (c6i.large)" and pattern.kind == "timeout" and pattern.occurrences == 2
    facts = {f.name: f.value for f in risk_facts(runs, {"time_limit_s": 600}, "cpu", "cpu-aws", None)}
    assert facts["risk.aws_repeat_kind"] == "timeout"
    assert facts["risk.aws_repeat_prevention"].startswith("raise --time above 10m")
    assert risk_facts(runs, {"time_limit_s": 1200}, "cpu", "cpu-aws", None) == []  # a longer limit


def test_local_advice_for_the_oom_example_warns_with_the_prevention(explain):
    result = explain("oom.sbatch", "cpu-aws", snapshot=EMPTY)
    assert result["recommendation"]["platform"] == "local"
    warning = next(w for w in result["warnings"] if w["rule"] == "failure.repeat-on-local")
    assert "OUT_OF_MEMORY on cpu x2 of 2 runs with at most 32 GiB per node" in warning["found"]
    assert warning["fix"].startswith("Prevention: request more than 32 GiB per node")


def test_aws_advice_does_not_warn_about_the_local_failure(explain):
    result = explain("oom.sbatch", "cpu-aws")  # the busy queue sends it to AWS
    assert result["recommendation"]["platform"] == "aws"
    assert "failure.repeat-on-local" not in warning_rules(result)
    assert "failure.repeat-on-aws" not in warning_rules(result)
