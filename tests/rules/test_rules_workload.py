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
CLASSES = {"cpu-bound", "memory-bound", "balanced", "gpu-bound", "over-allocated", "insufficient-evidence"}


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
            ev = evaluate(packs, [Fact("history.run_count", 3, "t"), Fact("history.cpu_efficiency_pct", cpu, "t"),
                                  Fact("history.memory_efficiency_pct", mem, "t")])
            classifiers = [e.data["rule"] for e in ev.events if e.type == "rule_fired"
                           and any(a["name"] == "workload.class" for a in e.data["asserted"])]
            assert len(classifiers) == 1, (cpu, mem, classifiers)
            assert not [e for e in ev.events if e.type == "conclusion_rejected" and e.data["name"] == "workload.class"]


def test_real_sacct_history_is_classified(packs, tmp_path):
    """History facts computed from a real sacct capture are accepted by the vocabulary and classified."""
    from asba.facts.history_facts import history_facts
    from asba.history.patterns import all_patterns
    from asba.history.store import HistoryStore

    with HistoryStore.open(tmp_path / "jobs.db") as store:
        store.import_file(FIXTURES / "sacct_parsable2_ALL.psv")
        patterns = list(all_patterns(store))
        assert patterns
        for pattern in patterns:
            ev = evaluate(packs, history_facts(pattern))
            assert ev.conclusions["workload.class"].value in CLASSES
            fired = ev.conclusions["workload.class"]
            assert all(f.source.startswith("sacct history:") for f in fired.matched)


GOLDEN_CASES = {
    "memory_bound_chain": {"history.run_count": 3, "history.cpu_efficiency_pct": 25.0,
                           "history.memory_efficiency_pct": 95.0, "job.total_cpus": 16,
                           "history.effective_cores": 4.0, "history.gb_per_effective_core": 22.5},
    "gpu_unknown_util": {"history.run_count": 6, "history.cpu_efficiency_pct": 30.0,
                         "history.memory_efficiency_pct": 40.0, "job.total_gpus": 2},
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_trace(name):
    from asba.paths import packs_dir
    from asba.report.trace import render_json, render_text

    workload_only = load_packs([packs_dir() / "workload"], builtin=False)
    ev = evaluate(workload_only, [Fact(k, v, f"golden {name}") for k, v in GOLDEN_CASES[name].items()])
    got = {"json": render_json(ev, "fails"), "text": render_text(ev, "fails").splitlines()}
    golden = FIXTURES / "golden" / f"{name}.json"
    if os.environ.get("ASBA_REGEN_GOLDEN"):
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(golden.read_text())
