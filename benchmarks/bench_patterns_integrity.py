"""Issue 27: `asba history --patterns` with the integrity check recorded after the import (now) against the
check run on the read (before: every read ran PRAGMA quick_check on the whole file), in the same run.

Run: ``.venv/bin/python benchmarks/bench_patterns_integrity.py`` (``ASBA_BENCH_PATTERN_JOBS``, default 270000
generated jobs, as issue 27's history; ``ASBA_BENCH_ROUNDS`` rounds, default 5). The history is bench_scale's
(benchmarks/history_dump.py jobs plus examples/history/training.sacct.psv, imported with ``asba history import``),
built once into ``ASBA_BENCH_DIR`` and reused. "Check on read" removes the record the import left
(``jobs.db-integrity.json``) before the command, which makes the read run quick_check exactly as every read did
before; "recorded" leaves it. In every round the two run one after the other, so both share the machine's load.
Medians are printed and written to benchmarks/results/patterns_integrity.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import ASBA, REPO, ROUNDS, history, run  # noqa: E402

JOBS = int(os.environ.get("ASBA_BENCH_PATTERN_JOBS", "270000"))
RESULTS = REPO / "benchmarks" / "results" / "patterns_integrity.md"
ARGV = [*ASBA, "history", "--patterns"]


def measure(home: Path) -> dict[str, list[tuple[float, float, float]]]:
    record = home / "jobs.db-integrity.json"
    run([*ASBA, "history", "import", "examples/history/training.sacct.psv"], home)  # writes a fresh record
    kept = record.read_text()
    run(ARGV, home)  # warm the file cache and the bytecode
    samples: dict[str, list[tuple[float, float, float]]] = {"check on read (before)": [], "recorded (now)": []}
    for _ in range(ROUNDS):
        record.unlink()
        samples["check on read (before)"].append(run(ARGV, home))
        record.write_text(kept)  # the read above re-recorded the same identity; restore the import's record
        samples["recorded (now)"].append(run(ARGV, home))
    return samples


def main() -> None:
    home, _ = history(JOBS)
    samples = measure(home)
    medians = {name: [statistics.median(s[i] for s in rows) for i in range(3)] for name, rows in samples.items()}
    before, now = medians["check on read (before)"][0], medians["recorded (now)"][0]
    lines = ["| `asba history --patterns` | wall | CPU | peak RSS |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {w:.2f} s | {c:.2f} s | {m:.0f} MB |" for name, (w, c, m) in medians.items()]
    size = (home / "jobs.db").stat().st_size / 1e6
    text = (f"Medians of {ROUNDS} rounds on a history of {JOBS:,} generated jobs + 5 ({size:.0f} MB), "
            f"`.venv/bin/python benchmarks/bench_patterns_integrity.py`; machine: {os.cpu_count()} cores, shared; "
            f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n" + "\n".join(lines)
            + f"\n\nThe recorded check saves {before - now:.2f} s of {before:.2f} s "
              f"({(before - now) / before:.0%}).\n")
    print(text)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
