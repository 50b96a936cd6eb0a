"""The consistency check: it catches opposite pushes and impossible values, and says which rule won and why."""

from __future__ import annotations

from types import SimpleNamespace

from asba.decide import consistency as cc
from asba.decide.rightsize import Change
from asba.facts.model import Fact
from asba.rules import evaluate, load_packs

NEAR_LIMIT = {"history.run_count": 3, "history.memory_efficiency_peak_pct": 95, "evidence.ok_runs": 2,
              "evidence.cpu_efficiency_pct": 90, "evidence.memory_efficiency_pct": 20,
              "evidence.memory_efficiency_peak_pct": 25}


def _evaluate(values: dict):
    return evaluate(load_packs(), [Fact(k, v, "test") for k, v in values.items()])


def test_failure_outranks_efficiency_and_the_trace_says_so():
    ev = _evaluate(NEAR_LIMIT)
    result = cc.check(ev, [], cc.Record())
    assert result.violations == []
    pushes = [(p.resource, p.direction, p.by) for p in result.pushes]
    assert pushes == [("mem_mb", "raise", "failure.memory-near-limit")]
    assert result.resolved == [{"resource": "mem_mb", "lost": "workload.memory-oversized",
                                "won": "failure.memory-near-limit",
                                "why": "failure outranks efficiency: a past run failed on this resource"}]


def test_opposite_pushes_on_one_resource_are_a_contradiction():
    ev = _evaluate(NEAR_LIMIT)  # the failure rule says raise memory
    lower = [Change("mem_mb", 4096, 2048, "made up")]
    result = cc.check(ev, lower, cc.Record())
    assert result.violations == ["contradiction on mem_mb: failure.memory-near-limit (raise), right-sizing (lower)"]


def test_impossible_values_are_caught():
    record = cc.Record(oom_request_mb=32768, ok_peak_mb=40000, ok_elapsed_s=7200, timeout_limit_s=3600)
    found = cc.impossible({"cpus": 0, "mem_mb": 32768, "time_s": 3600}, record, cpus_needed=0)
    assert len(found) == 6
    assert any("0 CPUs" in f and "right-sizing" in f for f in found)
    assert any("workload.cpus_needed" in f for f in found)
    assert any("ran out of memory" in f for f in found) and any("successful run's peak" in f for f in found)
    assert any("successful run's 7200 s" in f for f in found) and any("limit a run hit" in f for f in found)
    assert cc.impossible({"cpus": 1, "mem_mb": 49152, "time_s": 9000}, record, cpus_needed=1) == []


def test_record_reads_failed_and_successful_runs_per_node():
    runs = [SimpleNamespace(state="OUT_OF_MEMORY", exit_code=0, requested_memory_mb=65536, max_memory_used_mb=2,
                            elapsed_s=60, time_limit_s=3600, nodes=2),
            SimpleNamespace(state="COMPLETED", exit_code=0, requested_memory_mb=98304, max_memory_used_mb=81920,
                            elapsed_s=5000, time_limit_s=7200, nodes=2),
            SimpleNamespace(state="TIMEOUT", exit_code=0, requested_memory_mb=98304, max_memory_used_mb=100,
                            elapsed_s=7260, time_limit_s=7200, nodes=2)]
    assert cc.record_of(runs, nodes=2) == cc.Record(oom_request_mb=32768, ok_peak_mb=40960, ok_elapsed_s=5000,
                                                    timeout_limit_s=7200)


def test_a_sleeper_is_never_asked_for_zero_cpus():
    ev = _evaluate({"history.run_count": 2, "evidence.ok_runs": 2, "evidence.cpu_efficiency_pct": 0.0,
                    "evidence.memory_efficiency_pct": 0.4, "evidence.effective_cores": 0.0, "job.total_cpus": 8})
    assert ev.conclusions["workload.cpus_needed"].value == 1
    assert cc.check(ev, [], cc.Record()).violations == []


def test_the_text_names_the_rule_that_won_only_when_there_is_one():
    from asba.report.consistency_text import consistency_lines

    ev = _evaluate(NEAR_LIMIT)
    block = cc.check(ev, [], cc.Record()).as_dict()
    lines = consistency_lines(block)
    assert lines[1] == "CONSISTENCY"
    assert "workload.memory-oversized yielded to failure.memory-near-limit on mem_mb: failure outranks efficiency" \
        in lines[3]
    assert consistency_lines({"pushes": [], "resolved": [], "violations": []}) == []
