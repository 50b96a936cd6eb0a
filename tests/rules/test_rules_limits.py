"""Packs at the compiler's limits run in the real C core without hanging or crashing (checked in a child
process with a timeout, because the failure modes past the limits are a frozen process or a segfault)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from asba.errors import RulePackError
from asba.rules import load_packs
from asba.rules.compiler import LIMITS
from asba.rules.evaluate import compiled


def threshold_rules(n: int, op: str = "gt", fact: str = "job.total_cpus", same: bool = False) -> str:
    return "rules:\n" + "".join(
        f"  - id: demo.r{i}\n    severity: info\n    message: {{found: f, why: w, fix: f}}\n"
        f"    when: [{{fact: {fact}, {op}: {0 if same else i}}}]\n" for i in range(n))


def run_child(folder, facts: dict, timeout: int = 60) -> subprocess.CompletedProcess:
    code = textwrap.dedent(f"""
        from asba.facts.model import Fact
        from asba.rules import evaluate, load_packs
        packs = load_packs([{str(folder)!r}], builtin=False)
        ev = evaluate(packs, [Fact(k, v, "t") for k, v in {facts!r}.items()])
        print(len(ev.fired))
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=False)


def test_a_fact_meeting_every_allowed_sibling_test_runs(pack_dir):
    folder = pack_dir(threshold_rules(LIMITS["tests_per_fact"]))
    proc = run_child(folder, {"job.total_cpus": 10_000})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(LIMITS["tests_per_fact"])


def test_many_rules_sharing_one_condition_run(pack_dir):
    folder = pack_dir(threshold_rules(LIMITS["identical_pattern"], same=True))
    proc = run_child(folder, {"job.total_cpus": 5})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(LIMITS["identical_pattern"])


@pytest.mark.parametrize("rules, extra, words", [
    (threshold_rules(LIMITS["tests_per_fact"] + 1), None, "distinct tests on 'job.total_cpus'"),
    (threshold_rules(LIMITS["identical_pattern"], same=True),
     threshold_rules(1, same=True).replace("demo.r0", "demo.x"),
     "rules sharing one identical condition"),
])
def test_one_past_the_limit_is_refused_before_the_c_core_sees_it(pack_dir, rules, extra, words):
    folder = pack_dir(rules)
    if extra:
        (folder / "extra.yaml").write_text(extra)
    packs = load_packs([folder], builtin=False)
    with pytest.raises(RulePackError) as err:
        compiled(packs)
    assert err.value.code == "ASBA-PACK-051" and words in err.value.message
