"""scripts/slurm-cluster.sh: usage, status line and exit codes (start/stop are exercised by .ci/run)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "slurm-cluster.sh"


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_script_is_valid_bash() -> None:
    assert subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True).returncode == 0


def test_unknown_command_prints_usage_and_exits_2() -> None:
    proc = run("restart-everything")
    assert proc.returncode == 2 and "usage:" in proc.stderr


def test_status_without_a_controller_is_one_down_line(tmp_path: Path) -> None:
    fake = tmp_path / "scontrol"  # an scontrol whose ping finds no controller, as on a machine where none runs
    fake.write_text("#!/bin/sh\necho 'Slurmctld(primary) at vm is DOWN'\nexit 1\n")
    fake.chmod(0o755)
    proc = run("status", env={"PATH": f"{tmp_path}:{os.environ['PATH']}"})
    assert proc.returncode == 1
    assert len(proc.stdout.strip().splitlines()) == 1 and "slurm test cluster: DOWN" in proc.stdout


@pytest.mark.slurm
def test_status_of_the_running_cluster_is_one_up_line_with_six_nodes() -> None:
    proc = run("status")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = proc.stdout.strip()
    assert line.startswith("slurm test cluster: UP") and "6/6 nodes usable" in line and "accounting up" in line


@pytest.mark.slurm
def test_start_is_idempotent_when_the_cluster_runs() -> None:
    if os.geteuid() != 0:
        pytest.skip("starting the cluster needs root")
    proc = run("start")
    assert proc.returncode == 0, proc.stderr
    assert "UP" in proc.stdout and "6/6 nodes usable" in proc.stdout
