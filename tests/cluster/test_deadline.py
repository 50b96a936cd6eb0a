"""All SLURM reads of one explain share one deadline: hanging commands are killed (with what they started) and
named, the others are still used. Fake commands on PATH print real captures of the test cluster."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from asba.facts.cluster_facts import read_cluster
from asba.inputs.slurm import SlurmRunner

LOADED = Path(__file__).resolve().parents[1] / "fixtures" / "cluster" / "loaded"
CAPTURES = {"sinfo": "sinfo_json.out", "scontrol": "partitions.out", "sshare": "sshare.out"}


def _exe(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def _fake_cluster(tmp_path: Path, hanging: tuple[str, ...]) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, capture in CAPTURES.items():
        if name == "sinfo":  # sinfo --version, sinfo --json
            body = (f'if [ "$1" = --version ]; then cat {LOADED / "version.out"}; '
                    f"else cat {LOADED / capture}; fi")
        else:
            body = f"cat {LOADED / capture}"
        _exe(bin_dir / name, body)
    for name in hanging:  # starts a child that would outlive a plain kill of the command itself
        _exe(bin_dir / name, f"sleep 120 & echo $! > {tmp_path}/{name}.child; wait")
    return bin_dir


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def test_two_hanging_commands_share_one_deadline_and_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_cluster(tmp_path, ('squeue', 'sprio'))}{os.pathsep}/bin:/usr/bin")
    runner = SlurmRunner(deadline_s=1.0)
    view = read_cluster(runner, partition="cpu")
    gaps = " | ".join(view.gaps)
    # both ran at once: each was given the whole second, neither was skipped for lack of time
    assert "squeue: squeue did not answer in 1 s" in gaps
    assert "sprio: sprio did not answer in 1 s" in gaps
    assert "deadline for SLURM reads had passed" in gaps  # squeue's text fallback: no time was left for it
    assert view.state.has("sinfo") and view.state.has("partitions") and view.state.has("sshare")
    assert view.summary("cpu").total_cpus  # the nodes that were read are used


def test_a_hanging_command_is_killed_with_what_it_started(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_cluster(tmp_path, ('squeue',))}{os.pathsep}/bin:/usr/bin")
    read_cluster(SlurmRunner(deadline_s=0.5), partition="cpu")
    child = int((tmp_path / "squeue.child").read_text())
    for _ in range(50):  # the kill is asynchronous: give the kernel a moment to reap
        if not _alive(child):
            break
        time.sleep(0.05)
    assert not _alive(child)


def test_a_failing_command_is_a_gap_and_the_rest_is_read(tmp_path, monkeypatch):
    bin_dir = _fake_cluster(tmp_path, ())
    _exe(bin_dir / "squeue", "echo 'squeue: error: Invalid user for SlurmUser' >&2; exit 1")
    _exe(bin_dir / "sprio", "cat " + str(LOADED / "sprio.out"))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/bin:/usr/bin")
    view = read_cluster(SlurmRunner(deadline_s=5.0), partition="cpu")
    assert any("squeue exited 1: squeue: error: Invalid user" in g for g in view.gaps)
    assert view.state.has("sinfo") and view.state.has("sprio")


def test_deadline_is_the_configured_one(tmp_path):
    from asba.inputs.config import load_config

    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("slurm:\n  deadline_s: 7\n")
    assert float(load_config(cfg_file).get("slurm.deadline_s")) == 7.0
    assert float(load_config(None).get("slurm.deadline_s")) == 20.0


def test_explain_with_a_hanging_queue_names_it_and_gives_the_break_even(tmp_path, monkeypatch, capsys):
    from asba.cli.main import main

    bin_dir = _fake_cluster(tmp_path, ("squeue", "sinfo", "sbatch"))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/bin:/usr/bin")
    monkeypatch.setenv("ASBA_HOME", str(tmp_path / "home"))
    cfg = tmp_path / "c.yaml"
    cfg.write_text("slurm:\n  deadline_s: 1\n")
    script = tmp_path / "job.sbatch"  # no history anywhere: the queue was the only source of a wait
    script.write_text("#!/bin/sh\n#SBATCH -c 8\n#SBATCH --mem=16G\n#SBATCH -t 4:00:00\nsrun ./simulate\n")
    assert main(["explain", str(script), "cpu-aws", "--config", str(cfg), "--no-log"]) == 0
    out = capsys.readouterr().out
    assert "squeue did not answer in 1 s" in out
    assert "local queue wait unknown" in out and "wait was unknown" in out
    assert "wait unknown" in out  # not "wait 0m"
