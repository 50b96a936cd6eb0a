"""The shared fact vocabulary loads, and every conclusion a rule asserts is declared with its type."""

from __future__ import annotations

import pytest
from asba.errors import ConfigError
from asba.facts.vocabulary import load_vocabulary, value_has_type
from asba.rules import load_packs


def test_builtin_vocabulary_loads_with_types_and_meanings():
    vocab = load_vocabulary()
    assert vocab.get("history.cpu_efficiency_pct").type == "number"
    assert vocab.get("job.total_gpus").type == "integer"
    assert all(spec.meaning for spec in vocab.specs())
    assert vocab.suggest("history.cpu_eficiency_pct") == "history.cpu_efficiency_pct"


def test_every_asserted_conclusion_is_declared_by_its_pack():
    packs = load_packs()
    for rule in packs.rules:
        declared = packs.pack(rule.pack).conclusions
        for action in rule.actions:
            assert action.conclusion in declared, (rule.id, action.conclusion)
            if not hasattr(action.value, "node"):
                assert value_has_type(action.value, declared[action.conclusion].spec.type)


@pytest.mark.parametrize("text, code", [
    ("facts:\n  Job.cpus: {type: integer, meaning: m}\n", "ASBA-VOCAB-001"),
    ("facts:\n  job.cpus: {type: int, meaning: m}\n", "ASBA-VOCAB-002"),
    ("facts:\n  job.cpus: {type: integer}\n", "ASBA-VOCAB-003"),
    ("facts: [\n", "ASBA-VOCAB-004"),
    ("nothing: here\n", "ASBA-VOCAB-005"),
])
def test_bad_vocabulary_files_are_refused(tmp_path, text, code):
    (tmp_path / "job.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_vocabulary(tmp_path)
    assert err.value.code == code and "job.yaml" in err.value.where


def test_a_fact_declared_twice_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("facts:\n  job.cpus: {type: integer, meaning: m}\n")
    (tmp_path / "b.yaml").write_text("facts:\n  job.cpus: {type: integer, meaning: m}\n")
    with pytest.raises(ConfigError) as err:
        load_vocabulary(tmp_path)
    assert err.value.code == "ASBA-VOCAB-006"
