"""A multi-worker import that is killed (SIGKILL or SIGTERM) leaves no worker processes behind, and the next
import removes the scratch folder (`.asba-import-PID-*`) a killed one could not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from asba.history.parts import SCRATCH_PREFIX, remove_stale_scratch

ROW = ("{n}|job{m}|COMPLETED|0:0|2026-11-28T17:20:56|2026-11-28T17:21:00|2026-11-28T17:31:00|600|01:00:00|2|1|"
       "4000M|cpu=2,mem=4000M,node=1|09:58.500|516M|1|sbatch /home/u/scripts/s{m}.sh|/home/u/w{m}\n")
HEADER = ("JobID|JobName|State|ExitCode|Submit|Start|End|ElapsedRaw|Timelimit|AllocCPUS|NNodes|ReqMem|AllocTRES|"
          "TotalCPU|MaxRSS|NTasks|SubmitLine|WorkDir\n")


@pytest.fixture(scope="module")
def big_dump(tmp_path_factory) -> Path:
    """About 40 MB: five parts of 8 MiB, so two workers are busy for a few seconds."""
    path = tmp_path_factory.mktemp("dump") / "big.psv"
    with path.open("w") as out:
        out.write(HEADER)
        out.writelines(ROW.format(n=n, m=n % 97) for n in range(1, 230_000))
    return path


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_import_leaves_no_workers_and_the_next_import_cleans_up(tmp_path, big_dump, sig):
    db = tmp_path / "jobs.db"
    asba = str(Path(sys.executable).parent / "asba")
    env = dict(os.environ, ASBA_HOME=str(tmp_path))
    proc = subprocess.Popen([asba, "history", "import", str(big_dump), "--workers", "2", "--db", str(db)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
        workers |= {pid for pid in _children(proc.pid) if "multiprocessing" in
                    (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")}
        time.sleep(0.05)
    assert proc.poll() is None and workers, "the import ended before its workers could be seen"
    time.sleep(0.5)
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived the import"
    left = list(tmp_path.glob(SCRATCH_PREFIX + "*"))
    if sig == signal.SIGTERM:
        assert not left and proc.returncode != 0  # unwound: scratch removed by the import itself
    else:
        assert left  # kill -9 gives no chance to clean up...
        proc2 = subprocess.run([asba, "history", "import", str(big_dump), "--workers", "2", "--db", str(db)],
                               env=env, capture_output=True, text=True, timeout=600)
        assert proc2.returncode == 0, proc2.stderr
        assert not list(tmp_path.glob(SCRATCH_PREFIX + "*"))  # ...the next import removes what it left


def test_a_live_imports_scratch_is_kept(tmp_path):
    mine = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-abc"
    dead = tmp_path / f"{SCRATCH_PREFIX}999999999-abc"
    mine.mkdir()
    dead.mkdir()
    assert remove_stale_scratch(tmp_path) == [dead]
    assert mine.is_dir()
