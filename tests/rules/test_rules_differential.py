"""The Python oracle (why-not, `engine="python"`) must fire exactly what durable-rules fires, in order."""

from __future__ import annotations

import random

from asba.facts.model import Fact
from asba.rules import evaluate, load_packs
from hypothesis import given, settings
from hypothesis import strategies as st

# One rule per operator the compiler emits, plus chaining, negation of derived facts and fact-vs-fact tests.
RULES = """\
rules:
  - id: demo.lt
    severity: info
    message: {found: "x {job.total_cpus}", why: w, fix: f}
    when: [{fact: job.total_cpus, lt: 8}]
  - id: demo.between
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: history.cpu_efficiency_pct, between: [40, 60.5]}]
  - id: demo.in
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: job.partition, in: [gpu, "bio.long", "a%b"]}]
  - id: demo.not-in
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: job.partition, not_in: [gpu, cpu]}]
  - id: demo.ne
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: job.total_gpus, ne: 0}]
  - id: demo.matches
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: job.gpu_type, matches: "(a100|h100)(-\\\\d+g)?"}]
  - id: demo.matches-percent
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: job.partition, matches: "a%b|bio\\\\..*"}]
  - id: demo.matches-classes
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: job.partition, matches: "[a-c]\\\\d{1,2}\\\\s?[^y]"}]
  - id: demo.contains
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: job.programs, contains: bwa}]
  - id: demo.bool
    severity: info
    priority: 700
    message: {found: f, why: w, fix: f}
    when: [{fact: job.is_mpi, eq: true}]
    then: [{assert: demo.flag, value: true}]
  - id: demo.chain
    severity: info
    message: {found: f, why: w, fix: f}
    when:
      - {fact: demo.flag, eq: true}
      - {fact: job.total_cpus, gte: 4}
    then: [{assert: demo.count, expr: "job.total_cpus * 2"}]
  - id: demo.chain2
    severity: info
    priority: 100
    message: {found: f, why: w, fix: f}
    when: [{fact: demo.count, gt: 10}]
    then: [{assert: demo.label, value: big}]
  - id: demo.not-derived
    severity: info
    priority: 999
    message: {found: f, why: w, fix: f}
    when:
      - exists: job.total_cpus
      - absent: demo.label
    then: [{assert: demo.amount, expr: "job.total_cpus / 2"}]
  - id: demo.fact-vs-fact
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: history.effective_cores, lt: {expr: "job.total_cpus * 0.5 - 1"}}]
  - id: demo.fact-eq-fact
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: job.cpus_per_task, eq: {fact: job.total_cpus}}]
  - id: demo.fact-div
    severity: info
    message: {found: f, why: w, fix: f}
    when: [{fact: history.memory_efficiency_pct, gt: {expr: "history.cpu_efficiency_pct / 3 + job.total_gpus"}}]
  - id: demo.any-none
    severity: info
    message: {found: f, why: w, fix: f}
    when:
      any:
        - {fact: job.total_cpus, gte: 64}
        - all:
            - {fact: history.cpu_efficiency_pct, lt: 30}
            - none: [{fact: job.partition, eq: gpu}]
"""

values = {
    "job.total_cpus": st.integers(0, 128),
    "job.cpus_per_task": st.integers(0, 128),
    "job.total_gpus": st.integers(0, 4),
    "history.cpu_efficiency_pct": st.one_of(st.integers(0, 100), st.floats(0, 100, allow_nan=False)),
    "history.memory_efficiency_pct": st.sampled_from([0, 0.00001, 12.5, 26.666666, 27, 40, 60.5, 99.9]),
    "history.effective_cores": st.floats(0, 128, allow_nan=False),
    "job.partition": st.sampled_from(["gpu", "cpu", "bio.long", "bioXlong", "a%b", "ab", "", "a1 x", "b22x",
                                      "c3\tx", "a123x", "b2y", "d1x", "a1  x", "é1x", "a1\"", "b2\\", "a\n1x"]),
    "job.gpu_type": st.sampled_from(["a100", "h100-40g", "a100-", "v100", "A100", "h100-4g"]),
    "job.programs": st.lists(st.sampled_from(["bwa", "samtools", "bwa-mem2", "python"]), max_size=4),
    "job.is_mpi": st.booleans(),
}
fact_sets = st.fixed_dictionaries({}, optional=values)


def _facts(mapping: dict) -> list[Fact]:
    return [Fact(name, value, "hypothesis") for name, value in mapping.items()]


@settings(max_examples=400, deadline=None)
@given(fact_sets)
def test_python_oracle_fires_what_durable_fires(pack_dir_session, facts):
    packs = pack_dir_session
    durable = evaluate(packs, _facts(facts))
    python = evaluate(packs, _facts(facts), engine="python")
    assert durable.fired == python.fired
    assert {n: c.value for n, c in durable.conclusions.items()} == {n: c.value for n, c in python.conclusions.items()}


def test_random_packs_agree(tmp_path):
    """Seeded random packs of threshold rules with chains: both engines agree on 200 random jobs."""
    from rules_packs import make_pack

    rng = random.Random(7)
    names = ["job.total_cpus", "job.total_gpus", "history.cpu_efficiency_pct", "history.effective_cores"]
    ops = ["lt", "lte", "gt", "gte", "eq", "ne"]
    lines = ["rules:"]
    for i in range(60):
        cond = [f"{{fact: {rng.choice(names)}, {rng.choice(ops)}: {rng.randint(0, 64)}}}"
                for _ in range(rng.randint(1, 3))]
        if i > 5 and rng.random() < 0.3:
            cond.append(f"{{fact: demo.count, gte: {rng.randint(0, 5)}}}")
        then = f"\n    then: [{{assert: demo.count, value: {i % 7}}}]" if rng.random() < 0.4 else ""
        lines.append(f"  - id: demo.r{i}\n    severity: info\n    priority: {rng.randint(0, 999)}\n"
                     f"    message: {{found: f, why: w, fix: f}}\n    when: [{', '.join(cond)}]{then}")
    folder = make_pack(tmp_path, "\n".join(lines) + "\n")
    packs = load_packs([folder], builtin=False)
    for _ in range(200):
        job = {n: rng.randint(0, 64) for n in names if rng.random() < 0.85}
        durable = evaluate(packs, _facts(job))
        python = evaluate(packs, _facts(job), engine="python")
        assert durable.fired == python.fired, job
