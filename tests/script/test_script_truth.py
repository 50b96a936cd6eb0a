"""Offline half of the differential proof: asba against SLURM answers captured from the real test cluster.

tests/fixtures/script/slurm_truth.json holds what sbatch 22.05.8 + scontrol resolved for every corpus script and
edge case (regenerate with tests/script/capture_truth.py). These run everywhere, with no SLURM installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asba.errors import InputError
from script_cases import FIXTURES, Case, corpus_cases, edge_cases, materialise
from script_compare import CORPUS_EXPECT, asba_parse, check

TRUTH = json.loads((FIXTURES / "slurm_truth.json").read_text())
CASES = corpus_cases() + edge_cases()


def test_truth_was_captured_from_slurm_22_05_for_every_case() -> None:
    assert TRUTH["slurm_version"] == "slurm-wlm 22.05.8"
    assert sorted(TRUTH["cases"]) == sorted(c.name for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_asba_agrees_with_captured_slurm(case: Case, tmp_path: Path) -> None:
    entry = TRUTH["cases"][case.name]
    script = materialise(case, tmp_path, TRUTH["dependency_ids"])
    req, error = None, None
    try:
        req = asba_parse(script, entry["args"])
    except InputError as exc:
        error = exc.one_line()
    check(CORPUS_EXPECT.get(case.name, case.expect), req, error, entry["slurm"], entry["sbatch_error"])
