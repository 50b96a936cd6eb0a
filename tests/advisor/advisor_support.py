"""Shared constants and helpers of the advisor tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "advisor"
EXAMPLES = REPO / "examples"
BUSY = FIXTURES / "snapshot-busy"
EMPTY = FIXTURES / "snapshot-empty"
NOW = "2026-11-28T18:00:00Z"


def rules_fired(result: dict) -> list[str]:
    return [e["rule"] for e in result["trace"] if e["type"] == "rule_fired"]


def warning_rules(result: dict) -> list[str]:
    return [w["rule"] for w in result["warnings"]]
