"""Issue 21: real scripts of ../shared/data/sbatch held to a consultant's table written by reading them
(tests/fixtures/expert/corpus_consultant.tsv): can the shipped snapshot's partition run it, and which instance
type x nodes would a consultant pick on the burst partition."""

from __future__ import annotations

from pathlib import Path

import pytest
from advisor_support import REPO

TABLE = REPO / "tests" / "fixtures" / "expert" / "corpus_consultant.tsv"
SHIPPED = REPO / "knowledge" / "cluster-snapshot"


def _rows() -> list[list[str]]:
    lines = [line for line in TABLE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return [line.split("\t") for line in lines]


def test_the_table_covers_at_least_twenty_real_scripts():
    rows = _rows()
    assert len(rows) >= 20 and len({r[0] for r in rows}) == len(rows)


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r[0])
def test_asba_agrees_with_the_consultant(explain, shared_dir: Path, row: list[str]):
    script, burst, feasible, reason, aws_type, aws_nodes, _why = row
    path = shared_dir / "data" / "sbatch" / script
    if not path.is_file():
        pytest.skip(f"{path} is not available here")
    result = explain(path, burst, snapshot=SHIPPED)
    rec = result["recommendation"]
    assert (result["local"]["feasible"] is not False) == (feasible == "yes"), rec
    if feasible == "no":
        assert reason in rec["local_cannot"] and rec["platform"] != "local"
    assert (result["aws"]["instance_type"], result["aws"]["nodes"]) == (aws_type, int(aws_nodes))
