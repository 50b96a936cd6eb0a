"""On the real SLURM test cluster: a logged decision, then the job submitted once as advised and once not (on
cpu vs the burst partition cpu-aws); after `asba history sync`, `asba audit outcomes` shows both jobs with the
right acceptance and the runtimes sacct recorded."""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest
from asba.cli.main import main

pytestmark = pytest.mark.slurm
SCRIPT = """#!/bin/bash
#SBATCH --partition=cpu
#SBATCH --cpus-per-task=1
#SBATCH --mem=200M
#SBATCH --time=00:05:00
#SBATCH --output=/dev/null
sleep 4
"""
PARTITION = {"local": "cpu", "aws": "cpu-aws"}


def _sbatch(script, partition: str) -> str:
    out = subprocess.run(["sbatch", "--parsable", "-p", partition, str(script)], capture_output=True, text=True,
                         check=True, timeout=30)
    return out.stdout.strip().split(";")[0]


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


def _elapsed(job_id: str) -> int:
    out = subprocess.run(["sacct", "-X", "-n", "-P", "-j", job_id, "-o", "ElapsedRaw"], capture_output=True,
                         text=True, check=True, timeout=30)
    return int(out.stdout.split()[0])


def _json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_outcomes_show_the_advised_and_the_other_run(tmp_path, asba_home, capsys, monkeypatch):
    monkeypatch.delenv("ASBA_NOW", raising=False)
    monkeypatch.chdir(tmp_path)
    script = tmp_path / f"outcome_{uuid.uuid4().hex[:8]}.sbatch"
    script.write_text(SCRIPT)
    decision = _json(capsys, "explain", str(script), "cpu-aws")
    advised = decision["recommendation"]["platform"]
    other = "aws" if advised == "local" else "local"
    followed = _sbatch(script, PARTITION[advised])
    ignored = _sbatch(script, PARTITION[other])
    _wait_done([followed, ignored])
    assert main(["history", "sync"]) == 0
    capsys.readouterr()
    report = _json(capsys, "audit", "outcomes")
    rows = {o["job_id"]: o for o in report["outcomes"] if o["decision_id"] == decision["decision_id"]}
    assert set(rows) == {followed, ignored}
    assert (rows[followed]["followed"], rows[followed]["ran"]) == (True, advised)
    assert (rows[ignored]["followed"], rows[ignored]["ran"]) == (False, other)
    for job_id, row in rows.items():
        assert row["state"] == "COMPLETED" and row["advised"] == advised
        assert row["runtime_s"] == _elapsed(job_id) and row["runtime_s"] >= 4
        assert row["real_cost_usd"] is not None and row["real_cost_usd"] > 0
    assert report["acceptance"]["followed"] == 1 and report["acceptance"]["rate"] == 0.5
    assert report["regret"]["jobs"] == 2
    again = _json(capsys, "audit", "outcomes")  # the join is stored: a second run changes nothing
    assert again["join"]["changed"] == 0 and len(again["outcomes"]) == len(report["outcomes"])
