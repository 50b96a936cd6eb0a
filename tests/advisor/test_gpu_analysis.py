"""The GPU part of INSTANCE TYPE ANALYSIS: GPU use from history, right-sizing to fewer GPUs or a smaller-memory
model, cost and time per option at the model's cited speed, the risk line; unknown use stays unknown."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from asba.decide.gpu_analysis import gpu_block
from asba.facts.model import Fact
from asba.knowledge.catalog import load_catalog
from asba.knowledge.gpu_models import builtin


@pytest.fixture
def catalog(asba_home):
    return load_catalog()


def _analysis(facts: dict, gpus: int = 4, gpu_type: str | None = "a100", runtime_h: float = 3.3):
    job = {"gpus_per_node": gpus, "gpu_type": gpu_type, "nodes_min": 1, "total_cpus": 32,
           "mem_per_node_mb": 256 * 1024}
    offer = SimpleNamespace(instance_type="p4d.24xlarge", nodes=1, on_demand_usd_per_hour=21.96)
    return SimpleNamespace(req=SimpleNamespace(job=job), facts=[Fact(k, v, "test") for k, v in facts.items()],
                           runtime=SimpleNamespace(p50_s=runtime_h * 3600), offer=offer)


RECORDED = {"history.run_count": 5, "history.gpu_usage_recorded": True, "history.gpu_utilization_pct": 60.0,
            "history.gpu_utilization_peak_pct": 99.0, "history.gpu_model": "a100", "history.peak_memory_mb": 91 * 1024}


def _models(block):
    return {row["gpu_model"] for row in block["options"]}


def test_a_small_gpu_memory_peak_opens_24_gb_models(catalog):
    """A100 with a 12 GB peak: an L4 / A10G (24 GB) holds it; cost and time at its cited speed are shown."""
    block = gpu_block(catalog, _analysis({**RECORDED, "history.gpu_memory_peak_mb": 12 * 1024}))
    assert {"NVIDIA L4", "NVIDIA A10G"} <= _models(block)
    l4 = next(r for r in block["options"] if r["gpu_model"] == "NVIDIA L4")
    speed = builtin().models["l4"].relative_speed  # 121 / 312 TFLOPS (datasheets)
    assert l4["hours"] == pytest.approx(3.3 / speed, abs=0.01)
    assert l4["job_usd"] == pytest.approx(l4["usd_per_hour"] * l4["hours"], abs=0.02)
    assert l4["vs_current_cost_pct"] < 0 and "datasheet" in l4["speed_source"]
    assert block["risk"].startswith("GPU memory peak 12.0 GiB: fits a 16 GiB NVIDIA T4")
    assert block["current"]["gpu_model"] == "NVIDIA A100 40 GiB" and block["current"]["hours"] == 3.3


def test_a_large_peak_keeps_large_memory_models_only(catalog):
    """A 60 GiB peak cannot have run on a 40 GB A100: the 80 GB variant, and only models with 67+ GiB."""
    block = gpu_block(catalog, _analysis({**RECORDED, "history.gpu_memory_peak_mb": 60 * 1024}))
    assert all(row["gpu_memory_gib"] * 0.9 >= 60 for row in block["options"])
    assert "NVIDIA L40S" not in _models(block) and block["options"]
    assert "of 80 GiB per NVIDIA A100 80 GiB" in block["use"]["text"]


def test_only_some_gpus_busy_sizes_options_to_the_busy_ones(catalog):
    facts = {**RECORDED, "history.gpu_memory_peak_mb": 10 * 1024, "history.gpus_busy": 1.0,
             "history.gpu_utilization_spread_pct": 72.0, "history.gpu_utilization_pct": 25.0}
    block = gpu_block(catalog, _analysis(facts))
    assert block["need_gpus"] == 1 and block["use"]["fewer_gpus"]
    assert "about 1 of 4 GPUs busy" in block["use"]["text"]
    assert min(row["gpus"] for row in block["options"]) == 1


def test_use_not_recorded_is_unknown_not_zero_and_proposes_no_smaller_memory(catalog):
    facts = {"history.run_count": 5, "history.gpu_usage_recorded": False, "history.gpu_model": "a100",
             "history.peak_memory_mb": 91 * 1024}
    block = gpu_block(catalog, _analysis(facts))
    assert "not recorded on this cluster" in block["use"]["text"] and "not 0 %" in block["use"]["text"]
    assert block["use"]["utilization_pct"] is None
    assert all(row["gpu_memory_gib"] >= 40 for row in block["options"])
    assert "no recorded peak" in block["risk"]


def test_no_gpus_no_block(catalog):
    assert gpu_block(catalog, _analysis(RECORDED, gpus=0)) is None


def test_training_example_shows_the_roadmap_analysis(explain):
    result = explain("training.sbatch", "gpu-aws", "--with-history", "--recommend-instance")
    gpu = result["gpu_analysis"]
    assert gpu["use"]["utilization_pct"] == 60.0 and gpu["use"]["memory_peak_gib"] == 12.3
    assert gpu["current"]["instance_type"] == "p4d.24xlarge" and gpu["current"]["gpu_model"] == "NVIDIA A100 40 GiB"
    assert {"NVIDIA L4", "NVIDIA A10G"} <= _models(gpu)


def _offer(instance_type: str, factor: float = 1.0):
    from asba.decide.compare import Offer

    return Offer(instance_type, instance_type.split(".")[0], 1, 4.6, None, None, "snapshot", factor)


def _ctx(factors: dict):
    return SimpleNamespace(cfg={"advisor.performance_factors": factors})


def test_aws_runtime_at_the_offered_gpu_models_speed():
    """An untyped GPU request whose runs were given A100s, offered L4s: runtime x 1.00/0.39 (121 of 312 TFLOPS)."""
    from asba.decide import gpu_speed

    notes: list[str] = []
    req = SimpleNamespace(job={"total_gpus": 1, "gpu_type": None})
    offer = gpu_speed.apply(_ctx({"default": 1.0}), _offer("g6.xlarge"), req, {"history.gpu_model": "a100"}, notes)
    speeds = builtin().models
    assert offer.performance_factor == pytest.approx(speeds["a100"].relative_speed / speeds["l4"].relative_speed,
                                                     abs=0.001)
    assert notes and notes[0].startswith("AWS runtime x2.564") and "NVIDIA L4" in notes[0]


def test_a_configured_family_factor_wins_and_is_said():
    from asba.decide import gpu_speed

    notes: list[str] = []
    req = SimpleNamespace(job={"total_gpus": 1, "gpu_type": "a100"})
    offer = gpu_speed.apply(_ctx({"default": 1.0, "g6": 1.8}), _offer("g6.xlarge", 1.8), req, {}, notes)
    assert offer.performance_factor == 1.8 and "advisor.performance_factors" in notes[0] and "x2.56" in notes[0]


def test_no_factor_without_both_models():
    from asba.decide import gpu_speed

    notes: list[str] = []
    req = SimpleNamespace(job={"total_gpus": 2, "gpu_type": None})
    offer = _offer("g6.12xlarge")
    assert gpu_speed.apply(_ctx({}), offer, req, {}, notes) is offer and notes == []
    cpu_job = SimpleNamespace(job={"total_gpus": 0, "gpu_type": None})
    assert gpu_speed.apply(_ctx({}), _offer("c7i.xlarge"), cpu_job, {}, notes).performance_factor == 1.0
