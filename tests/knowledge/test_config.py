"""Config discovery, layering, provenance and validation errors (file:line and a fix)."""

from __future__ import annotations

from pathlib import Path

import pytest
from asba.errors import ConfigError, InputError
from asba.inputs import config as config_mod
from asba.inputs.config import load_config

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge" / "config"


@pytest.fixture(autouse=True)
def no_system_config(monkeypatch, tmp_path):
    monkeypatch.setattr(config_mod, "SYSTEM_CONFIG", tmp_path / "etc-asba-config.yaml")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)


def test_no_config_at_all_uses_documented_defaults(asba_home):
    cfg = load_config()
    assert cfg.used_defaults and cfg.files == []
    assert cfg.get("advisor.memory_headroom") == 0.2
    assert cfg.get("advisor.min_runs") == 2
    assert cfg.source_of("advisor.memory_headroom") == "default"
    assert set(cfg.get("burst_partitions")) == {"cpu-aws", "gpu-aws"}


def test_defaults_file_is_valid_against_the_schema():
    layer = config_mod._file_layer(config_mod.defaults_path())
    assert layer.data["region"] == "us-east-1"


def test_site_file_overrides_and_records_file_and_line(asba_home):
    cfg = load_config(FIX / "site.yaml")
    assert not cfg.used_defaults
    assert cfg.get("user.value_of_hour_usd") == 12.5
    assert cfg.source_of("user.value_of_hour_usd") == f"{FIX / 'site.yaml'}:10"
    assert cfg.get("cost_model.gpu.cpu_hour_usd") == 0.01
    assert cfg.is_default("cost_model.default.cpu_hour_usd")
    assert cfg.get("partitions_json") == str((FIX.parent / "site_partitions.json").resolve())
    # a site that names its own partitions does not also get asba's example ones
    assert cfg.get("burst_partitions", None) is None


def test_layers_etc_home_env_then_flag(asba_home, tmp_path, monkeypatch):
    etc = tmp_path / "etc-asba-config.yaml"
    etc.write_text("user:\n  value_of_hour_usd: 1\nbudget:\n  monthly_aws_usd: 100\n", encoding="utf-8")
    asba_home.mkdir()
    (asba_home / "config.yaml").write_text("user:\n  value_of_hour_usd: 2\n", encoding="utf-8")
    env_file = tmp_path / "env.yaml"
    env_file.write_text("advisor:\n  aws_startup_s: 120\n", encoding="utf-8")
    cfg = load_config(env={"ASBA_CONFIG": str(env_file)})
    assert cfg.get("user.value_of_hour_usd") == 2 and cfg.source_of("user.value_of_hour_usd").endswith("config.yaml:2")
    assert cfg.get("budget.monthly_aws_usd") == 100 and cfg.source_of("budget.monthly_aws_usd") == f"{etc}:4"
    assert cfg.get("advisor.aws_startup_s") == 120
    flagged = load_config(FIX / "site.yaml", env={"ASBA_CONFIG": str(env_file)})
    assert flagged.get("user.value_of_hour_usd") == 12.5 and flagged.get("advisor.aws_startup_s") == 120


def test_missing_explicit_config_is_an_input_error(asba_home, tmp_path):
    with pytest.raises(InputError) as exc:
        load_config(tmp_path / "nope.yaml")
    assert exc.value.code == "ASBA-CONFIG-004"
    with pytest.raises(InputError):
        load_config(env={"ASBA_CONFIG": str(tmp_path / "nope.yaml")})


@pytest.mark.parametrize(
    ("name", "code", "where", "text", "hint"),
    [
        ("unknown_key.yaml", "ASBA-CONFIG-001", ":4", "unknown key 'cpu_hour' in cost_model.cpu", "cpu_hour_usd"),
        ("wrong_type.yaml", "ASBA-CONFIG-002", ":2", "advisor.memory_headroom must be a number", "e.g. 0.2"),
        ("bad_enum.yaml", "ASBA-CONFIG-002", ":3", "must be one of on-demand, spot", "on-demand or spot"),
        ("bad_yaml.yaml", "ASBA-CONFIG-003", ":3:1", "not valid YAML", "indentation"),
        ("not_mapping.yaml", "ASBA-CONFIG-005", ":1", "must be a mapping", "region"),
    ],
)
def test_bad_config_names_file_line_and_fix(asba_home, name, code, where, text, hint):
    with pytest.raises(ConfigError) as exc:
        load_config(FIX / name)
    err = exc.value
    assert err.code == code
    assert err.where == f"{FIX / name}{where}"
    assert text in err.message and hint in err.hint
    assert "\n" not in err.one_line()


def test_unknown_key_lookup_is_a_config_error(asba_home):
    with pytest.raises(ConfigError):
        load_config().get("advisor.nope")
    assert load_config().get("advisor.nope", 7) == 7
