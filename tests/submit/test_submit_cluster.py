"""On the real SLURM test cluster: `asba submit --yes` submits what it printed (read back with `scontrol show
job`), the decision log holds the id SLURM returned, and after `asba history sync`, `asba audit outcomes` joins
the job by that id. Also a job array (its array id) and a two-step pipeline (afterok on the first step's id)."""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid

import pytest
from asba.audit import submitted
from asba.audit.log import connect
from asba.cli.main import main

pytestmark = pytest.mark.slurm
SCRIPT = """#!/bin/bash
#SBATCH --partition=cpu
#SBATCH --cpus-per-task=1
#SBATCH --mem=200M
#SBATCH --time=00:05:00
#SBATCH --output=/dev/null
sleep 3
"""
PARTITION = {"local": "cpu", "aws": "cpu-aws"}


def _show(job_id: str) -> dict[str, str]:
    out = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True, check=True,
                         timeout=30).stdout.splitlines()[0]
    return dict(re.findall(r"(\w+)=(\S*)", out))


def _wait_done(job_ids: list[str], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        out = subprocess.run(["squeue", "-h", "-j", ",".join(job_ids), "-o", "%i"], capture_output=True, text=True,
                             timeout=30)
        if not out.stdout.strip():
            time.sleep(3)  # slurmdbd records the end a moment after squeue forgets the job
            return
        time.sleep(2)
    subprocess.run(["scancel", *job_ids], check=False, timeout=30)  # our own jobs only
    pytest.fail(f"jobs {job_ids} did not finish in {timeout_s} s")


def _submit(capsys, *argv: str) -> dict:
    assert main(["submit", *argv, "--yes", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def script(tmp_path, asba_home, monkeypatch):
    monkeypatch.delenv("ASBA_NOW", raising=False)
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / f"submit_{uuid.uuid4().hex[:8]}.sbatch"
    path.write_text(SCRIPT)
    return path


def test_submit_then_outcomes_by_job_id(script, capsys):
    data = _submit(capsys, str(script), "cpu-aws", "--mem=300M", "--time=00:04:00")
    (job,) = data["jobs"]
    (planned,) = data["plan"]["submissions"]
    assert job["argv"] == ["sbatch", *planned["line"].split()[1:]]  # ran what it printed
    shown = _show(job["job_id"])
    assert shown["Partition"] == PARTITION[planned["platform"]]
    assert shown["MinMemoryNode"] == "300M" and shown["TimeLimit"] == "00:04:00"
    assert shown["Command"] == str(script)
    conn = connect()
    assert [r.job_id for r in submitted.of_decision(conn, job["decision_id"])] == [job["job_id"]]
    conn.close()
    _wait_done([job["job_id"]])
    assert main(["history", "sync"]) == 0
    capsys.readouterr()
    assert main(["audit", "outcomes", "--json"]) == 0
    rows = {o["job_id"]: o for o in json.loads(capsys.readouterr().out)["outcomes"]}
    assert rows[job["job_id"]]["matched_by"] == "job id"
    assert rows[job["job_id"]]["decision_id"] == job["decision_id"]
    assert rows[job["job_id"]]["followed"] is True and rows[job["job_id"]]["state"] == "COMPLETED"


def test_submit_an_array_logs_the_array_id(script, capsys):
    data = _submit(capsys, str(script), "cpu-aws", "--array=1-3%2")
    ids = [j["job_id"] for j in data["jobs"]]
    shown = [_show(i) for i in ids]
    assert all(s["ArrayJobId"] == i for s, i in zip(shown, ids))
    _wait_done(ids)
    assert main(["history", "sync"]) == 0
    capsys.readouterr()
    assert main(["audit", "outcomes", "--json"]) == 0
    rows = [o for o in json.loads(capsys.readouterr().out)["outcomes"] if o["decision_id"] == data["jobs"][0]
            ["decision_id"]]
    assert len(rows) == 3 and {o["matched_by"] for o in rows} == {"job id"}
    assert {o["job_id"].split("_")[0] for o in rows} <= set(ids)


def test_submit_a_pipeline_chains_afterok(script, tmp_path, capsys):
    second = tmp_path / f"next_{uuid.uuid4().hex[:8]}.sbatch"
    second.write_text(SCRIPT)
    data = _submit(capsys, str(script), "cpu-aws", "--mem=300M", "--pipeline", str(second))
    first_id, second_id = (j["job_id"] for j in data["jobs"])
    shown = _show(second_id)
    assert shown["Dependency"].startswith(f"afterok:{first_id}")
    assert shown["MinMemoryNode"] == "300M"  # the user's options apply to every step
    assert data["jobs"][1]["argv"][2] == f"--dependency=afterok:{first_id}"
    assert data["jobs"][0]["decision_id"] != data["jobs"][1]["decision_id"]  # one decision per step
    _wait_done([first_id, second_id])
