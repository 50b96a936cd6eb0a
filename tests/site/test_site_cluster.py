"""`asba site collect` on the real SLURM test cluster: one `sacct -a -X` publishes the model, a job submitted
after it is in the next (incremental) collection, and explain reads the model through site.dir.

Not tested here: a user under `PrivateData=jobs`. SLURM enforces PrivateData in slurmctld and slurmdbd, not in
the client, so a copy of slurm.conf (SLURM_CONF) cannot turn it on; it needs a change to the shared cluster's
configuration, which this test must not make."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from asba.cli.main import main

pytestmark = pytest.mark.slurm


def _collect(capsys, folder) -> dict:
    assert main(["site", "collect", "--dir", str(folder), "--days", "2", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_collect_sees_a_new_job_in_the_next_run(tmp_path, asba_home, capsys, monkeypatch):
    monkeypatch.delenv("ASBA_NOW", raising=False)
    folder = tmp_path / "site"
    first = _collect(capsys, folder)
    assert first["format"] == 1 and "--allusers -X" in first["sacct"]
    out = subprocess.run(["sbatch", "--parsable", "-p", "cpu", "--mem=100M", "-t", "1", "-o", "/dev/null",
                          "--wrap", "sleep 1"], capture_output=True, text=True, check=True, timeout=30)
    job_id = out.stdout.strip().split(";")[0]
    deadline = time.monotonic() + 120
    while subprocess.run(["squeue", "-h", "-j", job_id], capture_output=True, text=True,
                         timeout=30).stdout.strip() and time.monotonic() < deadline:
        time.sleep(2)
    time.sleep(3)  # slurmdbd records the end a moment after squeue forgets the job
    second = _collect(capsys, folder)
    assert second["sacct"] != first["sacct"]  # resumed from the first run, not the whole window
    import sqlite3

    conn = sqlite3.connect(folder / "site-waits.sqlite")
    row = conn.execute("SELECT partition, start FROM cluster_waits WHERE job_id = ?", (job_id,)).fetchone()
    conn.close()
    assert row is not None and row[0] == "cpu" and row[1] is not None
    assert second["jobs"] >= first["jobs"] + 1 and second["partitions"]["cpu"]["jobs_24h"] >= 1
    config = tmp_path / "config.yaml"
    config.write_text(f"site:\n  dir: {folder}\n")
    script = tmp_path / "j.sbatch"
    script.write_text("#!/bin/bash\n#SBATCH -p cpu\n#SBATCH --mem=100M\n#SBATCH -t 5\nsleep 1\n")
    assert main(["explain", str(script), "cpu-aws", "--config", str(config), "--json", "--no-log"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert any(n.startswith("wait record: the site model collected ") for n in notes)
