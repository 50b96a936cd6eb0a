"""The decision log joined with the history (asba.audit.outcomes) and `asba audit outcomes`, off-cluster: a
decision logged for the example tiny.sbatch, then its sacct history imported (jobs 41021 on 2026-11-04 09:07,
41022 on 11-13, 41023 on 11-22)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asba.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO / "tests" / "fixtures" / "advisor" / "snapshot-busy"
TINY = REPO / "examples" / "tiny.sbatch"
DUMP = REPO / "examples" / "history" / "tiny.sacct.psv"


@pytest.fixture
def decide(asba_home, monkeypatch, capsys):
    monkeypatch.delenv("ASBA_CONFIG", raising=False)

    def run(at: str, *extra: str) -> dict:
        monkeypatch.setenv("ASBA_NOW", at)
        assert main(["explain", str(TINY), "cpu-aws", "--cluster-snapshot", str(SNAPSHOT), "--json", *extra]) == 0
        return json.loads(capsys.readouterr().out)

    return run


def _outcomes(capsys, *argv: str) -> dict:
    assert main(["audit", "outcomes", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_jobs_within_the_window_follow_the_latest_decision(decide, capsys):
    first = decide("2026-11-04T08:00:00Z")
    second = decide("2026-11-13T09:00:00Z")
    assert main(["history", "import", str(DUMP)]) == 0
    capsys.readouterr()
    report = _outcomes(capsys)
    rows = {o["job_id"]: o for o in report["outcomes"]}
    assert set(rows) == {"41021", "41022"}  # 41023 was submitted 9 days after the last decision
    assert rows["41021"]["decision_id"] == first["decision_id"]
    assert rows["41022"]["decision_id"] == second["decision_id"]
    advised = first["recommendation"]["platform"]
    assert rows["41021"]["advised"] == advised and rows["41021"]["ran"] == "local"
    assert rows["41021"]["followed"] is (advised == "local")
    assert rows["41021"]["runtime_s"] == 370 and rows["41021"]["wait_s"] == 60  # 09:07 -> 09:08, 6m10s
    assert report["acceptance"]["jobs"] == 2 and report["decisions_logged"] == 2
    assert report["errors"]["runtime_s"]["n"] == 2


def test_the_join_is_stored_and_survives_a_resync(decide, capsys):
    decide("2026-11-04T08:00:00Z")
    main(["history", "import", str(DUMP)])
    capsys.readouterr()
    first = _outcomes(capsys)
    assert first["join"]["changed"] == 1
    main(["history", "import", str(DUMP)])  # the same jobs again
    capsys.readouterr()
    again = _outcomes(capsys)
    assert again["join"] == {"jobs": 1, "changed": 0, "unchanged": 1}
    assert again["outcomes"] == first["outcomes"]


def test_days_limits_the_decisions(decide, capsys, monkeypatch):
    decide("2026-11-04T08:00:00Z")
    main(["history", "import", str(DUMP)])
    capsys.readouterr()
    monkeypatch.setenv("ASBA_NOW", "2026-11-28T00:00:00Z")
    assert _outcomes(capsys, "--days", "7")["acceptance"]["jobs"] == 0
    assert _outcomes(capsys, "--days", "30")["acceptance"]["jobs"] == 1


def test_text_report_names_acceptance_errors_and_regret(decide, capsys):
    decide("2026-11-04T08:00:00Z")
    main(["history", "import", str(DUMP)])
    capsys.readouterr()
    assert main(["audit", "outcomes"]) == 0
    out = capsys.readouterr().out
    assert "acceptance: " in out and "of 1 jobs ran where advised" in out
    assert "runtime  median" in out and "Go ASBA rule" in out and "41021" in out


def test_an_empty_log_shows_the_embedded_example_outcomes(asba_home, capsys):
    report = _outcomes(capsys)
    assert report["source"].startswith("EXAMPLE outcomes from knowledge/example-outcomes")
    acc = report["acceptance"]
    assert (acc["jobs"], acc["followed"], acc["decisions"]) == (6, 4, 6)
    ran = {o["job_id"]: (o["advised"], o["ran"], o["partition"]) for o in report["outcomes"]}
    assert ran["41101"] == ("aws", "aws", "cpu-aws") and ran["41105"] == ("local", "aws", "gpu-aws")
    assert not (asba_home / "jobs.db").exists() or _outcomes(capsys, "--db", str(asba_home / "jobs.db"))[
        "acceptance"]["jobs"] == 0  # the example is never written to the user's database


def test_no_decisions_and_bad_days_are_one_line(asba_home, capsys):
    assert main(["audit", "outcomes", "--db", str(asba_home / "jobs.db")]) == 0
    assert "no job in the history followed a logged decision yet" in capsys.readouterr().out
    assert main(["audit", "outcomes", "--days", "-1"]) == 2
    assert "--days -1 is out of range" in capsys.readouterr().err
