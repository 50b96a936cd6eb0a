"""Whatever YAML an author writes, loading ends in a pack or in one RulePackError: never a traceback."""

from __future__ import annotations

import yaml
from asba.errors import AsbaError
from asba.rules import evaluate, load_packs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KEYS = ["id", "severity", "message", "when", "then", "priority", "fact", "gte", "lt", "eq", "in", "matches",
        "exists", "absent", "all", "any", "none", "assert", "value", "expr", "found", "why", "fix", "between"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 300), st.floats(allow_nan=True),
                    st.sampled_from(["demo.x", "job.total_cpus", "info", "demo.label", "a(b", "1 +", "[x", "big"]))
trees = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                     st.dictionaries(st.sampled_from(KEYS), kids, max_size=5)),
                     max_leaves=25)
GOOD_RULE = {"id": "demo.x", "severity": "info", "message": {"found": "f", "why": "w", "fix": "x"},
             "when": [{"fact": "job.total_cpus", "gte": 1}], "then": [{"assert": "demo.label", "value": "big"}]}


def _rule_variants():
    return st.builds(lambda extra: {**GOOD_RULE, **extra}, st.dictionaries(st.sampled_from(KEYS), trees, max_size=3))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(trees, st.builds(lambda r: {"rules": [r]}, _rule_variants())))
def test_any_rule_file_loads_or_fails_with_one_error(pack_dir, doc):
    folder = pack_dir(yaml.safe_dump(doc, allow_unicode=True))
    try:
        packs = load_packs([folder], builtin=False)
    except AsbaError as exc:
        assert exc.code.startswith("ASBA-PACK-") and exc.where and exc.hint
        return
    from asba.facts.model import Fact

    evaluate(packs, [Fact("job.total_cpus", 4, "fuzz")])


FACTS = ["job.total_cpus", "job.partition", "job.programs", "job.is_mpi", "history.cpu_efficiency_pct",
         "demo.label", "demo.count", "job.total_cpu"]
OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in", "matches", "contains"]
values = st.one_of(st.integers(-3, 70), st.sampled_from([0.5, 50.25, 1e-7, 1e20, True, "gpu", "bwa", "big",
                                                         "g.*", "(a|b", "[0-9]+", "%d"]),
                   st.lists(st.one_of(st.integers(0, 64), st.sampled_from(["gpu", "cpu", "big"])), min_size=1,
                            max_size=3),
                   st.builds(lambda f: {"fact": f}, st.sampled_from(FACTS)),
                   st.builds(lambda e: {"expr": e}, st.sampled_from(["job.total_cpus * 2", "demo.count / 2",
                                                                     "job.total_cpus / 0", "1 +", "max(1, 2)"])))
leaf = st.one_of(st.builds(lambda f, o, v: {"fact": f, o: v}, st.sampled_from(FACTS), st.sampled_from(OPS), values),
                 st.builds(lambda f: {"exists": f}, st.sampled_from(FACTS)),
                 st.builds(lambda f: {"absent": f}, st.sampled_from(FACTS)))
conditions = st.recursive(leaf, lambda kids: st.builds(lambda k, items: {k: items},
                                                       st.sampled_from(["all", "any", "none"]),
                                                       st.lists(kids, min_size=1, max_size=3)), max_leaves=6)
actions = st.lists(st.builds(lambda c, v: {"assert": c, **v},
                             st.sampled_from(["demo.label", "demo.count", "demo.flag"]),
                             st.one_of(st.builds(lambda x: {"value": x}, st.sampled_from(["big", 3, True, 2.5])),
                                       st.builds(lambda e: {"expr": e}, st.sampled_from(
                                           ["job.total_cpus * 2", "round(job.total_cpus / 3)", "demo.count + 1"])))),
                   max_size=2)
rules = st.lists(st.builds(lambda i, when, then, prio: {"id": f"demo.r{i}", "severity": "info", "priority": prio,
                                                        "message": {"found": "f", "why": "w", "fix": "x"},
                                                        "when": when, "then": then},
                           st.integers(0, 1000), st.lists(conditions, min_size=1, max_size=3), actions,
                           st.integers(0, 999)), min_size=1, max_size=6, unique_by=lambda r: r["id"])
job = st.fixed_dictionaries({}, optional={"job.total_cpus": st.integers(0, 70),
                                          "job.partition": st.sampled_from(["gpu", "cpu", "g1"]),
                                          "job.programs": st.lists(st.sampled_from(["bwa", "gpu"]), max_size=2),
                                          "job.is_mpi": st.booleans(),
                                          "history.cpu_efficiency_pct": st.floats(0, 100, allow_nan=False)})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rules, st.lists(job, min_size=1, max_size=4))
def test_random_typed_packs_load_cleanly_and_both_engines_agree(pack_dir, rule_list, jobs):
    from asba.facts.model import Fact

    folder = pack_dir(yaml.safe_dump({"rules": rule_list}, allow_unicode=True))
    try:
        packs = load_packs([folder], builtin=False)
        from asba.rules.evaluate import compiled

        compiled(packs)
    except AsbaError as exc:
        assert exc.code.startswith("ASBA-PACK-") and exc.where and exc.hint, exc.one_line()
        return
    for facts in jobs:
        given_facts = [Fact(n, v, "fuzz") for n, v in facts.items()]
        try:
            durable = evaluate(packs, given_facts)
        except AsbaError as exc:  # e.g. an expression that divides by zero on these facts
            assert exc.code == "ASBA-ENGINE-005", exc.one_line()
            continue
        python = evaluate(packs, given_facts, engine="python")
        assert durable.fired == python.fired
        durable_values = {n: c.value for n, c in durable.conclusions.items()}
        assert durable_values == {n: c.value for n, c in python.conclusions.items()}
        for rule in packs.rules:
            durable.why_not(rule.id)
