"""Rules engine: load+validate+compile time, evaluations/s beside raw durable-rules and plain Python, and
memory/threads over 100,000 evaluations in one process.

Run: ``.venv/bin/pytest benchmarks/bench_engine.py --benchmark-enable -s`` (ASBA_BENCH_EVALS=N shortens the
memory run; default 100000). Baselines measured in the same run on the same jobs and the same compiled ruleset:
* raw durable-rules: the C core driven directly (json.dumps per fact, a callback that only asserts the rule's
  conclusions), no fact checks, no trace, no findings;
* plain Python: asba's own Python engine (``evaluate(..., engine="python")``), same semantics and trace.
Targets (issue 2): >= 500 evaluations/s on one core; asba <= 1.5x raw durable-rules; memory and thread count
flat over 100,000 evaluations. Figures go to each benchmark's extra_info and are printed.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import threading
import time
from pathlib import Path

import pytest
from asba.facts.model import Fact
from asba.rules import evaluate, load_packs
from asba.rules import expr as exprlang
from asba.rules.checks import facts_read
from asba.rules.compiler import ANCHOR, compile_packset
from asba.rules.evaluate import compiled, durable_ruleset
from asba.rules.model import Expr
from asba.rules.oracle import holds

JOBS = 200
SEED = 11


# ---------------------------------------------------------------- generated packs
def write_generated_pack(root: Path, n_rules: int, seed: int = SEED) -> Path:
    """A pack of n threshold rules over ~30 numeric job/history facts, ~30% chained on earlier conclusions."""
    from asba.facts.vocabulary import load_vocabulary

    rng = random.Random(seed)
    vocab = load_vocabulary()
    inputs = [s.name for s in vocab.specs() if s.type in ("integer", "number")][:30]
    conclusions = [f"gen.c{i}" for i in range(50)]
    folder = root / f"gen{n_rules}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(
        f"pack: gen\nrevision: '{n_rules}'\ndescription: generated\nowner: bench\nnamespaces: [gen]\nconclusions:\n"
        + "".join(f"  {c}: {{type: integer, meaning: generated}}\n" for c in conclusions))
    lines: list[str] = []
    for i in range(n_rules):
        conds = [f"{{fact: {rng.choice(inputs)}, {rng.choice(['lt', 'lte', 'gt', 'gte'])}: "
                 f"{rng.randrange(0, 100, 10)}}}"
                 for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            conds.append(f"{{fact: {rng.choice(conclusions)}, gte: {rng.randint(1, 3)}}}")
        then = (f"\n    then: [{{assert: {rng.choice(conclusions)}, value: {rng.randint(1, 3)}}}]"
                if rng.random() < 0.4 else "")
        lines.append(f"  - id: gen.r{i}\n    severity: info\n    priority: {rng.randint(0, 999)}\n"
                     f"    message: {{found: f, why: w, fix: f}}\n    when: [{', '.join(conds)}]{then}")
    for start in range(0, n_rules, 200):  # at most 200 rules per file (the schema's limit)
        (folder / f"rules{start // 200}.yaml").write_text("rules:\n" + "\n".join(lines[start:start + 200]) + "\n")
    return folder


# ---------------------------------------------------------------- jobs of ~30 facts
def job_fact_sets(packset, n: int = JOBS, size: int = 30, seed: int = SEED) -> list[list[Fact]]:
    """n jobs: every input fact the packs read, topped up from the vocabulary to `size` facts."""
    rng = random.Random(seed)
    conclusions = {c for p in packset.packs for c in p.conclusions}
    read = sorted({f for r in packset.rules for f in facts_read(r.when)} - conclusions)
    others = [s.name for s in packset.vocabulary.specs() if s.name not in read and s.name not in conclusions]
    names = (read + rng.sample(others, max(0, size - len(read))))[:max(size, len(read))]
    strings = _string_constants(packset)
    jobs = []
    for _ in range(n):
        facts = []
        for name in names:
            spec = packset.vocabulary.get(name)
            facts.append(Fact(name, _value(rng, spec, strings.get(name)), "bench"))
        jobs.append(facts)
    return jobs


def _string_constants(packset) -> dict[str, list]:
    from asba.rules.checks import leaves

    found: dict[str, list] = {}
    for rule in packset.rules:
        for leaf in leaves(rule.when):
            value = getattr(leaf, "value", None)
            if isinstance(value, str):
                found.setdefault(leaf.fact, []).append(value)
            elif isinstance(value, tuple) and value and isinstance(value[0], str):
                found.setdefault(leaf.fact, []).extend(value)
    return found


def _value(rng: random.Random, spec, strings):
    if spec.type == "boolean":
        return rng.random() < 0.5
    if spec.type == "string":
        return rng.choice((strings or []) + ["other", ""])
    if spec.type == "string_list":
        return rng.sample(["bwa", "samtools", "python", "srun", "gcc/12"], rng.randint(0, 3))
    if spec.unit == "%":
        return round(rng.uniform(0, 100), 2)
    if spec.type == "integer":
        return rng.choice([0, 1, 2, 3, 4, 8, 16, 32, 64, 128])
    return round(rng.uniform(0, 100) * rng.choice([1, 10, 1000]), 3)


# ---------------------------------------------------------------- raw durable baseline
class RawDurable:
    """The same compiled ruleset driven straight through the C module: no checks, no trace, no findings."""

    def __init__(self, packset) -> None:
        self.comp = compiled(packset)
        self.handle = durable_ruleset(self.comp)._handle
        import durable_rules_engine

        self.core = durable_rules_engine
        self.sids = itertools.count(10**9)

    def prepare(self, facts: list[Fact]) -> list[Fact]:
        return sorted(facts, key=lambda f: f.name)

    def evaluate(self, facts: list[Fact]) -> list[str]:
        """Serialise and assert the facts the ruleset tests (like asba, so the C core does the same work)."""
        core, handle, tested = self.core, self.handle, self.comp.tested
        wm = {f.name: f.value for f in facts}
        sid = str(next(self.sids))
        suffix = f', "sid": "{sid}"}}'
        state = core.assert_fact(handle, '{"t": "sentinel"' + suffix)[1]
        fired: list[str] = []
        try:
            core.start_action_for_state(handle, state)
            core.complete_and_start_action(handle, state)
            for f in facts:
                if f.name in tested:
                    core.assert_fact(handle, json.dumps({"t": "a", "n": f.name, "v": f.value, "sid": sid}))
            if self.comp.uses_anchor:
                core.assert_fact(handle, json.dumps({**ANCHOR, "sid": sid}))
            result = core.start_action_for_state(handle, state)
            message = result[1] if result else None
            while message:
                name = message[2:message.index('"', 2)]
                branch = self.comp.branches.get(name)
                if branch and branch.rule.id not in fired and all(holds(g, wm) for g in branch.conjunct.guards):
                    fired.append(branch.rule.id)
                    for action in branch.rule.actions:
                        if action.conclusion not in wm:
                            value = (exprlang.evaluate(action.value.node, wm) if isinstance(action.value, Expr)
                                     else action.value)
                            wm[action.conclusion] = value
                            core.assert_fact(handle, json.dumps({"t": "a", "n": action.conclusion, "v": value,
                                                                 "sid": sid}))
                message = core.complete_and_start_action(handle, state)
        finally:
            core.delete_state(handle, sid)
        return fired


# ---------------------------------------------------------------- helpers
def interleaved_rates(engines: dict, seconds: float = 9.0) -> dict[str, tuple[float, float]]:
    """{name: (evaluations/s, p50 ms)}: engines take turns job by job, so machine noise hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in engines}
    deadline = time.perf_counter() + seconds
    rounds = 0
    while time.perf_counter() < deadline or rounds < 1:
        for i in range(len(next(iter(engines.values()))[1])):
            for name, (fn, inputs) in engines.items():
                start = time.perf_counter()
                fn(inputs[i])
                times[name].append(time.perf_counter() - start)
        rounds += 1
    return {name: (len(t) / sum(t), statistics.median(t) * 1000) for name, t in times.items()}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("gen")
    return {n: write_generated_pack(root, n) for n in (200, 1000)}


# ---------------------------------------------------------------- (1) load + validate + compile
@pytest.mark.parametrize("which", ["shipped", "gen200", "gen1000"])
def test_load_validate_compile(benchmark, generated, which):
    from asba.rules.driver import DurableRuleset

    paths, builtin = ([], True) if which == "shipped" else ([generated[int(which[3:])]], False)
    counter = itertools.count()

    def run():
        packset = load_packs(paths, builtin=builtin)
        comp = compile_packset(packset)
        DurableRuleset(f"bench_{which}_{next(counter)}", comp.durable_json)  # the C core's own compile
        return packset

    packset = benchmark.pedantic(run, rounds=5 if which != "gen1000" else 3, iterations=1)
    benchmark.extra_info.update({"rules": len(packset.rules), "compiled_rules": len(compiled(packset).branches)})
    print(f"\n[load+validate+compile] {which}: {len(packset.rules)} rules")


# ---------------------------------------------------------------- (2) evaluations/s and ratios
@pytest.mark.parametrize("which", ["shipped", "gen200"])
def test_evaluations_per_second(benchmark, generated, which):
    packset = load_packs() if which == "shipped" else load_packs([generated[200]], builtin=False)
    jobs = job_fact_sets(packset)
    raw = RawDurable(packset)
    prepared = [raw.prepare(job) for job in jobs]
    for job, prep in zip(jobs, prepared):  # same firings on all three engines, before timing anything
        fired = evaluate(packset, job).fired
        assert fired == raw.evaluate(prep) == evaluate(packset, job, engine="python").fired
    rates = interleaved_rates({"asba": (lambda job: evaluate(packset, job), jobs),
                               "raw": (raw.evaluate, prepared),
                               "python": (lambda job: evaluate(packset, job, engine="python"), jobs)})
    (asba_rate, asba_p50), (raw_rate, raw_p50), (py_rate, py_p50) = rates["asba"], rates["raw"], rates["python"]
    benchmark.pedantic(lambda: [evaluate(packset, job) for job in jobs[:50]], rounds=3, iterations=1)
    firings = statistics.mean(len(evaluate(packset, job).fired) for job in jobs)
    info = {"facts_per_job": len(jobs[0]), "rules": len(packset.rules), "mean_firings": round(firings, 1),
            "asba_eval_per_s": round(asba_rate), "raw_durable_eval_per_s": round(raw_rate),
            "python_eval_per_s": round(py_rate), "asba_p50_ms": round(asba_p50, 3),
            "raw_p50_ms": round(raw_p50, 3), "python_p50_ms": round(py_p50, 3),
            "asba_over_raw_durable": round(raw_rate / asba_rate, 2),
            "asba_durable_over_python": round(py_rate / asba_rate, 2)}
    benchmark.extra_info.update(info)
    print(f"\n[evaluations/s] {which}: " + json.dumps(info))


# ---------------------------------------------------------------- (3) memory and threads over many evaluations
def test_memory_and_threads_flat(benchmark):
    total = int(os.environ.get("ASBA_BENCH_EVALS", "100000"))
    packset = load_packs()
    jobs = job_fact_sets(packset)
    samples = []
    threads_before = threading.active_count()

    def run():
        start = time.perf_counter()
        for n, job in enumerate(itertools.islice(itertools.cycle(jobs), total), 1):
            evaluate(packset, job)
            if n % max(1, total // 10) == 0 or n == 1:
                samples.append({"evaluations": n, "rss_mb": round(rss_mb(), 1), "threads": threading.active_count(),
                                "elapsed_s": round(time.perf_counter() - start, 1)})

    benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update({"samples": samples})
    print("\n[memory] " + json.dumps(samples))
    assert all(s["threads"] == threads_before for s in samples)
    warm = samples[min(1, len(samples) - 1)]["rss_mb"]
    assert samples[-1]["rss_mb"] - warm < 8, samples  # allocator warm-up excluded; no per-evaluation leak
