"""`asba profile`: request vs use, where runs succeeded or failed, and budget sensitivity, on the example
histories (examples/history/*.sacct.psv: user alice; oom.sbatch ran out of memory twice on cpu)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asba.cli.main import main

HISTORY = Path(__file__).resolve().parents[2] / "examples" / "history"


@pytest.fixture
def imported(asba_home, capsys):
    for dump in sorted(HISTORY.glob("*.sacct.psv")):
        assert main(["history", "import", str(dump)]) == 0
    capsys.readouterr()


def _profile(capsys, *argv: str) -> dict:
    assert main(["profile", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_request_vs_use_per_script(imported, capsys):
    p = _profile(capsys, "--user", "alice")
    assert p["user"] == "alice" and p["finished"] == p["jobs"] == 63  # 23 single jobs + 2 arrays of 20 tasks
    scripts = {s["script"]: s for s in p["scripts"]}
    over = scripts["overalloc.sbatch"]
    assert over["jobs"] == 5 and over["cpus_requested"] == 64 and 30 < over["cpus_used"] < 40
    assert over["memory_requested_gb"] == 256 and 120 < over["memory_used_gb"] < 130
    assert scripts["oom.sbatch"]["states"] == {"OUT_OF_MEMORY": 2, "COMPLETED": 1}


def test_places_count_successes_and_failures(imported, capsys):
    places = {p["where"]: p for p in _profile(capsys, "--user", "alice")["places"]}
    assert places["cpu"]["runs"] == 54 and places["cpu"]["succeeded"] == 52
    assert places["cpu"]["failures"] == {"oom": 2} and places["cpu"]["failed"] == 2
    aws = places["gpu-aws (type unknown)"]  # no decision was logged for those runs
    assert (aws["platform"], aws["runs"], aws["succeeded"]) == ("aws", 2, 2)


def test_aws_performance_by_family_from_scripts_run_on_both(imported, capsys):
    [perf] = _profile(capsys, "--user", "alice")["performance"]
    assert perf["family"] == "unknown" and [s["script"] for s in perf["scripts"]] == ["training.sbatch"]
    assert 0.9 < perf["factor"] < 1.0  # training ran ~3.15 h on gpu-aws, ~3.3 h on gpu


def test_failure_patterns_are_keyed_by_where_they_happened(imported, capsys):
    [found] = _profile(capsys, "--user", "alice")["failure_patterns"]
    assert found["script"] == "oom.sbatch" and found["where"] == "cpu" and found["occurrences"] == 2
    assert found["pattern"] == "OUT_OF_MEMORY on cpu x2 of 2 runs with at most 32 GiB per node"


def test_text_and_unknown_user(imported, capsys):
    assert main(["profile", "--user", "alice"]) == 0
    out = capsys.readouterr().out
    assert "cpu" in out and "52/54 succeeded; failures: oom 2" in out
    assert "budget sensitivity: no job followed AWS advice yet" in out
    p = _profile(capsys, "--user", "nobody")
    assert p["jobs"] == 0 and p["notes"] == ["no jobs of user nobody in the history"]
    assert main(["profile", "--days", "0"]) == 2
    assert "--days 0 is out of range" in capsys.readouterr().err


def test_days_limits_the_jobs(imported, capsys, monkeypatch):
    import time
    from datetime import datetime

    now = datetime(2026, 11, 28, 12).timestamp()  # the example runs span 2026-11-02 .. 11-22
    monkeypatch.setattr(time, "time", lambda: now)
    recent = _profile(capsys, "--user", "alice", "--days", "7")
    assert 0 < recent["jobs"] < 63


def test_budget_sensitivity_counts_followed_aws_advice(asba_home, capsys, monkeypatch):
    snapshot = HISTORY.parents[1] / "tests" / "fixtures" / "advisor" / "snapshot-busy"
    monkeypatch.setenv("ASBA_NOW", "2026-11-04T08:00:00Z")
    assert main(["explain", str(HISTORY.parent / "tiny.sbatch"), "cpu-aws", "--cluster-snapshot", str(snapshot),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recommendation"]["platform"] == "aws"  # a full queue
    assert main(["history", "import", str(HISTORY / "tiny.sacct.psv")]) == 0
    assert main(["audit", "outcomes"]) == 0
    capsys.readouterr()
    budget = _profile(capsys, "--user", "alice")["budget"]
    # job 41021 followed the decision but ran on cpu: the AWS advice was not followed
    assert (budget["aws_advised"], budget["followed"], budget["share_followed"]) == (1, 0, 0.0)
    assert budget["by_cost"] == [{"cost": "under $1", "advised": 1, "followed": 0}]
