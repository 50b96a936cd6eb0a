"""Issue 22 item 5: every number from the user is bounded at the edge, the command line and the
configuration by the same table (asba.inputs.bounds): one line with a code and exit 2, never an internal
error, and `config check` refuses what the commands would refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from asba.cli.main import main

REPO = Path(__file__).parents[2]
SNAPSHOT = REPO / "tests" / "fixtures" / "cluster" / "loaded"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("ASBA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # `history sync` must refuse before it would call sacct
    return tmp_path / "home"


@pytest.mark.parametrize("days", ["nan", "inf", "1e308", "1000000", "36501", "0", "-3.5"])
@pytest.mark.parametrize("command", [["history"], ["history", "sync"], ["insights"], ["profile"],
                                     ["audit", "outcomes"]])
def test_days_out_of_range_is_one_line_with_exit_2(capsys, command, days):
    assert main([*command, f"--days={days}"]) == 2
    err = capsys.readouterr().err
    assert err.count("asba: error:") == 1 and "out of range" in err and "[ASBA-" in err
    assert "internal error" not in err


def test_a_century_of_days_is_accepted(capsys):
    assert main(["history", "--days", "36500"]) == 0


@pytest.mark.parametrize("text, key", [
    ("wait:\n  record_days: 1000000\n", "wait.record_days"),
    ("budget:\n  monthly_aws_usd: 1.0e+308\n", "budget.monthly_aws_usd"),
    ("advisor:\n  aws_startup_s: 1.0e+300\n", "advisor.aws_startup_s"),
    ("advisor:\n  transfer_gb: 1.0e+16\n", "advisor.transfer_gb"),
])
def test_config_check_refuses_what_the_commands_refuse(capsys, tmp_path, text, key):
    config = tmp_path / "asba.yaml"
    config.write_text(text)
    assert main(["config", "check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{key} = " in err and "out of range" in err and "[ASBA-CONFIG-" in err and f"{config}:2" in err
    # and explain says the same one line instead of failing in the rules engine
    assert main(["explain", str(REPO / "examples" / "tiny.sbatch"), "--cluster-snapshot", str(SNAPSHOT),
                 "--config", str(config), "--no-log"]) == 2
    assert f"{key} = " in capsys.readouterr().err


def test_a_large_but_sane_budget_passes_check_and_explain(capsys, tmp_path):
    config = tmp_path / "asba.yaml"
    config.write_text("budget:\n  monthly_aws_usd: 1.0e+9\nwait:\n  record_days: 365\n")
    assert main(["config", "check", "--config", str(config)]) == 0
    assert main(["explain", str(REPO / "examples" / "tiny.sbatch"), "--cluster-snapshot", str(SNAPSHOT),
                 "--config", str(config), "--no-log"]) == 0


def test_a_script_with_12000_distinct_programs_is_explained_with_a_note(capsys, tmp_path):
    """Item 6: the program list is kept to its first 1000 (the rules engine takes 10,000 list items, and a
    list search per program made a 3.9 MB script of 60,000 programs take 264 s in `facts`)."""
    import json

    script = tmp_path / "many.sbatch"
    body = "\n".join(f"prog_{i:06d}_tool --input data_{i}.txt" for i in range(12_000))
    script.write_text(f"#!/bin/bash\n#SBATCH -p cpu\n#SBATCH -c 1\n#SBATCH -t 10\n#SBATCH --mem=1G\n{body}\n")
    assert main(["explain", str(script), "--cluster-snapshot", str(SNAPSHOT), "--no-log"]) == 0
    assert "more than 1000 distinct programs or modules: the first 1000 are used" in capsys.readouterr().out
    assert main(["facts", str(script), "--json"]) == 0
    facts = {f["name"]: f["value"] for f in json.loads(capsys.readouterr().out)["facts"]}
    assert len(facts["job.programs"]) == 1000
    assert facts["job.programs"][:2] == ["prog_000000_tool", "prog_000001_tool"]
