"""README.md and examples/README.md cannot drift from what asba prints (issue 27).

* Every excerpt that cites a golden file (`tests/golden/NAME.txt` in the paragraph before it) appears in that
  golden, line for line and in order (lines may be left out, shown as "..."); the goldens are asba's exact
  output (tests/golden/test_golden.py).
* Every `asba` command in a ```sh block runs and exits 0 (the `bash scripts/...` steps around them are the
  set-up the test suite itself stands on, so they are not run again here).
* The value-of-an-hour claims of the pipeline section are what `asba explain --pipeline-mode` prints.
* "Every command that prints results takes --json": every leaf command of the parser has --json.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
READMES = [REPO / "README.md", REPO / "examples" / "README.md"]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
GOLDEN_CITED = re.compile(r"tests/golden/(\w+)\.txt")
NOW = "2026-11-28T18:00:00Z"


def _blocks(path: Path) -> list[tuple[str, str, str]]:
    """(language, body, the paragraph before the block) for every fenced block."""
    text = path.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip().rsplit("\n\n", 1)[-1]
        found.append((m.group(1), m.group(2), before))
    return found


def _excerpts() -> list[tuple[str, str, str]]:
    cases = []
    for path in READMES:
        for _lang, body, before in _blocks(path):
            cited = GOLDEN_CITED.findall(before)
            if cited:
                cases.append((f"{path.name}:{cited[-1]}", cited[-1], body))
    return cases


@pytest.mark.parametrize("label, golden, body", _excerpts(), ids=[c[0] for c in _excerpts()])
def test_excerpt_is_in_the_golden_it_cites(label, golden, body):
    lines = iter((REPO / "tests" / "golden" / f"{golden}.txt").read_text().splitlines())
    for wanted in body.splitlines():
        if not wanted.strip() or wanted.strip() == "...":
            continue
        assert any(line.rstrip() == wanted.rstrip() for line in lines), \
            f"{label}: {wanted!r} is not in tests/golden/{golden}.txt (in this order): update the excerpt"


def test_the_readmes_cite_goldens():
    assert {golden for _, golden, _ in _excerpts()} >= {"blast_array_full", "pipeline_align"}


def _commands() -> list[str]:
    found = []
    for path in READMES:
        for lang, body, _ in _blocks(path):
            if lang != "sh":
                continue
            for line in body.splitlines():
                for part in line.split("#", 1)[0].split("&&"):
                    argv = shlex.split(part)
                    if argv and argv[0] in ("asba", ".venv/bin/asba"):
                        found.append(" ".join(argv[1:]))
    return list(dict.fromkeys(found))


@pytest.mark.parametrize("command", _commands())
def test_readme_command_runs(command, tmp_path):
    env = {**os.environ, "ASBA_HOME": str(tmp_path), "ASBA_NOW": NOW, "NO_COLOR": "1", "COLUMNS": "80"}
    env.pop("ASBA_CONFIG", None)
    proc = subprocess.run([sys.executable, "-m", "asba", *shlex.split(command)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"asba {command}: {proc.stderr}"
    assert proc.stdout.startswith("RECOMMENDATION: ") or not command.startswith(("explain", "examples/"))


CLAIM = re.compile(r"at \$(\d+\.\d\d) it is `([^`]+)` \((\$\d+\.\d\d) including (\$\d+\.\d\d) egress, "
                   r"(\d+h \d\dm)\); from \$(\d+) every step runs on AWS")


def test_value_of_an_hour_claims_are_what_asba_prints(tmp_path):
    text = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    claim = CLAIM.search(text)
    assert claim, "the README's value-of-an-hour sentence changed: update this test with it"
    all_aws = ("aws -> aws -> aws", None, None, None)
    for value, wanted in ((claim.group(1), claim.group(2, 3, 4, 5)), (claim.group(6), all_aws)):
        config = tmp_path / f"v{value}.yaml"
        config.write_text(f"user:\n  value_of_hour_usd: {value}\n")
        env = {**os.environ, "ASBA_HOME": str(tmp_path / "home"), "ASBA_NOW": NOW, "NO_COLOR": "1"}
        out = subprocess.run([sys.executable, "-m", "asba", "explain", "examples/pipeline/align.sbatch", "cpu-aws",
                              "--pipeline-mode", "--cluster-snapshot", "knowledge/cluster-snapshot", "--no-log",
                              "--config", str(config)], cwd=REPO, env=env, capture_output=True, text=True,
                             timeout=600).stdout
        best = next(line for line in out.splitlines() if line.startswith("  best "))
        plan, total, egress, hours = wanted
        assert f" {plan}: " in best, (value, best)
        assert total is None or f"{plan}: {total} (" in best and f"egress {egress}), {hours} ->" in best, (value, best)


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for action in subs:
        for name, sub in action.choices.items():
            yield from _leaves(sub, (*path, name))


def test_every_command_takes_json():
    from asba.cli.main import build_parser

    missing = [" ".join(path) for path, parser in _leaves(build_parser())
               if not any("--json" in a.option_strings for a in parser._actions)]
    assert missing == []
