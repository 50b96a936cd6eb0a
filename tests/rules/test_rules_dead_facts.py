"""No shipped rule may be dead on real input: every vocabulary fact a rule tests is produced by asba's code
(or asserted by a rule, or declared `supplied: user`). Issue 24: three GPU rules tested
history.gpu_utilization_pct, which nothing produced,, and their hand-set test cases hid it."""

from __future__ import annotations

import textwrap

from asba.facts.vocabulary import load_vocabulary
from asba.rules.checks import check_packset
from asba.rules.lint import lint
from asba.rules.loader import load_pack
from asba.rules.packs import builtin_pack_dirs
from asba.rules.producers import Producers, engine_producers, scan


def _shipped():
    return check_packset([load_pack(d, with_cases=True) for d in builtin_pack_dirs()], load_vocabulary())


def test_every_fact_a_shipped_rule_tests_is_produced():
    dead = [i.text() for i in lint(_shipped()) if i.code == "ASBA-LINT-008"]
    assert dead == []


def test_the_gpu_rules_were_dead_without_a_producer():
    real = engine_producers()
    assert real.produces("history.gpu_utilization_pct")
    without = Producers(real.names - {"history.gpu_utilization_pct"}, real.templates)
    dead = {i.message.split("'")[1] for i in lint(_shipped(), producers=without) if i.code == "ASBA-LINT-008"}
    assert dead == {"workload.gpu-bound", "workload.gpu-idle", "failure.gpu-unused"}


def test_templates_and_literals_are_read_from_source(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(textwrap.dedent('''
        def facts(side, h):
            return [("risk.local_seen", 1), (f"risk.{side}_repeat_kind", 2), (f"timing.result_in_{h}h_h", 3),
                    (f"{side}.not_a_fact", 4), ("a sentence. not.a.fact", 5)]
    '''))
    found = scan([source])
    assert found.produces("risk.local_seen") and found.produces("risk.aws_repeat_kind")
    assert found.produces("timing.result_in_4h_h") and not found.produces("timing.result_now_h")
    assert not found.produces("risk.aws_repeat_pattern")


def test_a_user_supplied_fact_is_not_dead(tmp_path):
    vocabulary = tmp_path / "vocab"
    vocabulary.mkdir()
    for path in builtin_pack_dirs()[0].parent.parent.joinpath("knowledge", "vocabulary").glob("*.yaml"):
        (vocabulary / path.name).write_text(path.read_text())
    (vocabulary / "site.yaml").write_text(
        "facts:\n  site.budget_left: {type: number, unit: USD, meaning: Budget the user says is left., "
        "supplied: user}\n  site.unmade: {type: number, unit: USD, meaning: Nothing makes it.}\n")
    pack = tmp_path / "site"
    pack.mkdir()
    (pack / "pack.yaml").write_text('pack: site\nrevision: "t1"\ndescription: d\nowner: t\nnamespaces: [site]\n'
                                    "conclusions:\n  site.flag: {type: boolean, meaning: a flag}\n")
    (pack / "main.yaml").write_text(textwrap.dedent("""\
        rules:
          - id: site.low
            severity: warning
            when: [{fact: site.budget_left, lt: 5}]
            then: [{assert: site.flag, value: true}]
            message: {found: f, why: w, fix: x}
          - id: site.never
            severity: warning
            when: [{fact: site.unmade, lt: 5}]
            then: [{assert: site.flag, value: true}]
            message: {found: f, why: w, fix: x}
    """))
    packset = check_packset([load_pack(pack, with_cases=False)], load_vocabulary(vocabulary))
    dead = [i.message.split("'")[1] for i in lint(packset) if i.code == "ASBA-LINT-008"]
    assert dead == ["site.never"]
