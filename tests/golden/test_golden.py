"""Golden files: the exact text and JSON of `asba explain` on the example scripts (shipped snapshot, pinned time).

Regenerate after an intended change with `scripts/regen-golden`, then review the diff.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"


def _regen():
    loader = importlib.machinery.SourceFileLoader("regen_golden", str(REPO / "scripts" / "regen-golden"))
    spec = importlib.util.spec_from_loader("regen_golden", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


REGEN = _regen()


@pytest.mark.parametrize("name, argv", REGEN.CASES, ids=[c[0] for c in REGEN.CASES])
@pytest.mark.parametrize("suffix", ["txt", "json"])
def test_explain_output_matches_golden(name, argv, suffix):
    expected = (GOLDEN / f"{name}.{suffix}").read_text()
    code, actual = REGEN.run_case([*argv, *(["--json"] if suffix == "json" else [])])
    assert code == 0
    assert actual == expected, f"{name}.{suffix} differs: run scripts/regen-golden and review the diff"


@pytest.mark.parametrize("name", [c[0] for c in REGEN.CASES])
def test_golden_advice_is_consistent(name):
    """The consistency check ran on every golden output: no contradiction, no impossible value."""
    import json

    result = json.loads((GOLDEN / f"{name}.json").read_text())
    for one in result.get("steps") or [result]:  # a pipeline: every step was checked as its explain is
        assert one["consistency"]["violations"] == []
    assert "[error]" not in (GOLDEN / f"{name}.txt").read_text()


def test_manifest_lists_the_cases():
    lines = (GOLDEN / "CASES.tsv").read_text().splitlines()
    assert [line.split("\t")[0] for line in lines] == [c[0] for c in REGEN.CASES]
