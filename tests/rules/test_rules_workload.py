"""The built-in workload pack: its cases, its coverage of the classes, and real sacct history."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from asba.facts.model import Fact
from asba.rules import evaluate, load_packs
from asba.rules.testing import run_tests

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
CLASSES = {"cpu-bound", "memory-bound", "cpu-and-memory-bound", "io-or-idle", "time-limited", "gpu-bound", "gpu-idle",
           "insufficient-evidence"}


@pytest.fixture(scope="module")
def packs():
    return load_packs(with_cases=True)


def test_workload_cases_pass_and_cover_every_class(packs):
    results = run_tests(packs, ["workload"])
    assert len(results) >= 25
    assert [r for r in results if r.status != "PASS"] == []
    pack = packs.pack("workload")
    covered = {case.conclusions.get("workload.class") for case in pack.cases}
    assert CLASSES <= covered
    assert set(pack.conclusions["workload.class"].values) == CLASSES


def test_every_efficiency_point_gets_exactly_one_class(packs):
    """The CPU-only rules tile the (CPU, memory) efficiency plane: one class each, on and off boundaries."""
    points = [0, 30, 59.9, 60, 70, 79.9, 80, 95, 100]
    for cpu in points:
        for mem in points:
            ev = evaluate(packs, [Fact("history.run_count", 3, "t"), Fact("evidence.ok_runs", 3, "t"),
                                  Fact("evidence.cpu_efficiency_pct", cpu, "t"),
                                  Fact("evidence.effective_cores", cpu / 100, "t"),
                                  Fact("evidence.memory_efficiency_pct", mem, "t")])
            classifiers = [e.data["rule"] for e in ev.events if e.type == "rule_fired"
                           and any(a["name"] == "workload.class" for a in e.data["asserted"])]
            assert len(classifiers) == 1, (cpu, mem, classifiers)
            assert not [e for e in ev.events if e.type == "conclusion_rejected" and e.data["name"] == "workload.class"]


def test_real_sacct_history_is_classified(packs, tmp_path):
    """History facts computed from a real sacct capture are accepted by the vocabulary and classified."""
    from asba.history.patterns import all_patterns
    from asba.history.store import HistoryStore
    from asba.history.workload_class import pattern_facts

    with HistoryStore.open(tmp_path / "jobs.db") as store:
        store.import_file(FIXTURES / "sacct_parsable2_ALL.psv")
        patterns = list(all_patterns(store))
        assert patterns
        for pattern in patterns:
            ev = evaluate(packs, pattern_facts(pattern))
            assert ev.conclusions["workload.class"].value in CLASSES
            fired = ev.conclusions["workload.class"]
            assert all(f.source.startswith("sacct history:") for f in fired.matched)


GOLDEN_CASES = {
    "memory_bound_chain": {"history.run_count": 3, "evidence.ok_runs": 3, "evidence.cpu_efficiency_pct": 1.25,
                           "evidence.memory_efficiency_pct": 95.0, "job.total_cpus": 16,
                           "evidence.effective_cores": 0.2, "history.gb_per_effective_core": 22.5},
    "gpu_unknown_util": {"history.run_count": 6, "evidence.ok_runs": 6, "evidence.cpu_efficiency_pct": 30.0,
                         "evidence.memory_efficiency_pct": 40.0, "evidence.effective_cores": 2.4, "job.total_gpus": 2},
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_trace(name):
    from asba.paths import packs_dir
    from asba.report.trace import render_json, render_text

    # the workload pack reads failure.*, and the failure pack reads advice.platform: all three load together
    workload_only = load_packs([packs_dir() / "workload", packs_dir() / "failure", packs_dir() / "decision"],
                               builtin=False)
    ev = evaluate(workload_only, [Fact(k, v, f"golden {name}") for k, v in GOLDEN_CASES[name].items()])
    got = {"json": render_json(ev, "fails"), "text": render_text(ev, "fails").splitlines()}
    golden = FIXTURES / "golden" / f"{name}.json"
    if os.environ.get("ASBA_REGEN_GOLDEN"):
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(golden.read_text())
