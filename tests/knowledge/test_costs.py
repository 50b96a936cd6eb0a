"""The local cost model: rates per partition, fallbacks to `default`, and saying when defaults were used."""

from __future__ import annotations

from pathlib import Path

import pytest
from asba.inputs import config as config_mod
from asba.inputs.config import load_config
from asba.knowledge.costs import local_cost

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge" / "config"


@pytest.fixture(autouse=True)
def no_system_config(monkeypatch, tmp_path):
    monkeypatch.setattr(config_mod, "SYSTEM_CONFIG", tmp_path / "none.yaml")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)


def test_default_model_cpu_job(asba_home):
    cost = local_cost(load_config(), "cpu", cpus=16, mem_mb=64 * 1024, runtime_s=2 * 3600)
    # (16 x 0.02 + 64 x 0.003) x 2 h x 1.25
    assert cost.usd == pytest.approx((16 * 0.02 + 64 * 0.003) * 2 * 1.25)
    assert cost.breakdown["cpu"] == pytest.approx(0.64) and cost.breakdown["memory"] == pytest.approx(0.384)
    assert cost.used_default


def test_partition_rates_override_and_gpu_type(asba_home):
    cfg = load_config(FIX / "site.yaml")
    cost = local_cost(cfg, "gpu", cpus=8, mem_mb=32 * 1024, gpus=2, gpu_type="A100", runtime_s=3600)
    assert cost.breakdown["gpu"] == pytest.approx(4.0)  # 2 x 2.0, the site's A100 rate
    assert cost.breakdown["cpu"] == pytest.approx(0.08)  # the site's 0.01 per CPU-hour
    assert cost.sources["cpu_hour_usd"].endswith("site.yaml:6")
    assert cost.used_default  # memory, node and overhead rates still come from asba's defaults


def test_unknown_gpu_type_uses_the_default_gpu_rate(asba_home):
    cost = local_cost(load_config(), "gpu", cpus=1, mem_mb=1024, gpus=1, gpu_type="mi250", runtime_s=3600)
    assert cost.breakdown["gpu"] == pytest.approx(0.60)


def test_fully_configured_partition_is_not_default(asba_home, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "cost_model:\n  cpu:\n    cpu_hour_usd: 0.01\n    gb_hour_usd: 0.0\n    node_hour_usd: 0.5\n"
        "    overhead_factor: 1.0\n",
        encoding="utf-8",
    )
    cost = local_cost(load_config(path), "cpu", cpus=4, mem_mb=4096, nodes=2, runtime_s=1800)
    assert cost.usd == pytest.approx((4 * 0.01 + 2 * 0.5) * 0.5)
    assert not cost.used_default
