"""Run `asba explain` in-process against fixed inputs: a cluster snapshot, a pinned time, an empty ASBA_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from advisor_support import BUSY, EXAMPLES, NOW
from asba.cli.main import main


@pytest.fixture
def explain(asba_home, monkeypatch, capsys):
    """explain(script, *args, snapshot=BUSY) -> parsed --json output (exit code 0 asserted)."""
    monkeypatch.setenv("ASBA_NOW", NOW)
    monkeypatch.delenv("ASBA_CONFIG", raising=False)

    def run(script: str | Path, *args: str, snapshot: Path = BUSY) -> dict:
        path = script if isinstance(script, Path) else EXAMPLES / script
        code = main(["explain", str(path), "--cluster-snapshot", str(snapshot), "--json", *args])
        out = capsys.readouterr()
        assert code == 0, out.err
        result = json.loads(out.out)
        assert result["consistency"]["violations"] == [], result["consistency"]  # advice a consultant would sign
        return result

    return run


@pytest.fixture
def explain_text(asba_home, monkeypatch, capsys):
    """explain_text(argv...) -> (exit code, stdout, stderr) of `asba explain` text output."""
    monkeypatch.setenv("ASBA_NOW", NOW)
    monkeypatch.delenv("ASBA_CONFIG", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["explain", *argv])
        out = capsys.readouterr()
        assert "[error] contradiction" not in out.out and "[error] impossible" not in out.out, out.out
        return code, out.out, out.err

    return run
