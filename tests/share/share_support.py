"""Constants and helpers of the share tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
HISTORIES = sorted((EXAMPLES / "history").glob("*.sacct.psv"))
SALT = "5eed" * 16  # fixed, so hashes (and any accidental digit runs in them) are the same every run


def export_args(dumps: list[Path], out: Path, *extra: str) -> list[str]:
    args = ["share", "export", "--out", str(out), "--scripts", str(EXAMPLES), *extra]
    for dump in dumps:
        args += ["--history-dump", str(dump)]
    return args


def load(path: Path) -> dict:
    return json.loads(path.read_text())
