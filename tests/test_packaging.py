"""The package layout that `pip install .` ships must match engine/ and carry the data directories."""

from __future__ import annotations

import tomllib
from pathlib import Path

from asba import paths

REPO = Path(__file__).resolve().parent.parent


def _declared_packages() -> set[str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    return set(data["tool"]["setuptools"]["packages"])


def test_every_engine_subpackage_is_declared_for_the_wheel():
    found = {"asba"} | {
        "asba." + ".".join(p.parent.relative_to(REPO / "engine").parts)
        for p in (REPO / "engine").rglob("__init__.py")
        if p.parent != REPO / "engine"
    }
    missing = found - _declared_packages()
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_rule_packs_and_knowledge_ship_as_data_not_code():
    assert paths.packs_dir().is_dir() and any(paths.packs_dir().glob("*/*.yaml"))
    assert paths.knowledge_dir().is_dir() and any(paths.knowledge_dir().glob("vocabulary/*.yaml"))
    assert not list(paths.packs_dir().rglob("*.py")), "rule packs are data: no Python inside rules/"


def test_the_test_gate_is_pinned_to_the_versions_installed():
    """Issue 22: ruff, mypy, pytest and hypothesis are pinned (==) in the test extra, to what is installed:
    `>=` let a new release fail the gate with no change to the code; a bump is a deliberate commit."""
    from importlib.metadata import version

    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    pins = dict(item.split("==") for item in extra)
    assert {"pytest", "hypothesis", "ruff", "mypy"} <= pins.keys() and all("==" in item for item in extra)
    assert {name: version(name) for name in pins} == pins
