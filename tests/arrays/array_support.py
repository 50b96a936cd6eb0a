"""Paths and the pinned time shared by the array tests (a module of its own name: every test folder has a
conftest.py, so ``from conftest import ...`` would pick whichever was imported first)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SNAPSHOT = REPO / "knowledge" / "cluster-snapshot"
NOW = "2026-11-28T18:40:00Z"
