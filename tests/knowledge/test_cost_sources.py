"""The default local cost model cites its sources, exposes utilisation, and shows a site's recharge rate beside
the full cost (knowledge/defaults/cost_sources.yaml, asba.knowledge.costs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asba.cli.main import main
from asba.inputs.config import load_config
from asba.knowledge.costs import local_cost

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_config_show_cites_where_each_cost_default_came_from(asba_home, capsys):
    assert main(["config", "show"]) == 0
    lines = {line.split(" = ")[0]: line for line in capsys.readouterr().out.splitlines() if " = " in line}
    cpu = lines["cost_model.default.cpu_hour_usd"]
    assert "DOE Magellan's $0.018 per utilised core-hour at 85 % utilisation" in cpu
    assert "Internet2 2017" in cpu and "$0.005-0.014" in cpu
    assert "not a published figure" in lines["cost_model.default.gb_hour_usd"]
    assert "0.85 / utilisation" in lines["cost_model.default.utilisation"]
    assert "Magellan" not in lines["region"]


def test_a_site_value_is_not_cited_as_a_default(asba_home, capsys, tmp_path):
    site = _config(tmp_path, "cost_model:\n  default:\n    cpu_hour_usd: 0.011\n")
    assert main(["config", "show", "--config", str(site), "--json"]) == 0
    basis = json.loads(capsys.readouterr().out)["default_basis"]
    assert "cost_model.default.cpu_hour_usd" not in basis and "cost_model.default.gb_hour_usd" in basis


def test_lower_utilisation_raises_the_cost_of_an_allocated_hour(tmp_path):
    base = local_cost(load_config(None), "cpu", cpus=4, mem_mb=4096, runtime_s=3600)
    half = load_config(_config(tmp_path, "cost_model:\n  default:\n    utilisation: 0.425\n"))
    assert local_cost(half, "cpu", cpus=4, mem_mb=4096, runtime_s=3600).usd == pytest.approx(2 * base.usd, rel=1e-3)
    assert base.usd == pytest.approx((4 * 0.02 + 4 * 0.003) * 1.25)  # at the reference 85 %: unscaled


def test_utilisation_outside_0_1_is_refused(tmp_path):
    from asba.errors import ConfigError

    with pytest.raises(ConfigError):
        load_config(_config(tmp_path, "cost_model:\n  default:\n    utilisation: 1.5\n"))


def test_recharge_rate_is_shown_beside_the_full_cost(asba_home, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ASBA_NOW", "2026-11-28T18:00:00Z")
    site = _config(tmp_path, "cost_model:\n  default:\n    recharge_cpu_hour_usd: 0.01\n")
    argv = ["explain", str(REPO / "examples" / "tiny.sbatch"), "cpu-aws", "--cluster-snapshot",
            str(REPO / "tests" / "fixtures" / "advisor" / "snapshot-busy"), "--config", str(site), "--no-log"]
    assert main([*argv, "--json"]) == 0
    local = json.loads(capsys.readouterr().out)["local"]
    assert local["recharge_usd"] == pytest.approx(0.01 * 1 * local["runtime_s"] / 3600, abs=1e-4)
    assert local["cost_usd"] > local["recharge_usd"]
    assert main(argv) == 0
    assert "(full cost; your site charges $" in capsys.readouterr().out
