"""The programs, launchers, modules and environment of every real script in the corpus (tests/fixtures/script/
corpus, copied from shared/data/sbatch), against a table written by reading the scripts."""

from __future__ import annotations

from pathlib import Path

import pytest
from asba.facts.body_facts import body_facts

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
CORPUS = ROOT / "script" / "corpus"
TABLE = ROOT / "script_body" / "corpus_programs.tsv"


def _rows() -> list[list[str]]:
    lines = [ln for ln in TABLE.read_text().splitlines() if ln and not ln.startswith("#")]
    return [ln.split("\t") for ln in lines[1:]]


def _list(cell: str) -> list[str]:
    return [] if cell == "-" else cell.split(",")


def _other(cell: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in ([] if cell == "-" else cell.split(";")):
        key, value = item.split("=", 1)
        out[key] = True if value == "true" else int(value) if value.isdigit() else value.split(",")
    return out


def test_table_covers_every_script_of_the_corpus() -> None:
    listed = {row[0] for row in _rows()}
    scripts = set()
    for manifest in CORPUS.glob("*/MANIFEST.tsv"):
        for line in manifest.read_text().splitlines()[1:]:
            path, kind = line.split("\t")[:2]
            if kind == "script":
                scripts.add(f"{manifest.parent.name}/{path}")
    assert len(scripts) == 68
    assert listed == scripts


@pytest.mark.parametrize("row", _rows(), ids=lambda row: row[0])
def test_script_body_facts_match_the_table(row: list[str]) -> None:
    path, program, programs, launchers, modules, other = row
    facts = {f.name: f for f in body_facts(CORPUS / path)}
    values = {name: fact.value for name, fact in facts.items()}
    assert values.get("body.program", "-") == program
    assert values.get("body.programs", []) == _list(programs)
    assert values.get("body.launchers", []) == _list(launchers)
    assert values.get("body.modules", []) == _list(modules)
    expected = _other(other)
    for key, value in expected.items():
        found = values.get(f"body.{key}")
        assert found == (value if not isinstance(value, list) or isinstance(found, list) else value[0]), key
    for key in ("threads_from_slurm", "ranks_from_slurm", "venv"):
        assert values[f"body.{key}"] is bool(expected.get(key, False))


def test_every_fact_names_the_line_it_came_from() -> None:
    script = CORPUS / "uit-no-hpc-doc/applications/chemistry/files/job_vasp.sh"
    lines = script.read_text().splitlines()
    facts = {f.name: f for f in body_facts(script)}
    source = facts["body.program"].source
    number = int(source.split(":")[1].split()[0])
    assert "mpirun vasp_std" in lines[number - 1]
    assert source.startswith(f"{script}:{number} time mpirun vasp_std")
