"""Evaluation semantics a pack author and the advisor rely on: chaining, order, isolation, errors, values."""

from __future__ import annotations

import json
import threading

import pytest
from asba.errors import EngineError, InputError
from asba.facts.model import Fact
from asba.rules import evaluate, load_packs

CHAIN = """\
rules:
  - id: demo.first
    severity: info
    priority: 100
    message: {found: "cpus {job.total_cpus}", why: w, fix: f}
    when: [{fact: job.total_cpus, gte: 16}]
    then: [{assert: demo.count, expr: "job.total_cpus * 2"}]
  - id: demo.second
    severity: warning
    priority: 900
    message: {found: "count {demo.count}", why: w, fix: f}
    when: [{fact: demo.count, gt: 20}]
    then: [{assert: demo.label, value: big}]
  - id: demo.third
    severity: info
    priority: 50
    message: {found: "label {demo.label}", why: w, fix: f}
    when: [{fact: demo.label, eq: big}]
    then: [{assert: demo.flag, value: true}]
  - id: demo.unless-big
    severity: info
    priority: 999
    message: {found: "not big", why: w, fix: f}
    when:
      - exists: job.total_cpus
      - absent: demo.label
    then: [{assert: demo.amount, value: 1.5}]
"""


def facts(**values):
    return [Fact(name.replace("__", "."), value, f"test {name}") for name, value in values.items()]


@pytest.fixture
def chain(pack_dir):
    return load_packs([pack_dir(CHAIN)], builtin=False)


def test_a_conclusion_triggers_further_rules_to_a_fixpoint(chain):
    ev = evaluate(chain, facts(job__total_cpus=32))
    assert ev.fired == ["demo.first", "demo.second", "demo.third"]
    assert ev.conclusions["demo.flag"].value is True
    assert ev.conclusions["demo.count"].value == 64
    assert [f.name for f in ev.conclusions["demo.label"].matched] == ["demo.count"]


def test_negation_of_a_derived_fact_waits_for_every_rule_that_could_assert_it(chain):
    # demo.unless-big has the highest priority, but it tests absent: demo.label, so it runs in a later stratum
    assert "demo.unless-big" not in evaluate(chain, facts(job__total_cpus=32)).fired
    assert evaluate(chain, facts(job__total_cpus=4)).fired == ["demo.unless-big"]


def test_trace_events_serialise_with_rule_pack_revision_and_matched_facts(chain):
    ev = evaluate(chain, facts(job__total_cpus=32))
    events = json.loads(json.dumps([e.as_dict() for e in ev.events]))
    assert events[0] == {"seq": 1, "type": "fact_asserted", "fact": "job.total_cpus", "value": 32,
                         "source": "test job__total_cpus"}
    fired = [e for e in events if e["type"] == "rule_fired"]
    assert fired[0]["rule"] == "demo.first" and fired[0]["pack"] == "demo" and fired[0]["pack_revision"] == "t1"
    assert fired[0]["matched"] == [{"name": "job.total_cpus", "value": 32, "source": "test job__total_cpus"}]
    assert fired[0]["asserted"][0]["name"] == "demo.count"
    assert [e["type"] for e in events].count("conclusion_asserted") == 3


def test_evaluating_b_after_a_equals_evaluating_b_alone(chain):
    alone = evaluate(chain, facts(job__total_cpus=4)).as_dict()
    evaluate(chain, facts(job__total_cpus=64))
    assert evaluate(chain, facts(job__total_cpus=4)).as_dict() == alone


def test_order_of_input_facts_does_not_change_the_trace(chain):
    a = evaluate(chain, facts(job__total_cpus=32, job__total_gpus=1)).as_dict()
    b = evaluate(chain, list(reversed(facts(job__total_cpus=32, job__total_gpus=1)))).as_dict()
    assert a == b


def test_runaway_budget_stops_with_the_rules_named(chain):
    with pytest.raises(EngineError) as err:
        evaluate(chain, facts(job__total_cpus=32), max_firings=2)
    assert err.value.code == "ASBA-ENGINE-001"
    assert "demo.first" in err.value.message and "demo.second" in err.value.message


def test_an_error_inside_an_action_is_surfaced_not_swallowed(pack_dir):
    packs = load_packs([pack_dir("""\
        rules:
          - id: demo.ratio
            severity: info
            message: {found: f, why: w, fix: f}
            when: [{exists: job.total_cpus}, {exists: job.total_gpus}]
            then: [{assert: demo.amount, expr: "job.total_cpus / job.total_gpus"}]
        """)], builtin=False)
    with pytest.raises(EngineError) as err:
        evaluate(packs, facts(job__total_cpus=8, job__total_gpus=0))
    assert err.value.code == "ASBA-ENGINE-005" and "demo.ratio" in err.value.message
    # and the engine is still usable afterwards
    assert evaluate(packs, facts(job__total_cpus=8, job__total_gpus=2)).conclusions["demo.amount"].value == 4.0


def test_first_conclusion_wins_and_the_conflict_is_recorded(pack_dir):
    packs = load_packs([pack_dir("""\
        rules:
          - id: demo.high
            severity: info
            priority: 900
            message: {found: f, why: w, fix: f}
            when: [{exists: job.total_cpus}]
            then: [{assert: demo.label, value: high}]
          - id: demo.low
            severity: info
            priority: 100
            message: {found: f, why: w, fix: f}
            when: [{exists: job.total_cpus}]
            then: [{assert: demo.label, value: low}]
        """)], builtin=False)
    ev = evaluate(packs, facts(job__total_cpus=1))
    assert ev.conclusions["demo.label"].value == "high"
    rejected = [e.data for e in ev.events if e.type == "conclusion_rejected"]
    assert rejected == [{"name": "demo.label", "value": "low", "rule": "demo.low", "kept": "high",
                         "kept_from": "rule demo.high (demo@t1)"}]


@pytest.mark.parametrize("value, code", [(float("nan"), "ASBA-ENGINE-004"), (float("inf"), "ASBA-ENGINE-004"),
                                         (1e20, "ASBA-ENGINE-004"), (2**60, "ASBA-ENGINE-004"),
                                         ("8", "ASBA-ENGINE-004"), (True, "ASBA-ENGINE-004")])
def test_values_the_engine_mishandles_are_refused(chain, value, code):
    with pytest.raises(InputError) as err:
        evaluate(chain, [Fact("history.effective_cores", value, "sacct job 1")])
    assert err.value.code == code and "history.effective_cores" in err.value.message


def test_tiny_and_long_floats_are_normalised_not_sent_in_exponent_form(pack_dir):
    packs = load_packs([pack_dir("""\
        rules:
          - id: demo.zero
            severity: info
            message: {found: "{history.effective_cores}", why: w, fix: f}
            when: [{fact: history.effective_cores, eq: 0}]
        """)], builtin=False)
    ev = evaluate(packs, [Fact("history.effective_cores", 1e-7, "x")])
    assert ev.fired == ["demo.zero"]
    assert evaluate(packs, [Fact("history.effective_cores", 1 / 3, "x")]).fired == []


def test_unknown_and_duplicate_facts_are_input_errors(chain):
    with pytest.raises(InputError) as err:
        evaluate(chain, [Fact("job.total_cpu", 4, "job.sbatch:3")])
    assert err.value.code == "ASBA-ENGINE-002" and "job.total_cpus" in err.value.hint
    with pytest.raises(InputError) as err:
        evaluate(chain, [Fact("job.total_cpus", 4, "a"), Fact("job.total_cpus", 5, "b")])
    assert err.value.code == "ASBA-ENGINE-003"


def test_none_value_means_absent_and_why_not_says_so(chain):
    ev = evaluate(chain, [Fact("job.total_cpus", None, "no cluster")])
    assert ev.fired == []
    answer = ev.why_not("demo.first")
    assert not answer.happened and "fact job.total_cpus absent (needed >= 16)" in answer.summary
    assert "demo.label absent" in ev.why_not("demo.label").summary


def test_why_not_gives_actual_value_against_threshold(chain):
    ev = evaluate(chain, facts(job__total_cpus=8))
    failure = ev.why_not("demo.first").rules[0]["alternatives"][0][0]
    assert failure["actual"] == 8 and failure["needed"] == ">= 16" and failure["present"]
    with pytest.raises(InputError):
        ev.why_not("demo.frist")


def test_a_long_string_list_fact_is_fine(pack_dir):
    packs = load_packs([pack_dir("""\
        rules:
          - id: demo.bwa
            severity: info
            message: {found: f, why: w, fix: f}
            when: [{fact: job.programs, contains: bwa}]
        """)], builtin=False)
    programs = [f"tool{i}" for i in range(3000)] + ["bwa"]
    assert evaluate(packs, [Fact("job.programs", programs, "job.sbatch")]).fired == ["demo.bwa"]


def test_no_threads_are_left_behind(chain):
    before = threading.active_count()
    for n in range(200):
        evaluate(chain, facts(job__total_cpus=n))
    assert threading.active_count() == before
