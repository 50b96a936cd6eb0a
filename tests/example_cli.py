"""`asba` run in-process on the examples against the shipped cluster snapshot at a pinned time: the paths, the
time and the fixtures that the array and pipeline tests share (their conftest.py files import the fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asba.cli.main import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SNAPSHOT = REPO / "knowledge" / "cluster-snapshot"
NOW = "2026-11-28T18:40:00Z"


@pytest.fixture
def run_asba(asba_home, monkeypatch, capsys):
    """run_asba(argv...) -> (exit code, stdout, stderr)."""
    monkeypatch.setenv("ASBA_NOW", NOW)
    monkeypatch.delenv("ASBA_CONFIG", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def explain_json(run_asba):
    def run(script: Path, *args: str) -> dict:
        code, out, err = run_asba("explain", str(script), "--cluster-snapshot", str(SNAPSHOT), "--json", "--no-log",
                                  *args)
        assert code == 0, err
        return json.loads(out)

    return run
