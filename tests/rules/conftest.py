"""Fixtures for the rules tests: small rule packs written to disk, as a pack author would."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

MANIFEST = """\
pack: {name}
revision: "t1"
description: test pack
owner: tests
namespaces: [{name}]
conclusions:
  {name}.flag: {{type: boolean, meaning: a test flag}}
  {name}.label: {{type: string, meaning: a test label}}
  {name}.amount: {{type: number, meaning: a test amount}}
  {name}.count: {{type: integer, meaning: a test count}}
"""


def make_pack(root: Path, rules: str, tests: str | None = None, name: str = "demo",
              manifest: str | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(manifest if manifest is not None else MANIFEST.format(name=name))
    (folder / "main.yaml").write_text(textwrap.dedent(rules))
    if tests is not None:
        (folder / "main.test.yaml").write_text(textwrap.dedent(tests))
    return folder


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
