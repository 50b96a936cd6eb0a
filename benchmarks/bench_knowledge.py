"""Knowledge benchmarks (pytest-benchmark). Target: catalog load < 50 ms, as it runs on every `asba explain`.

    .venv/bin/pytest benchmarks/bench_knowledge.py --benchmark-enable -q

Each measurement sits beside a baseline from the same run: a bare `json.load` of the same instances file (the
floor any catalog load pays), so the ratio shows what building the records costs on this machine.
"""

from __future__ import annotations

import json

import pytest
from asba.inputs.config import load_config
from asba.knowledge.catalog import load_catalog
from asba.knowledge.matching import NodeNeed, match_instances
from asba.paths import knowledge_dir

INSTANCES = knowledge_dir() / "ec2" / "instances.json"


@pytest.fixture(autouse=True)
def empty_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ASBA_HOME", str(tmp_path))


def _raw_json() -> dict:
    with open(INSTANCES, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.mark.benchmark(group="catalog-load")
def test_baseline_raw_json_load(benchmark):
    data = benchmark(_raw_json)
    assert len(data["types"]) > 1000


@pytest.mark.benchmark(group="catalog-load")
def test_load_catalog(benchmark):
    cat = benchmark(load_catalog, "us-east-1")
    assert cat.get("p4d.24xlarge").on_demand_usd_per_hour


@pytest.mark.benchmark(group="config-load")
def test_load_config_defaults(benchmark):
    cfg = benchmark(load_config)
    assert cfg.get("advisor.min_runs") == 2


@pytest.mark.benchmark(group="matching")
def test_match_whole_catalog(benchmark):
    cat = load_catalog("us-east-1")
    need = NodeNeed(cpus=16, mem_mb=200 * 1024, gpus=4, gpu_model="a100")
    match = benchmark(match_instances, need, cat, None, 7200)
    assert match.best.instance_type == "p4d.24xlarge"
