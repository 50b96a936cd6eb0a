"""`asba knowledge show|search|refresh` and `asba config show|check` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asba.cli.main import main
from asba.inputs import config as config_mod

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"
REQUIRED = {"instance_type", "vcpus", "memory_gib", "gpus", "gpu_model", "gpu_memory_gib", "efa", "arch", "region",
            "on_demand_usd_per_hour", "spot_usd_per_hour", "spot_interruption", "price_source", "price_date"}


@pytest.fixture(autouse=True)
def isolated(asba_home, monkeypatch, tmp_path):
    monkeypatch.setattr(config_mod, "SYSTEM_CONFIG", tmp_path / "none.yaml")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _json(capsys, argv):
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_show_text_names_specs_prices_and_their_date(capsys):
    assert main(["knowledge", "show", "g5.12xlarge"]) == 0
    out = capsys.readouterr().out
    assert "GPUs 4 x NVIDIA A10G" in out and "on-demand $5.6720/h" in out
    assert "estimate: 58% savings" in out
    assert "prices: snapshot 2026-07-20, us-east-1" in out


def test_show_json_has_the_documented_keys(capsys):
    code, data = _json(capsys, ["knowledge", "show", "p4d.24xlarge", "--json"])
    assert code == 0 and REQUIRED <= set(data["instance"])
    assert data["instance"]["memory_gib"] == 1152 and data["instance"]["price_date"] == "2026-07-20"


def test_show_unknown_type_is_one_line_exit_2(capsys):
    assert main(["knowledge", "show", "p4d.24xlrage"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean p4d.24xlarge" in err


def test_search_json_for_a_gpu_job(capsys):
    code, data = _json(capsys, ["knowledge", "search", "--cpus", "16", "--mem", "200G", "--gpus", "4",
                                "--gpu-model", "a100", "--runtime", "2:00:00", "--json"])
    assert code == 0
    first = data["options"][0]
    assert REQUIRED <= set(first) and first["instance_type"] == "p4d.24xlarge"
    assert first["on_demand_usd"] == pytest.approx(43.9153, abs=1e-3)
    assert data["price_label"].startswith("prices: snapshot 2026-07-20, us-east-1")


def test_search_in_a_partition_from_partitions_json(capsys):
    code, data = _json(capsys, ["knowledge", "search", "--cpus", "32", "--mem", "200G", "--partition", "aws",
                                "--config", str(FIX / "config" / "site.yaml"), "--json"])
    assert code == 0 and data["purchasing"] == "spot"
    assert {o["instance_type"] for o in data["options"]} <= {"r6i.16xlarge", "r7i.16xlarge", "c6i.16xlarge",
                                                             "c6a.16xlarge", "c7i.16xlarge"}
    assert data["options"][0]["instance_type"] in {"r6i.16xlarge", "r7i.16xlarge"}  # 200 GiB rules out c-types


def test_search_nothing_fits_says_why_and_exits_1(capsys):
    assert main(["knowledge", "search", "--cpus", "4", "--mem", "40T"]) == 1
    out = capsys.readouterr().out
    assert "no instance type fits" in out and "most memory" in out


def test_search_unknown_partition_lists_known_ones(capsys):
    assert main(["knowledge", "search", "--partition", "nope"]) == 2
    assert "burst partitions: cpu-aws, gpu-aws" in capsys.readouterr().err


def test_search_bad_memory_is_an_input_error(capsys):
    assert main(["knowledge", "search", "--mem", "lots"]) == 2
    assert "--mem" in capsys.readouterr().err


def test_refresh_without_credentials_is_one_line_and_falls_back(capsys, asba_home):
    assert main(["knowledge", "refresh"]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "no AWS credentials found" in lines[0]
    assert "now using prices: snapshot 2026-07-20, us-east-1" in lines[0]


def test_config_show_marks_defaults_and_file_lines(capsys):
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "none (asba defaults only)" in out and "advisor.memory_headroom = 0.2" in out
    site = FIX / "config" / "site.yaml"
    code, data = _json(capsys, ["config", "show", "--json", "--config", str(site)])
    assert code == 0 and data["used_defaults"] is False
    assert data["sources"]["user.value_of_hour_usd"] == f"{site}:10"
    assert data["sources"]["advisor.min_runs"] == "default"


def test_config_check_reports_the_bad_line(capsys):
    assert main(["config", "check", "--config", str(FIX / "config" / "wrong_type.yaml")]) == 2
    err = capsys.readouterr().err
    assert "wrong_type.yaml:2" in err and "memory_headroom" in err


def test_config_show_lists_effective_burst_partitions(capsys):
    site = FIX / "config" / "site.yaml"
    code, data = _json(capsys, ["config", "show", "--json", "--config", str(site)])
    effective = data["burst_partitions_effective"]
    assert set(effective) == {"aws", "gpu-aws"} and effective["aws"]["purchasing"] == "spot"
    assert main(["config", "show"]) == 0
    assert "gpu-aws: us-east-1, on-demand, max 4 nodes" in capsys.readouterr().out


def test_knowledge_status_is_the_default_action(capsys):
    assert main(["knowledge"]) == 0
    out = capsys.readouterr().out
    assert "1407 instance types" in out and "prices: snapshot 2026-07-20, us-east-1" in out
    code, data = _json(capsys, ["knowledge", "status", "--region", "eu-west-1", "--json"])
    assert data["priced_in_region"] == 0 and "none for eu-west-1" in data["price_label"]
    assert data["notes"] and data["live_cache"] is None


def test_refresh_unknown_profile_is_one_line(capsys):
    assert main(["knowledge", "refresh", "--profile", "no-such-profile", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["problems"] == ["nothing refreshed: AWS profile not found: "
                                "The config profile (no-such-profile) could not be found"]
    assert data["now_using"].startswith("prices: snapshot 2026-07-20")


def test_refresh_unknown_region_fails_before_calling_aws(capsys):
    assert main(["knowledge", "refresh", "--region", "us-east-9"]) == 2
    assert "unknown AWS region 'us-east-9'" in capsys.readouterr().err
