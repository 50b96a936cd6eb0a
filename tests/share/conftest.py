"""Run `asba share` and `asba explain` in-process with a private ASBA_HOME and a fixed site salt."""

from __future__ import annotations

from pathlib import Path

import pytest
from asba.cli.main import main
from share_support import SALT


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("ASBA_HOME", str(home))
    monkeypatch.setenv("ASBA_NOW", "2026-11-28T18:00:00Z")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    root = home / "share"
    root.mkdir(parents=True)
    (root / "site-salt").write_text(SALT + "\n")
    return root


@pytest.fixture
def asba(capsys):
    """asba(*argv) -> (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
