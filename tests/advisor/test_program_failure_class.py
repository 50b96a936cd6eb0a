"""Defect 15 (rest): a script whose runs all FAILED with the program's own non-zero exit code while keeping their
core busy is classed from those runs (the failure is the program's, not the resources'), one level less sure than
from successful runs, the same in `history --patterns` and `explain`. Reproducer: a real capture of 3 runs that
exited 3 on the test cluster (tests/fixtures/expert/busy_fail_exit3.*, see SOURCE.md)."""

from __future__ import annotations

import json

from advisor_support import NOW, REPO
from asba.cli.main import main

EXPERT = REPO / "tests" / "fixtures" / "expert"
SHIPPED = REPO / "knowledge" / "cluster-snapshot"


def test_runs_failed_by_the_program_still_say_what_limits_it(asba_home, monkeypatch, capsys):
    monkeypatch.setenv("ASBA_NOW", NOW)
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    assert main(["history", "import", str(EXPERT / "busy_fail_exit3.sacct.psv")]) == 0
    capsys.readouterr()
    assert main(["history", "--patterns", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert main(["explain", str(EXPERT / "busy_fail_exit3.sbatch"), "--cluster-snapshot", str(SHIPPED), "--no-log",
                 "--json"]) == 0
    explained = json.loads(capsys.readouterr().out)["workload"]
    for found in (listed["workload"], explained):
        assert found["name"] == "cpu-bound" and found["evidence_runs"] == 3, found
        assert found["confidence"] in ("low", "medium")  # below what 3 successful runs would give
        assert "failed with the program's own exit code" in found["evidence"]
        assert "successful runs kept" not in found["reason"]
    assert main(["history", "--patterns"]) == 0
    assert "3 failed" in capsys.readouterr().out  # the table says what the class rests on


def test_a_resource_failure_is_not_read_as_the_programs():
    from types import SimpleNamespace

    from asba.history.evidence import PROGRAM_FAILED, from_runs

    def run(state: str, code: int) -> SimpleNamespace:
        return SimpleNamespace(state=state, exit_code=code, elapsed_s=40, cpu_efficiency=90.0,
                               memory_efficiency=50.0, effective_cpus=0.9, job_id="1")

    assert from_runs([run("FAILED", 3)] * 3).basis == PROGRAM_FAILED
    mixed = from_runs([run("FAILED", 3), run("NODE_FAIL", 1), run("FAILED", 3)])
    assert mixed.basis != PROGRAM_FAILED and mixed.ok_runs == 0  # a node failure says nothing of the program
