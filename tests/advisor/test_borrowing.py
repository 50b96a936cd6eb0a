"""A script with no history of its own borrows from the user's similar scripts (asba.history.similar): which
one, why similar, lower confidence; "No history available yet" only when nothing is similar."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest
from asba.cli.main import main

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "examples" / "history"))
from make_history import HEADER, G, H, run_rows  # noqa: E402

ALIGN = """#!/bin/bash
#SBATCH --partition=cpu
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=02:00:00
module load samtools/1.17
bwa mem -t 8 ref.fa {sample}_1.fq {sample}_2.fq | samtools sort -o {sample}.bam
"""
PLOT = """#!/bin/bash
#SBATCH --partition=cpu
#SBATCH --cpus-per-task=1
#SBATCH --mem=200G
#SBATCH --time=3-00:00:00
Rscript plot.R
"""


@pytest.fixture
def history(tmp_path, asba_home, capsys):
    """align_a.sbatch ran three times (5x less memory than asked, ~40 min); its sacct dump names the file."""
    (tmp_path / "align_a.sbatch").write_text(ALIGN.format(sample="a"))
    lines = [HEADER + "|WorkDir|SubmitLine"]
    for n in range(3):
        rows = run_rows(42001 + n, "align_a.sbatch", "cpu", 8, 1, 16 * G, "", 2 * H,
                        datetime(2026, 11, 20 + n, 9), 120, 2400 + 60 * n, 0.9, 3 * G, "COMPLETED", "0:0")
        lines += [rows[0] + f"|{tmp_path}|sbatch align_a.sbatch", rows[1] + "||", rows[2] + "||"]
    dump = tmp_path / "align.sacct.psv"
    dump.write_text("\n".join(lines) + "\n")
    assert main(["history", "import", str(dump)]) == 0
    capsys.readouterr()
    return tmp_path


def _explain(explain, script: Path) -> dict:
    return explain(script, "cpu-aws", "--optimize")


def test_a_new_script_borrows_from_the_one_with_the_same_programs(history, explain):
    new = history / "align_b.sbatch"
    new.write_text(ALIGN.format(sample="b"))
    result = _explain(explain, new)
    lent = result["borrowed_from"]
    assert lent["script"] == "align_a.sbatch" and lent["runs"] == 3
    assert "the same program(s) bwa" in lent["why_similar"] and "samtools" in lent["why_similar"]
    assert any(n.startswith("borrowing history from align_a.sbatch") for n in result["notes"])
    assert result["local"]["runtime_basis"] == "history" and result["local"]["runtime_s"] < 2 * 3600
    assert "of align_a.sbatch (borrowed" in result["local"]["runtime_detail"]
    facts = {f["name"]: f for f in result["facts"]}
    assert facts["borrow.from_script"]["value"] == "align_a.sbatch"
    assert facts["history.run_count"]["source"].startswith("borrowed: align_b.sbatch has no history")
    assert result["optimized"]["status"] == "changed"  # right-sizing from the lender's use


def test_borrowing_lowers_the_confidence(history, explain):
    new = history / "align_c.sbatch"
    new.write_text(ALIGN.format(sample="c"))
    borrowed = _explain(explain, new)
    from asba.history.similar import BORROWED_CONFIDENCE

    facts = {f["name"]: f["value"] for f in borrowed["facts"]}
    assert borrowed["recommendation"]["confidence"] == pytest.approx(
        round(facts["decision.confidence"] * BORROWED_CONFIDENCE, 3), abs=1e-3)


def test_nothing_similar_says_no_history_yet(history, explain):
    other = history / "plot.sbatch"
    other.write_text(PLOT)
    result = _explain(explain, other)
    assert "borrowed_from" not in result
    assert any(n.startswith("No history available yet") for n in result["notes"])
    assert result["local"]["runtime_basis"] == "time-limit"
