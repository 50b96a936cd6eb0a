"""The workload class in `asba history --patterns` (text and JSON): a pure function of the pattern record."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from asba.cli.main import main
from asba.history.workload_class import classify

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "sacct_corpus.out"


def _patterns(capsys, *extra: str):
    assert main(["history", "import", str(CORPUS)]) == 0
    capsys.readouterr()
    assert main(["history", "--patterns", *extra]) == 0
    return capsys.readouterr().out


def test_patterns_json_carries_class_confidence_and_evidence(asba_home, capsys):
    patterns = {p["script"]: p for p in json.loads(_patterns(capsys, "--json"))}
    got = {name: (p["workload"]["name"], p["workload"]["confidence"], p["workload"]["evidence_runs"])
           for name, p in patterns.items()}
    assert got["corpus_oom_instant.sbatch"] == ("memory-bound", "medium", 3)  # 3 OOM runs, a few MB sampled
    assert got["corpus_timeout.sbatch"] == ("time-limited", "low", 2)
    assert got["corpus_sleep.sbatch"][0] == "io-or-idle"
    assert got["corpus_one_of_four.sbatch"][0] == "cpu-bound"
    assert got["corpus_mem.sbatch"][0] == "memory-bound"
    assert patterns["corpus_oom.sbatch"]["workload"]["basis"] == "failure"
    assert patterns["corpus_burn1.sbatch"]["workload"]["rule"] == "workload.cpu-bound"


def test_patterns_text_shows_the_class_table(asba_home, capsys):
    out = _patterns(capsys)
    assert "Workload class" in out
    row = next(line for line in out.splitlines() if _row(line, "corpus_timeout.sbatch", "time-limited"))
    assert "low" in row and "2 failed" in row
    wide = _patterns_again(capsys, 200)
    row = next(line for line in wide.splitlines() if _row(line, "corpus_timeout.sbatch", "time-limited"))
    assert "workload.time-limited" in row and "none finished successfully" in row


def _row(line: str, script: str, word: str) -> bool:
    return line.strip().startswith(script) and word in line


def _patterns_again(capsys, columns: int) -> str:
    import os

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        assert main(["history", "--patterns"]) == 0
    finally:
        os.environ.pop("COLUMNS") if old is None else os.environ.__setitem__("COLUMNS", old)
    return capsys.readouterr().out


def test_class_reads_only_the_pattern_record(asba_home, capsys):
    """However a pattern was aggregated, the same record gives the same class; change a field, the class follows."""
    from asba.history.patterns import all_patterns
    from asba.history.store import HistoryStore

    with HistoryStore.open(Path(asba_home) / "jobs.db") as store:
        store.import_file(CORPUS)
        sleeper = next(p for p in all_patterns(store) if p.script == "corpus_sleep.sbatch")
    copy = dataclasses.replace(sleeper)
    assert classify(copy) == classify(sleeper) and classify(sleeper).name == "io-or-idle"
    busy = dataclasses.replace(sleeper, cpu_efficiency_pct=97.0, effective_cores=1.94)
    assert classify(busy).name == "cpu-bound"
    one_failed = dataclasses.replace(sleeper, success_rate=0.5, other_failure_count=1, finished_runs=2)
    assert classify(one_failed).confidence == "low"
    assert classify(one_failed).evidence.startswith("all finished runs")
