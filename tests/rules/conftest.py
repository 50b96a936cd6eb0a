"""Fixtures for the rules tests: small rule packs written to disk, as a pack author would."""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_packs import make_pack


@pytest.fixture
def pack_dir(tmp_path):
    """pack_dir(rules_yaml, tests_yaml=None, name="demo", manifest=None) -> a pack folder under tmp_path."""

    def build(rules: str, tests: str | None = None, name: str = "demo", manifest: str | None = None) -> Path:
        return make_pack(tmp_path / "packs", rules, tests, name, manifest)

    return build


@pytest.fixture(scope="session")
def pack_dir_session(tmp_path_factory):
    """The differential-test pack (RULES in test_rules_differential), loaded once per session."""
    from asba.rules import load_packs
    from test_rules_differential import RULES

    folder = make_pack(tmp_path_factory.mktemp("diff"), RULES)
    return load_packs([folder], builtin=False)
