"""Burst partitions from aws-plugin-for-slurm v2 partitions.json and from asba's YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
from asba.errors import ConfigError, InputError
from asba.inputs import config as config_mod
from asba.inputs.config import load_config
from asba.knowledge.burst import burst_partitions, read_partitions_json

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"


@pytest.fixture(autouse=True)
def no_system_config(monkeypatch, tmp_path):
    monkeypatch.setattr(config_mod, "SYSTEM_CONFIG", tmp_path / "none.yaml")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)


def test_plugin_partitions_json_maps_partition_to_types_region_purchasing():
    parts = read_partitions_json(FIX / "site_partitions.json")
    aws = parts["aws"]
    assert aws.instance_types == ("c6i.16xlarge", "c6a.16xlarge", "c7i.16xlarge", "r6i.16xlarge", "r7i.16xlarge")
    assert (aws.region, aws.purchasing, aws.max_nodes) == ("us-east-1", "spot", 24)
    assert aws.purchasing_for("r7i.16xlarge") == "on-demand"
    assert [g.name for g in aws.node_groups] == ["spotcpu", "ondemandmem"]
    assert parts["gpu-aws"].instance_types == ("p4d.24xlarge",)


def test_config_pointing_at_partitions_json(asba_home):
    parts = burst_partitions(load_config(FIX / "config" / "site.yaml"))
    assert set(parts) == {"aws", "gpu-aws"}
    assert parts["aws"].source.startswith("partitions.json ")


def test_asba_yaml_partitions(asba_home):
    parts = burst_partitions(load_config(FIX / "config" / "asba_partitions.yaml"))
    assert set(parts) == {"mem-aws"}  # the shipped examples give way to the site's own
    mem = parts["mem-aws"]
    assert (mem.purchasing, mem.max_nodes, mem.region) == ("spot", 2, "us-east-1")
    assert mem.source.endswith("asba_partitions.yaml:3")  # the first line of its definition


def test_default_partitions_when_no_config(asba_home):
    parts = burst_partitions(load_config())
    assert parts["gpu-aws"].source == "default" and "p4d.24xlarge" in parts["gpu-aws"].instance_types


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("no_overrides.json", "LaunchTemplateOverrides"),
        ("bad_purchasing.json", "PurchasingOption"),
        ("syntax_error.json", "not valid JSON"),
    ],
)
def test_bad_partitions_json_is_one_clear_error(name, text):
    with pytest.raises(ConfigError) as exc:
        read_partitions_json(FIX / "partitions" / name)
    assert text in exc.value.message and str(FIX / "partitions" / name) in exc.value.where


def test_missing_partitions_json_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        read_partitions_json(tmp_path / "partitions.json")
