"""One number, one spelling, in every output people read (issue 27).

The golden outputs of `asba explain` (text beside its JSON), the history listing and the efficiency report are
checked by one_spelling.problems; the checker itself is shown failing on the spellings the issue found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asba.cli.main import main
from asba.report import units
from one_spelling import problems

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
SACCT = REPO / "tests" / "fixtures" / "history" / "samples" / "sacct_parsable2_ALL.psv"
CASES = sorted(p.stem for p in GOLDEN.glob("*.txt"))


@pytest.mark.parametrize("name", CASES)
def test_golden_output_spells_each_number_one_way(name):
    text = (GOLDEN / f"{name}.txt").read_text()
    data = json.loads((GOLDEN / f"{name}.json").read_text())
    assert problems(text, data) == []


@pytest.mark.parametrize("text, data, expected", [
    ("AWS $0.10 ... AWS cost $0.11", {"cost_usd": 0.1061}, "'$0.10' where the JSON has 0.1061"),
    ("local $0.00, AWS $0.0087", {"cost_usd": 0.0033, "aws_usd": 0.0087}, "'$0.00' where the JSON has 0.0033"),
    ("Need: 1 CPUs + 0.488281 GiB per node", None, "more than one decimal"),
    ("121 GB peak, request 256 GiB", None, "decimal units"),
    ("worth more than $2.1", None, "is not spelt '$2.10'"),
])
def test_the_check_fails_on_the_spellings_the_issue_found(text, data, expected):
    found = problems(text, data)
    assert found and expected in found[0]


def test_the_check_passes_one_spelling():
    text = "local $0.0033, AWS $0.0087 (on-demand $0.0087); budget $0.00 of $500.00 spent; 124 GiB peak, 500 MiB"
    assert problems(text, {"local_usd": 0.0033, "aws_usd": 0.0087, "spent_usd": 0.0}) == []


@pytest.mark.parametrize("amount, text", [(0.0033, "$0.0033"), (0.00999, "$0.01"), (0.105, "$0.10"),
                                          (1234.5, "$1,234.50"), (-6.144, "-$6.14"), (0, "$0.00")])
def test_money_is_cents_or_two_significant_figures_below_a_cent(amount, text):
    assert units.usd(amount) == text


@pytest.mark.parametrize("mb, text", [(500, "500 MiB"), (1024, "1 GiB"), (1536, "1.5 GiB"),
                                      (124 * 1024 + 300, "124 GiB"), (10.4 * 1024, "10 GiB")])
def test_memory_is_gib_by_one_rule(mb, text):
    assert units.mem(mb) == text


def test_plurals():
    assert [units.plural(n, "CPU") for n in (0, 1, 2)] == ["0 CPUs", "1 CPU", "2 CPUs"]


def _run(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_history_and_insights_spell_each_number_one_way(asba_home, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    _run(capsys, "history", "import", str(SACCT))
    outputs = [_run(capsys, "history"), _run(capsys, "insights", "--efficiency"),
               _run(capsys, "insights", "--job-id", "3"), _run(capsys, "history", "--script", "queued_work.sbatch")]
    for out in outputs:
        assert problems(out) == [], out
    assert "Job 3 (mem_500m, script mem_500m.sbatch)" in outputs[2] and "50.4% of 1 GiB (516 MiB peak)" in outputs[2]
