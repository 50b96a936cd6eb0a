"""A bad pack is refused at load with file:line:col, a stable code and a hint."""

from __future__ import annotations

import pytest
from asba.errors import RulePackError
from asba.rules import load_packs

GOOD = """\
rules:
  - id: demo.big
    severity: info
    message: {found: "cpus {job.total_cpus}", why: w, fix: f}
    when:
      - {fact: job.total_cpus, gte: 16}
    then:
      - {assert: demo.label, value: big}
"""


def load_error(pack_dir, rules: str, **kw) -> RulePackError:
    with pytest.raises(RulePackError) as err:
        load_packs([pack_dir(rules, **kw)], builtin=False)
    return err.value


def test_good_pack_loads(pack_dir):
    packs = load_packs([pack_dir(GOOD)], builtin=False)
    assert [r.id for r in packs.rules] == ["demo.big"]
    assert packs.rules[0].where.endswith("main.yaml:2:5")


@pytest.mark.parametrize("replace, code, where, words", [
    ("gte: 16}", "ASBA-PACK-001", "main.yaml:7:9", "not valid YAML"),                         # unbalanced brace
    ("    severity: info\n", "ASBA-PACK-010", "main.yaml:2:5", "severity"),                 # missing field
    ("job.total_cpus, gte", "ASBA-PACK-030", "main.yaml:6:", "did you mean 'job.total_cpus'"),
    ("gte: 16", "ASBA-PACK-033", "main.yaml:6:", "compares it with 'sixteen'"),
    ("{fact: job.total_cpus, gte: 16}", "ASBA-PACK-032", "main.yaml:6:", "'matches' cannot test"),
    ("demo.label, value: big", "ASBA-PACK-020", "main.yaml:8:", "outside pack 'demo' namespaces"),
    ("demo.label, value: big", "ASBA-PACK-022", "main.yaml:8:", "did you mean 'demo.label'"),
    ("value: big", "ASBA-PACK-033", "main.yaml:8:", "cannot assert 12"),
    ("cpus {job.total_cpus}", "ASBA-PACK-041", "main.yaml:2:5", "{job.total_gpus}"),
    ("id: demo.big", "ASBA-PACK-021", "main.yaml:2:9", "must start with the pack name"),
    ("gte: 16", "ASBA-PACK-016", "main.yaml:6:", "column 18 of the expression"),
    ("gte: 16", "ASBA-PACK-045", "main.yaml:6:", "divide only by a non-zero number"),
    ("gte: 16", "ASBA-PACK-033", "main.yaml:6:", "the engine would round it"),
])
def test_errors_name_the_place_the_code_and_the_fix(pack_dir, replace, code, where, words):
    new = {
        "ASBA-PACK-001": "gte: 16",
        "ASBA-PACK-010": "",
        "ASBA-PACK-030": "job.totl_cpus, gte",
        "ASBA-PACK-033": "gte: sixteen" if words.startswith("compares") else
                         ("value: 12" if "assert" in words else "gte: 0.1234567"),
        "ASBA-PACK-032": "{fact: job.total_cpus, matches: '16'}",
        "ASBA-PACK-020": "other.label, value: big",
        "ASBA-PACK-022": "demo.lable, value: big",
        "ASBA-PACK-041": "cpus {job.total_gpus}",
        "ASBA-PACK-021": "id: other.big",
        "ASBA-PACK-016": "gte: {expr: 'job.total_gpus * '}",
        "ASBA-PACK-045": "gte: {expr: 'job.total_gpus / job.cpus_per_task'}",
    }[code]
    rules = GOOD.replace(replace, new, 1)
    if code == "ASBA-PACK-001":
        rules = rules.replace("gte: 16}", "gte: 16", 1)
    err = load_error(pack_dir, rules)
    assert err.code == code, err.one_line()
    assert where in err.where, err.one_line()
    assert words in err.one_line(), err.one_line()
    assert err.hint


def test_duplicate_ids_across_packs_are_refused(pack_dir):
    one, two = pack_dir(GOOD, name="demo"), pack_dir(GOOD.replace("demo.", "other."), name="other")
    (two / "extra.yaml").write_text(GOOD.replace("demo.label", "other.label"))
    with pytest.raises(RulePackError) as err:
        load_packs([one, two], builtin=False)
    assert err.value.code in ("ASBA-PACK-021", "ASBA-PACK-025")


def test_duplicate_id_in_one_pack(pack_dir):
    err = load_error(pack_dir, GOOD + GOOD.replace("rules:\n", ""))
    assert err.code == "ASBA-PACK-025" and "first at" in err.message and err.where.endswith("main.yaml:9:5")


def test_cycle_through_negation_is_refused(pack_dir):
    err = load_error(pack_dir, """\
        rules:
          - id: demo.a
            severity: info
            message: {found: f, why: w, fix: f}
            when: [{absent: demo.flag}, {exists: job.total_cpus}]
            then: [{assert: demo.label, value: x}]
          - id: demo.b
            severity: info
            message: {found: f, why: w, fix: f}
            when: [{exists: demo.label}]
            then: [{assert: demo.flag, value: true}]
        """)
    assert err.code == "ASBA-PACK-043" and "demo.a" in err.message and "demo.b" in err.message


def test_regex_outside_the_subset_names_the_column(pack_dir):
    err = load_error(pack_dir, GOOD.replace("{fact: job.total_cpus, gte: 16}",
                                            "{fact: job.partition, matches: 'gpu\\w+'}"))
    assert err.code == "ASBA-PACK-014" and "column 4 of the pattern" in err.message


def test_action_reading_a_fact_the_conditions_do_not_require(pack_dir):
    err = load_error(pack_dir, GOOD.replace("{assert: demo.label, value: big}",
                                            "{assert: demo.amount, expr: 'job.total_gpus * 2'}"))
    assert err.code == "ASBA-PACK-040" and "exists: job.total_gpus" in err.hint


def test_integer_conclusion_from_a_division_needs_rounding(pack_dir):
    err = load_error(pack_dir, GOOD.replace("{assert: demo.label, value: big}",
                                            "{assert: demo.count, expr: 'job.total_cpus / 2'}"))
    assert err.code == "ASBA-PACK-039" and "round()" in err.hint


def test_value_outside_declared_values(pack_dir):
    manifest = ("pack: demo\nrevision: '1'\ndescription: d\nowner: o\nnamespaces: [demo]\nconclusions:\n"
                "  demo.label: {type: string, meaning: m, values: [big, small]}\n")
    err = load_error(pack_dir, GOOD.replace("value: big", "value: huge"), manifest=manifest)
    assert err.code == "ASBA-PACK-034" and "['big', 'small']" in err.message


def test_packs_beyond_the_c_core_limits_are_refused_before_reaching_it(pack_dir):
    rules = "rules:\n" + "".join(
        f"  - id: demo.r{i}\n    severity: info\n    message: {{found: f, why: w, fix: f}}\n"
        f"    when: [{{fact: job.total_cpus, gt: {i}}}]\n" for i in range(61))
    packs = load_packs([pack_dir(rules)], builtin=False)
    from asba.rules.evaluate import compiled

    with pytest.raises(RulePackError) as err:
        compiled(packs)
    assert err.value.code == "ASBA-PACK-051" and "61 distinct tests on 'job.total_cpus'" in err.value.message


def test_manifest_errors(pack_dir):
    manifest = "pack: Demo\nrevision: '1'\ndescription: d\nowner: o\nnamespaces: [demo]\n"
    err = load_error(pack_dir, GOOD, manifest=manifest)
    assert err.code == "ASBA-PACK-010" and err.where.endswith("pack.yaml:1:7") and "pack" in err.message


def test_not_a_pack_folder(tmp_path):
    with pytest.raises(RulePackError) as err:
        load_packs([tmp_path], builtin=False)
    assert err.value.code == "ASBA-PACK-004" and "pack.yaml" in err.value.hint


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_longer_negation_cycles_are_refused_in_any_file_order(pack_dir, order):
    bodies = [
        ("  - id: demo.a\n    severity: info\n    message: {found: f, why: w, fix: f}\n"
         "    when: [{absent: demo.count}, {exists: job.total_cpus}]\n    then: [{assert: demo.label, value: x}]\n"),
        ("  - id: demo.b\n    severity: info\n    message: {found: f, why: w, fix: f}\n"
         "    when: [{exists: demo.label}]\n    then: [{assert: demo.flag, value: true}]\n"),
        ("  - id: demo.c\n    severity: info\n    message: {found: f, why: w, fix: f}\n"
         "    when: [{exists: demo.flag}]\n    then: [{assert: demo.count, value: 1}]\n"),
    ]
    err = load_error(pack_dir, "rules:\n" + "".join(bodies[i] for i in order))
    assert err.code == "ASBA-PACK-043"
    assert all(rule in err.message for rule in ("demo.a", "demo.b", "demo.c"))


def test_a_chain_of_negations_is_fine(pack_dir):
    rules = "rules:\n" + "".join(
        f"  - id: demo.r{i}\n    severity: info\n    message: {{found: f, why: w, fix: f}}\n"
        f"    when: [{{absent: demo.count}}, {{fact: job.total_cpus, gte: {i}}}]\n" for i in range(3))
    rules += ("  - id: demo.maker\n    severity: info\n    message: {found: f, why: w, fix: f}\n"
              "    when: [{fact: job.total_cpus, gt: 100}]\n    then: [{assert: demo.count, value: 1}]\n")
    packs = load_packs([pack_dir(rules)], builtin=False)
    from asba.facts.model import Fact
    from asba.rules import evaluate

    assert evaluate(packs, [Fact("job.total_cpus", 200, "t")]).fired == ["demo.maker"]
    assert evaluate(packs, [Fact("job.total_cpus", 1, "t")]).fired == ["demo.r0", "demo.r1"]


def test_facts_compared_with_each_other_in_a_circle(pack_dir):
    packs = load_packs([pack_dir(GOOD.replace(
        "- {fact: job.total_cpus, gte: 16}",
        "- {fact: job.total_cpus, gte: {fact: job.total_gpus}}\n"
        "      - {fact: job.total_gpus, gte: {fact: job.total_cpus}}"))],
        builtin=False)
    from asba.rules.evaluate import compiled

    with pytest.raises(RulePackError) as err:
        compiled(packs)
    assert err.value.code == "ASBA-PACK-050" and err.value.where.endswith("main.yaml:2:5")
