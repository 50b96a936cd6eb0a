"""rules/README.md's walkthrough, followed step by step: every file it shows is written, every command it shows
is run in a fresh folder, and every output line it shows must appear in what the command printed."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "rules" / "README.md"
FENCE = re.compile(r"^```(\w+)(?: file=(\S+))?\n(.*?)^```\n", re.S | re.M)


def _steps() -> list[tuple[str, str | None, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- walkthrough:start -->", 1)[1].split("<!-- walkthrough:end -->", 1)[0]
    return [(m.group(1), m.group(2), m.group(3)) for m in FENCE.finditer(section)]


def _commands(block: str) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif line.strip():
            out[-1][1].append(line.strip())
    return out


def _run(command: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    argv = shlex.split(command)
    assert argv[0] == "asba", f"the walkthrough may only run asba, not {argv[0]}"
    env = {**os.environ, "ASBA_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1", "ASBA_NOW": "2026-11-28T18:00:00Z"}
    env.pop("ASBA_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "asba", *argv[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_walkthrough_runs_from_nothing_to_a_passing_rules_test(tmp_path: Path) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    steps = _steps()
    assert sum(1 for kind, _, _ in steps if kind == "console") >= 5
    ran: list[str] = []
    for kind, file_name, body in steps:
        if file_name:
            (work / file_name).parent.mkdir(parents=True, exist_ok=True)
            (work / file_name).write_text(body, encoding="utf-8")
            continue
        assert kind == "console", f"a block without file= must be a console session, not {kind}"
        for command, expected in _commands(body):
            done = _run(command, work, home)
            printed = done.stdout + done.stderr
            wants_error = any("[ASBA-" in line for line in expected)
            assert (done.returncode != 0) == wants_error, f"{command}: exit {done.returncode}\n{printed}"
            for line in expected:
                assert line in printed, f"{command}: {line!r} not in the output:\n{printed}"
            ran.append(command)
    assert "asba rules test rnaseq" in ran and ran[-1].startswith("asba explain")
