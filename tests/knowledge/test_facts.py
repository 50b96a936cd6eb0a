"""Every fact the knowledge area emits is declared in the vocabulary, with the declared type."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asba.facts.vocabulary import load_vocabulary, value_has_type
from asba.inputs import config as config_mod
from asba.inputs.config import load_config
from asba.knowledge.burst import burst_partitions
from asba.knowledge.catalog import load_catalog
from asba.knowledge.costs import local_cost
from asba.knowledge.facts import local_cost_facts, match_facts
from asba.knowledge.matching import NodeNeed, match_instances

NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)


@pytest.fixture
def cfg(asba_home, monkeypatch, tmp_path):
    monkeypatch.setattr(config_mod, "SYSTEM_CONFIG", tmp_path / "none.yaml")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    return load_config()


def _check(facts):
    vocab = load_vocabulary()
    for fact in facts:
        spec = vocab.get(fact.name)
        assert spec is not None, f"{fact.name} is not declared in knowledge/vocabulary/"
        assert value_has_type(fact.value, spec.type), f"{fact.name}={fact.value!r} is not {spec.type}"
        assert fact.source


def test_match_facts_are_declared_and_typed(cfg):
    cat = load_catalog(config=cfg, use_cache=False, now=NOW)
    gpu = burst_partitions(cfg)["gpu-aws"]
    m = match_instances(NodeNeed(cpus=8, mem_mb=64 * 1024, gpus=4, gpu_model="a100"), cat, gpu.instance_types, 3600)
    facts = match_facts(m, gpu)
    _check(facts)
    by_name = {f.name: f for f in facts}
    assert by_name["aws.best_instance_type"].value == "p4d.24xlarge"
    assert by_name["aws.spot_is_estimate"].value is True
    assert "snapshot 2026-07-20" in by_name["aws.best_on_demand_usd_per_hour"].source


def test_no_fit_facts_carry_the_reason(cfg):
    cat = load_catalog(config=cfg, use_cache=False, now=NOW)
    m = match_instances(NodeNeed(cpus=4, mem_mb=4096, gpus=9, gpu_model="a100"), cat, None, 3600)
    facts = match_facts(m)
    _check(facts)
    assert {f.name for f in facts} >= {"aws.no_fit_reason", "aws.candidate_count"}


def test_local_cost_facts_are_declared_and_say_default(cfg):
    cost = local_cost(cfg, "cpu", cpus=4, mem_mb=8192, runtime_s=3600)
    facts = local_cost_facts(cost, "cpu", 3600)
    _check(facts)
    assert facts[1].value is True and "default" in facts[0].source
