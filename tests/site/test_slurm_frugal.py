"""asba.inputs.slurm_frugal: SLURM calls counted and capped; read-only cluster facts of the last minute reused.
The SLURM commands are stand-ins on PATH that log each start, so the test counts real process starts."""

from __future__ import annotations

import os
import stat
import time

import pytest
from asba.errors import ExternalCommandError
from asba.inputs.slurm import SlurmRunner
from asba.inputs.slurm_frugal import FrugalRunner, frugal, reuse_note


@pytest.fixture
def log(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    path = tmp_path / "starts.log"
    for name, code in (("squeue", 0), ("sinfo", 0), ("sbatch", 0), ("sprio", 1)):
        exe = bin_dir / name
        exe.write_text(f"#!/bin/sh\necho {name} >> {path}\necho \"{name} answer $*\"\nexit {code}\n")
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return path


def _starts(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _runner(tmp_path, **kw) -> FrugalRunner:
    return FrugalRunner(reuse_dir=tmp_path / "reuse", **{"reuse_s": 60.0, **kw})


def test_a_second_command_within_the_minute_reuses_the_answer_with_its_real_time(tmp_path, log):
    first = _runner(tmp_path).run("squeue_json", ["squeue", "--json"])
    second_runner = _runner(tmp_path)
    again = second_runner.run("squeue_json", ["squeue", "--json"])
    assert _starts(log) == ["squeue"] and again.stdout == first.stdout == "squeue answer --json\n"
    assert again.captured_at == first.captured_at and second_runner.reused == ["squeue_json"]
    assert second_runner.ran == 0 and "reused (squeue; slurm.reuse_s = 60)" in reuse_note(second_runner)


def test_other_arguments_failures_job_commands_and_old_answers_are_read_again(tmp_path, log):
    runner = _runner(tmp_path)
    runner.run("squeue_json", ["squeue", "--json"])
    runner.run("squeue_json", ["squeue", "--json", "-p", "cpu"])  # same key, other argv
    runner.run("test_only", ["sbatch", "--test-only", "x"])
    runner.run("test_only", ["sbatch", "--test-only", "x"])  # sbatch: never reused
    for _ in range(2):
        with pytest.raises(ExternalCommandError):
            runner.run("prio", ["sprio"])  # a failure is not kept
    assert _starts(log) == ["squeue", "squeue", "sbatch", "sbatch", "sprio", "sprio"]
    stale = _runner(tmp_path, reuse_s=0.5)
    time.sleep(0.6)
    stale.run("squeue_json", ["squeue", "--json", "-p", "cpu"])
    assert _starts(log)[-1] == "squeue" and len(_starts(log)) == 7


def test_another_cluster_is_read_again(tmp_path, log, monkeypatch):
    _runner(tmp_path).run("squeue_json", ["squeue", "--json"])
    monkeypatch.setenv("SLURM_CONF", str(tmp_path / "other" / "slurm.conf"))
    _runner(tmp_path).run("squeue_json", ["squeue", "--json"])
    assert _starts(log) == ["squeue", "squeue"]


def test_the_cap_names_the_command_it_did_not_run(tmp_path, log):
    runner = _runner(tmp_path, reuse_s=0.0, max_calls=2)
    runner.run("a", ["sinfo"])
    runner.run("b", ["squeue"])
    with pytest.raises(ExternalCommandError, match="sinfo not run: this command's cap of 2 SLURM calls"):
        runner.run("c", ["sinfo", "-N"])
    assert _starts(log) == ["sinfo", "squeue"]


def test_only_a_live_runner_is_made_frugal(tmp_path):
    class Cfg(dict):
        def get(self, key, default=None):  # the Config interface: dotted keys
            return super().get(key, default)

    snap = SlurmRunner(snapshot_dir=tmp_path)
    assert frugal(snap, Cfg()) is snap
    live = frugal(SlurmRunner(), Cfg({"slurm.reuse_s": 30, "slurm.max_calls": 5}))
    assert isinstance(live, FrugalRunner) and (live.reuse_s, live.max_calls) == (30.0, 5)
