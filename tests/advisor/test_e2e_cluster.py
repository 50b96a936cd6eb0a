"""End to end on the real SLURM test cluster: submit jobs, sync history, explain with --with-history --optimize,
and check that the advice uses the jobs just run."""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest
from asba.cli.main import main

SCRIPT = """#!/bin/bash
#SBATCH --partition=cpu
#SBATCH --cpus-per-task=2
#SBATCH --mem=1G
#SBATCH --time=00:10:00
#SBATCH --output=/dev/null
python3 -c "
import time
block = bytearray(150 * 1024 * 1024)
end = time.time() + 6
while time.time() < end:
    pass
"
"""


def _wait_done(job_ids: list[str], timeout_s: float = 180) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        out = subprocess.run(["squeue", "-h", "-j", ",".join(job_ids), "-o", "%i"], capture_output=True, text=True)
        if not out.stdout.strip():
            return
        time.sleep(2)
    subprocess.run(["scancel", *job_ids], check=False)
    pytest.fail(f"jobs {job_ids} did not finish in {timeout_s} s")


@pytest.mark.slurm
def test_explain_uses_the_jobs_just_run(tmp_path, asba_home, capsys, monkeypatch):
    script = tmp_path / f"e2e_{uuid.uuid4().hex[:8]}.sbatch"
    script.write_text(SCRIPT)
    monkeypatch.chdir(tmp_path)
    job_ids = []
    for _ in range(2):
        out = subprocess.run(["sbatch", "--parsable", str(script)], capture_output=True, text=True, check=True)
        job_ids.append(out.stdout.strip().split(";")[0])
    _wait_done(job_ids)
    time.sleep(3)  # slurmdbd records the end of the job a moment after squeue forgets it
    # --track-history syncs sacct into the (empty) history database before the advice reads it
    assert main(["explain", str(script), "cpu-aws", "--with-history", "--optimize", "--track-history", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert any(n.startswith("--track-history: synced sacct") for n in result["notes"])
    seen = {run["job_id"] for run in result["history"]["runs"]}
    assert set(job_ids) <= seen
    assert result["data_sources"]["cluster"] == "live SLURM"
    assert result["local"]["runtime_basis"] == "history"
    assert result["local"]["runtime_s"] < 120  # the runs took seconds, not the 10-minute limit
    assert result["optimized"]["status"] in ("changed", "no-material-change")
    if result["optimized"]["status"] == "changed":
        lines = result["optimized"]["sbatch_lines"]
        assert lines and all(line.startswith("#SBATCH --") for line in lines)
        assert result["optimized"]["request"]["total_cpus"] <= 2
