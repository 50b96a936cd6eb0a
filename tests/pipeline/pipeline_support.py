"""Paths and the pinned time shared by the pipeline tests (a module of its own name: every test folder has a
conftest.py, so ``from conftest import ...`` would pick whichever was imported first)."""

from __future__ import annotations

from example_cli import EXAMPLES, NOW, REPO, SNAPSHOT  # noqa: F401  (one place for the paths and the time)
