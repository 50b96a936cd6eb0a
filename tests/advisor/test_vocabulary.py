"""Every fact the advisor emits is declared in knowledge/vocabulary/ with the type it has."""

from __future__ import annotations

import pytest
from asba.facts.vocabulary import load_vocabulary, value_has_type

OWN = ("decision.", "time.", "budget.")


@pytest.mark.parametrize("script, args", [("overalloc.sbatch", ()), ("training.sbatch", ("gpu-aws",)),
                                          ("mpi_cfd.sbatch", ("--transfer-gb", "5")), ("tiny.sbatch", ())])
def test_emitted_facts_are_declared_with_their_type(explain, script, args):
    vocabulary = load_vocabulary()
    facts = explain(script, *args)["facts"]
    own = [f for f in facts if f["name"].startswith(OWN)]
    assert len(own) >= 20
    for fact in facts:
        spec = vocabulary.get(fact["name"])
        assert spec is not None, f"{fact['name']} is not declared"
        assert value_has_type(fact["value"], spec.type), f"{fact['name']} = {fact['value']!r} is not {spec.type}"


def test_decision_vocabulary_is_all_used_or_documented():
    vocabulary = load_vocabulary()
    declared = [name for name in vocabulary if name.startswith(OWN)]
    assert "decision.time_saved_value_usd" in declared and "budget.remaining_usd" in declared
    assert all(vocabulary.get(name).meaning for name in declared)
