"""`asba submit` off-cluster: a stand-in `sbatch` on PATH records the argv it was given and prints a job id as
`sbatch --parsable` does; the cluster is the saved busy snapshot. The real-cluster test is test_submit_cluster.py."""

from __future__ import annotations

import json
import shlex
import stat
from pathlib import Path

import pytest
from asba.audit import submitted
from asba.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO / "tests" / "fixtures" / "advisor" / "snapshot-busy"
TINY = REPO / "examples" / "tiny.sbatch"
DUMP = REPO / "examples" / "history" / "tiny.sacct.psv"


@pytest.fixture
def fake_sbatch(tmp_path, monkeypatch, asba_home):
    """A `sbatch` that appends its argv (one JSON list a line) to calls.jsonl and prints the next id."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.jsonl"
    exe = bin_dir / "sbatch"
    exe.write_text("#!/usr/bin/env python3\nimport json, sys\n"
                   f"p = {str(calls)!r}\n"
                   "n = sum(1 for _ in open(p)) if __import__('os').path.exists(p) else 0\n"
                   "open(p, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
                   "print(41023 + n)\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    monkeypatch.setenv("ASBA_NOW", "2026-11-04T08:00:00Z")
    return calls


def _calls(path: Path) -> list[list[str]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _planned_lines(out: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index("  sbatch line(s) to run:") + 1
    return [line.strip() for line in lines[start:] if line.startswith("    ")]


def test_submit_runs_exactly_the_line_it_printed_and_logs_the_id(fake_sbatch, capsys):
    argv = ["submit", str(TINY), "cpu-aws", "--mem=300M", "--time=00:04:00", "--cluster-snapshot", str(SNAPSHOT),
            "--yes"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    printed = _planned_lines(out)
    assert len(printed) == 1
    assert [["sbatch", *call] for call in _calls(fake_sbatch)] == [shlex.split(printed[0])]
    assert printed[0].startswith("sbatch --parsable ") and "--mem=300M --time=00:04:00" in printed[0]
    assert "submitted job 41023 (decision d-" in out
    decision_id = out.split("submitted job 41023 (decision ")[1].split(",")[0]
    from asba.audit.log import connect

    conn = connect()
    rows = submitted.of_decision(conn, decision_id)
    conn.close()
    assert [(r.job_id, r.cluster, list(r.argv)) for r in rows] == [("41023", "", shlex.split(printed[0]))]


def test_without_a_terminal_it_needs_yes_and_submits_nothing(fake_sbatch, capsys):
    assert main(["submit", str(TINY), "cpu-aws", "--cluster-snapshot", str(SNAPSHOT)]) == 2
    captured = capsys.readouterr()
    assert "ASBA-SUBMIT-001" in captured.err and "--yes" in captured.err
    assert _calls(fake_sbatch) == []


def test_outcomes_join_the_submitted_id_first(fake_sbatch, capsys):
    """The job asba submit logged (41023, 18 days after the decision: outside the 24 h script window) is joined by
    its id; 41021, the same script 1 h after the decision, is not claimed by a decision that logged its job."""
    assert main(["submit", str(TINY), "cpu-aws", "--cluster-snapshot", str(SNAPSHOT), "--yes", "--json"]) == 0
    sub = json.loads(capsys.readouterr().out)
    assert main(["history", "import", str(DUMP)]) == 0
    capsys.readouterr()
    assert main(["audit", "outcomes", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {o["job_id"]: o for o in report["outcomes"]}
    assert set(rows) == {"41023"}
    assert rows["41023"]["matched_by"] == "job id"
    assert rows["41023"]["decision_id"] == sub["jobs"][0]["decision_id"]
    assert main(["audit", "outcomes"]) == 0
    assert "joined 1 by job id (asba submit)" in capsys.readouterr().out


@pytest.mark.parametrize(("stdout", "expected"), [("123\n", ("123", "")), ("77;cluster2\n", ("77", "cluster2"))])
def test_parsable_output(stdout, expected):
    assert submitted.parse_parsable(stdout) == expected


def test_parsable_output_that_is_not_an_id_is_one_error():
    from asba.errors import ExternalCommandError

    with pytest.raises(ExternalCommandError, match="not a job id"):
        submitted.parse_parsable("sbatch: error: Batch job submission failed\n")


def test_without_a_named_burst_partition_the_one_asba_chose_is_used(fake_sbatch, capsys):
    assert main(["submit", str(TINY), "--cluster-snapshot", str(SNAPSHOT), "--yes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["plan"]["platform"] == "aws"  # the busy snapshot's queue sends this job to the burst partition
    (call,) = _calls(fake_sbatch)
    assert call[call.index("-p") + 1] == "cpu-aws" and ["sbatch", *call] == data["jobs"][0]["argv"]
