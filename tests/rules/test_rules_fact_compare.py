"""A rule comparing one fact with another must fire exactly when Python's comparison is true, never crash.

durable-rules 2.0.28 walks past the end of a join's expression sequence (reduceExpressionSequence, under
isBetaMatch) when the last right-side reference test (``{"$lt": {"v": {"c0": "v"}}}``) of the join is
false, and segfaults for some ruleset layouts. The compiler therefore never emits such a test: the facts
are joined by name and the comparison is checked in Python when the rule fires. These tests pin both
halves: the C core never sees a reference, and the firings equal Python's own comparison for every operator.
"""

from __future__ import annotations

import json
import operator
import subprocess
import sys
from pathlib import Path

import pytest
from asba.facts.model import Fact
from asba.rules import evaluate, load_packs
from asba.rules.evaluate import compiled
from asba.rules.values import normalise
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_packs import make_pack

# The pack of the bug report: the segfault needed exactly this shape (one constant test on the referenced
# fact, the reference alone on the other); (gpus, cpus) = (4, 4) and (5, 4) crashed, (4, 5) fired.
REPRO_RULES = """\
rules:
  - id: tp.more
    severity: info
    message: {found: "x", why: "y", fix: "z"}
    when:
      - {fact: job.total_cpus, gt: 0}
      - {fact: job.total_gpus, lt: {fact: job.total_cpus}}
    then:
      - {assert: tp.more, value: true}
"""
REPRO_MANIFEST = """\
pack: tp
revision: "1"
description: test
owner: me <me@example.org>
namespaces: [tp]
references: ["none"]
conclusions:
  tp.more:
    type: boolean
    meaning: x
"""

OPS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le, "gt": operator.gt,
       "gte": operator.ge}
PAIRS = {  # (compared fact, referenced fact, vocabulary type)
    "integer": ("job.total_gpus", "job.total_cpus"),
    "number": ("history.cpu_efficiency_pct", "budget.remaining_usd"),
}


def _references(node) -> list:
    """Right-side references to another alias (``{"c0": "v"}``) anywhere in compiled durable JSON."""
    if isinstance(node, dict):
        found = [node] if any(k.startswith("c") and k[1:].isdigit() and v == "v" for k, v in node.items()) else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _references(item)]
    return []


@pytest.mark.parametrize(("gpus", "cpus"), [(4, 4), (5, 4), ("4.0", 4), (4, 5), (0, 3)])
def test_reported_pack_does_not_crash_and_fires_iff_less(tmp_path, gpus, cpus):
    make_pack(tmp_path, REPRO_RULES, name="tp", manifest=REPRO_MANIFEST)
    (tmp_path / "f.yaml").write_text(f"{{job.total_gpus: {gpus}, job.total_cpus: {cpus}}}\n")
    run = subprocess.run([sys.executable, "-X", "faulthandler", "-m", "asba", "rules", "eval", "f.yaml",
                          "--path", "tp", "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    conclusions = json.loads(run.stdout)["conclusions"]
    fired = "tp.more" in conclusions
    assert fired == (float(gpus) < cpus)
    if fired:
        assert conclusions["tp.more"]["rule"] == "tp.more"


def test_no_compiled_rule_hands_the_core_a_fact_reference(tmp_path):
    """Shipped packs (platform, budget, gpus, cfd, ... use `{fact: A, gt: {fact: B}}`) and the reported one."""
    folder = make_pack(tmp_path, REPRO_RULES, name="tp", manifest=REPRO_MANIFEST)
    packset = load_packs([folder], builtin=True)
    comp = compiled(packset)
    with_checks = {b.rule.id for b in comp.branches.values() if b.checks}
    shipped = {"decision.aws-better-value", "decision.local-over-budget", "pipeline.budget-holds-back"}
    assert {"tp.more", *shipped} <= with_checks
    assert _references(comp.durable_json) == []


def _rules_yaml(op: str, left: str, right: str, k_left: int, k_right: int) -> str:
    """One rule: constant tests (always true, distinct values so they make distinct Rete nodes) on each fact,
    then ``left <op> right``; k_left/k_right vary the layouts that crashed the C core."""
    consts = [f"      - {{fact: {right}, gt: {-100 - j}}}\n" for j in range(k_right)]
    consts += [f"      - {{fact: {left}, gt: {-200 - j}}}\n" for j in range(k_left)]
    return ("rules:\n  - id: demo.cmp\n    severity: info\n    message: {found: f, why: w, fix: f}\n"
            "    when:\n" + "".join(consts) + f"      - {{fact: {left}, {op}: {{fact: {right}}}}}\n"
            "    then: [{assert: demo.flag, value: true}]\n")


_PACKS: dict[tuple, object] = {}


def _packset(root: Path, key: tuple):
    if key not in _PACKS:
        op, kind, k_left, k_right = key
        left, right = PAIRS[kind]
        folder = make_pack(root / "_".join(map(str, key)), _rules_yaml(op, left, right, k_left, k_right))
        _PACKS[key] = load_packs([folder], builtin=False)
    return _PACKS[key]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(op=st.sampled_from(sorted(OPS)), kind=st.sampled_from(sorted(PAIRS)), k_left=st.integers(0, 3),
       k_right=st.integers(0, 3), a=st.integers(0, 12), b=st.integers(0, 12), frac=st.sampled_from([0, 0.5]))
def test_fact_comparison_fires_iff_python_comparison(tmp_path_factory, op, kind, k_left, k_right, a, b, frac):
    """In-process is safe: the compiled JSON has no reference test (asserted first), and without one the
    join never reaches the crashing path (every probe crash was a false reference test in isBetaMatch)."""
    packset = _packset(tmp_path_factory.getbasetemp() / "cmp", (op, kind, k_left, k_right))
    assert _references(compiled(packset).durable_json) == []
    left, right = PAIRS[kind]
    spec = packset.vocabulary.spec
    x = normalise(a + frac if kind == "number" else a, spec(left).type)
    y = normalise(b, spec(right).type)
    ev = evaluate(packset, [Fact(left, x, "test"), Fact(right, y, "test")])
    assert ("demo.flag" in ev.conclusions) == OPS[op](x, y)
    python = evaluate(packset, [Fact(left, x, "test"), Fact(right, y, "test")], engine="python")
    assert set(python.conclusions) == set(ev.conclusions)
