"""Issue 22 items 7-8: a SLURM command's output is read with a size cap (100 MB of squeue output is refused
after 64 MiB, in bounded memory), and Ctrl-C during a SLURM read stops the command and what it started."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from asba.errors import ExternalCommandError
from asba.inputs.slurm import MAX_OUTPUT_BYTES, SlurmRunner

REPO = Path(__file__).resolve().parents[2]
SQUEUE = REPO / "tests" / "fixtures" / "cluster" / "loaded" / "squeue_json.out"


def _exe(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\nState:\tZ" not in status.read()
    except FileNotFoundError:
        return False


def test_a_real_capture_is_read_whole(tmp_path, monkeypatch):
    _exe(tmp_path / "squeue", f"cat {SQUEUE}")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/bin:/usr/bin")
    out = SlurmRunner().run("squeue_json", ["squeue", "--json"])
    assert out.stdout == SQUEUE.read_text()


def test_100_mb_of_output_is_refused_at_the_cap_in_bounded_memory(tmp_path):
    """The command prints 100 MB (the real capture, repeated); asba stops at 64 MiB, kills it, says so in one
    line, and its peak memory stays within 5x the output (it was 1.9-2.4 GB before)."""
    _exe(tmp_path / "squeue", f"while :; do cat {SQUEUE}; done | head -c 100000000")
    code = ("import resource, sys\n"
            "from asba.inputs.slurm import SlurmRunner\n"
            "from asba.errors import ExternalCommandError\n"
            "try:\n"
            "    SlurmRunner().run('squeue_json', ['squeue', '--json'])\n"
            "except ExternalCommandError as exc:\n"
            "    print(exc.one_line())\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)\n")
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}/bin:/usr/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    message, peak = done.stdout.splitlines()
    assert "printed more than 64 MiB" in message and "[ASBA-SLURM-002]" in message
    assert int(peak) <= 5 * 100_000_000
    assert MAX_OUTPUT_BYTES == 64 << 20


def test_a_cap_for_one_call(tmp_path, monkeypatch):
    _exe(tmp_path / "squeue", f"cat {SQUEUE}")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/bin:/usr/bin")
    with pytest.raises(ExternalCommandError, match="printed more than 0 MiB"):
        SlurmRunner().run("squeue_json", ["squeue", "--json"], max_bytes=1000)


def test_sigint_during_a_hung_slurm_read_leaves_no_child(tmp_path):
    """Ctrl-C while squeue hangs: asba stops with the interrupt, and neither squeue nor what it started
    is left running (they run in a session of their own, which the terminal's SIGINT does not reach)."""
    _exe(tmp_path / "squeue", f"echo $$ > {tmp_path}/squeue.pid; sleep 120 & echo $! > {tmp_path}/child.pid; wait")
    code = ("from asba.inputs.slurm import SlurmRunner\n"
            "SlurmRunner(timeout_s=100).run('squeue_json', ['squeue', '--json'])\n")
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}/bin:/usr/bin"}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
    for _ in range(200):
        if (tmp_path / "child.pid").is_file() and (tmp_path / "child.pid").read_text().strip():
            break
        time.sleep(0.05)
    pids = [int((tmp_path / name).read_text()) for name in ("squeue.pid", "child.pid")]
    assert all(_alive(pid) for pid in pids)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert "KeyboardInterrupt" in err
    for _ in range(100):
        if not any(_alive(pid) for pid in pids):
            break
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


def test_a_hung_sacct_is_waited_for_once_and_the_hint_names_the_daemon(tmp_path, monkeypatch, capsys):
    """history sync's one sacct call is waited for once (was 300 s for each of two), and the hint no longer suggests
    slurm.deadline_s, which sync does not use."""
    from asba.cli.main import main
    from asba.inputs import sacct

    _exe(tmp_path / "sacct", f"echo started >> {tmp_path}/starts; exec sleep 60")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/bin:/usr/bin")
    monkeypatch.setenv("ASBA_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sacct, "SYNC_TIMEOUT_S", 1.0)
    assert main(["history", "sync", "--no-wait-record"]) == 1
    err = capsys.readouterr().err
    assert err.count("asba: error:") == 1 and "sacct did not answer in 1 s" in err and "[ASBA-SLURM-001]" in err
    assert "deadline_s" not in err and "accounting daemon" in err
    assert (tmp_path / "starts").read_text().count("started") == 1
