"""Long commands show what they are doing on a terminal, and nothing in a pipe (issue 27): `cluster backtest`,
`cluster rightsize-backtest`; stderr is a real pseudo-terminal here, as a user's would be."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
DUMP = TESTS / "fixtures" / "cluster" / "wait_record" / "sacct_a_X_test_cluster_2026-12-03.psv"
CAPTURE = next((TESTS / "fixtures" / "history" / "rightsize").glob("*.psv"))
ARGV = {"backtest": ["cluster", "backtest", str(DUMP)],
        "rightsize-backtest": ["cluster", "rightsize-backtest", str(CAPTURE)]}


def _run(argv: list[str], terminal: bool) -> tuple[str, str]:
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-m", "asba", *argv]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout, done.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, env=env, text=True)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the command ended and closed its end of the terminal
            break
        if not chunk:
            break
        shown += chunk
    out = proc.communicate(timeout=300)[0]
    os.close(leader)
    assert proc.returncode == 0, shown
    return out, shown.decode(errors="replace")


@pytest.mark.parametrize("name", sorted(ARGV))
def test_a_terminal_sees_the_stage_and_a_pipe_sees_nothing(name):
    out, shown = _run(ARGV[name], terminal=True)
    assert f"{name}: replaying" in shown
    piped_out, piped_err = _run(ARGV[name], terminal=False)
    assert piped_err == "" and piped_out == out  # the results themselves are the same either way
