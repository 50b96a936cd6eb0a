"""contrib/cli_filter.lua on the real SLURM test cluster, without touching its configuration: sbatch reads a copy
of /etc/slurm (SLURM_CONF) that adds `CliFilterPlugins=cli_filter/lua`, with the script beside it (the plugin
looks for cli_filter.lua next to slurm.conf). Every job is submitted held and cancelled by its own id."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slurm
REPO = Path(__file__).resolve().parents[2]
ASBA = Path(sys.executable).with_name("asba")
SCRIPT = """#!/bin/bash
#SBATCH --partition=cpu
#SBATCH --mem=100M
#SBATCH --time=00:02:00
#SBATCH --output=/dev/null
sleep 1
"""
BUDGET_MS = 300
SHOWN = ("Partition", "MinMemoryNode", "TimeLimit", "NumCPUs", "NumNodes", "Command", "JobState")


@pytest.fixture
def conf(tmp_path):
    folder = tmp_path / "slurm-conf"
    shutil.copytree("/etc/slurm", folder, ignore=shutil.ignore_patterns("slurmdbd.conf"))
    with open(folder / "slurm.conf", "a") as handle:
        handle.write("\nCliFilterPlugins=cli_filter/lua\n")
    shutil.copy(REPO / "contrib" / "cli_filter.lua", folder / "cli_filter.lua")
    return folder / "slurm.conf"


@pytest.fixture
def job(tmp_path, asba_home):
    path = tmp_path / "filtered.sbatch"
    path.write_text(SCRIPT)
    env = {**os.environ, "PATH": f"{ASBA.parent}:{os.environ['PATH']}", "ASBA_HOME": str(asba_home)}
    env.pop("ASBA_NOW", None)
    subprocess.run([str(ASBA), "explain", str(path), "cpu-aws", "--brief", "--no-log"], env=env, check=True,
                   capture_output=True, timeout=120)
    return path, env


def _fake(tmp_path: Path, name: str, body: str) -> str:
    exe = tmp_path / name
    exe.write_text("#!/bin/sh\n" + body)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe)


def _sbatch(script: Path, env: dict, conf: Path | None, *extra: str) -> tuple[subprocess.CompletedProcess, float]:
    run_env = {**env, "SLURM_CONF": str(conf)} if conf else {k: v for k, v in env.items() if k != "SLURM_CONF"}
    started = time.monotonic()
    proc = subprocess.run(["sbatch", "--parsable", "--hold", *extra, str(script)], env=run_env, capture_output=True,
                          text=True, timeout=60)
    took = time.monotonic() - started
    if proc.returncode == 0:
        _cancel_later.append(proc.stdout.strip().split(";")[0])
    return proc, took


_cancel_later: list[str] = []


@pytest.fixture(autouse=True)
def _cancel():
    yield
    if _cancel_later:
        subprocess.run(["scancel", *_cancel_later], check=False, timeout=30)  # our own held jobs only
        _cancel_later.clear()


def _show(job_id: str) -> dict[str, str]:
    out = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True, check=True,
                         timeout=30).stdout
    fields = dict(re.findall(r"(\w+)=(\S*)", out))
    return {key: fields.get(key, "") for key in SHOWN}


def test_the_hint_shows_and_the_job_is_the_same(job, conf):
    script, env = job
    plain, _ = _sbatch(script, env, None)
    hinted, _ = _sbatch(script, env, conf)
    assert plain.returncode == hinted.returncode == 0
    assert re.fullmatch(r"\d+\n", hinted.stdout)  # --parsable output is the id alone: the hint goes to stderr
    lines = hinted.stderr.splitlines()
    assert lines[0].startswith("asba: the queue on cpu looks like") and len(lines) == 2
    assert plain.stderr == ""
    assert _show(hinted.stdout.strip()) == _show(plain.stdout.strip())


def test_a_hanging_asba_costs_at_most_the_budget(job, conf, tmp_path):
    script, env = job
    hang = _fake(tmp_path, "asba-hang", "sleep 30 & sleep 30\n")  # a child that holds the pipe too
    off = min(_sbatch(script, {**env, "ASBA_HINT": "0"}, conf)[1] for _ in range(3))
    runs = [_sbatch(script, {**env, "ASBA_CHECK": hang}, conf) for _ in range(3)]
    assert all(proc.returncode == 0 and proc.stderr == "" for proc, _took in runs)
    extra = min(took for _proc, took in runs) - off
    print(f"sbatch with the filter off {off:.3f} s; with asba hanging {extra:.3f} s more (budget {BUDGET_MS} ms)")
    assert extra < BUDGET_MS / 1000 + 1.0  # the budget plus process start-up on a loaded 2-core machine


def test_missing_failing_or_opted_out_asba_is_silent(job, conf, tmp_path):
    script, env = job
    marker = tmp_path / "ran"
    failing = _fake(tmp_path, "asba-fail", "echo 'Traceback: boom'; echo 'asba: half' >&2; exit 3\n")
    spy = _fake(tmp_path, "asba-spy", f"touch {marker}\n")
    for extra_env in ({"ASBA_CHECK": "/no/such/asba"}, {"ASBA_CHECK": failing},
                      {"ASBA_CHECK": spy, "ASBA_HINT": "0"}):
        proc, _ = _sbatch(script, {**env, **extra_env}, conf)
        assert proc.returncode == 0 and proc.stderr == "", extra_env
    assert not marker.exists()  # opted out: asba was not even started


def test_asba_check_launcher_is_preferred_and_asba_check_is_the_fallback(job, conf, tmp_path):
    script, env = job
    only = tmp_path / "launcher-bin"
    only.mkdir()
    (only / "asba-check").symlink_to(_fake(tmp_path, "asba-check-fake", "echo 'asba: from the launcher'\n"))
    proc, _ = _sbatch(script, {**env, "PATH": f"{only}:{env['PATH']}"}, conf)
    assert proc.stderr == "asba: from the launcher\n"
    bare = tmp_path / "bare-bin"  # no asba-check anywhere: `asba check` from the same folder as the real asba
    bare.mkdir()
    (bare / "asba").symlink_to(ASBA)
    path = ":".join(p for p in env["PATH"].split(":") if p != str(ASBA.parent))
    proc, _ = _sbatch(script, {**env, "PATH": f"{bare}:{path}"}, conf)
    assert proc.stderr.startswith("asba: the queue on cpu looks like")


def test_sbatch_refusals_keep_their_exit_code_and_message(job, conf):
    script, env = job
    plain, _ = _sbatch(script, env, None, "-p", "no-such-partition")
    hinted, _ = _sbatch(script, env, conf, "-p", "no-such-partition")
    assert plain.returncode == hinted.returncode != 0
    assert plain.stderr.splitlines()[-1] == hinted.stderr.splitlines()[-1]
