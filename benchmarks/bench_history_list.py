"""`asba history` with its default limit on a 1M-job history against a 100-job one (issue 27: at most 1 s).

Run: ``bash scripts/bench.sh benchmarks/bench_history_list.py`` (``ASBA_BENCH_LIST_SCALES=100,1000000``,
``ASBA_BENCH_ROUNDS`` rounds, default 5). The histories are bench_scale's (examples/history/training.sacct.psv
plus N jobs from benchmarks/history_dump.py, imported with ``asba history import``), built once into
``ASBA_BENCH_DIR`` (default /tmp/asba-bench-scale) and reused. Each command runs as a whole process, as a user
waits for it; in every round each history is measured right after the other, so both share the machine's load.
The medians and the ratio to the 100-job history are printed and written to benchmarks/results/history_list.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import ASBA, REPO, ROUNDS, history, run  # noqa: E402

SCALES = [int(n) for n in os.environ.get("ASBA_BENCH_LIST_SCALES", "100,1000000").split(",")]
COMMANDS = {
    "history": ["history"],
    "history --json": ["history", "--json"],
    "history --sort wait": ["history", "--sort", "wait"],
}
RESULTS = REPO / "benchmarks" / "results" / "history_list.md"


def measure() -> dict:
    homes = {jobs: history(jobs)[0] for jobs in SCALES}
    samples: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    for name, argv in COMMANDS.items():
        for home in homes.values():
            run([*ASBA, *argv], home)  # warm the file cache and the bytecode
        for _ in range(ROUNDS):
            for jobs, home in homes.items():
                samples.setdefault((name, jobs), []).append(run([*ASBA, *argv], home))
    return samples


def table(samples: dict) -> str:
    base, top = min(SCALES), max(SCALES)
    head = " | ".join(f"{n:,} jobs (+5)" for n in SCALES)
    lines = [f"| command | {head} | {top:,} vs {base:,} |", "|---|" + "---:|" * (len(SCALES) + 1)]
    for name in COMMANDS:
        med = {n: [statistics.median(s[i] for s in samples[(name, n)]) for i in range(3)] for n in SCALES}
        cells = [f"{w:.2f} s, {c:.2f} s CPU, {m:.0f} MB" for w, c, m in (med[n] for n in SCALES)]
        lines.append(f"| `asba {name}` | " + " | ".join(cells) + f" | {med[top][0] / med[base][0]:.2f}x |")
    return "\n".join(lines)


def test_history_listing_on_a_big_history(benchmark):
    samples = benchmark.pedantic(measure, rounds=1, iterations=1)
    text = table(samples)
    header = (f"Medians of {ROUNDS} rounds (wall time, CPU time, peak RSS), each history measured in every round "
              f"beside the other; default limit (50 jobs, newest first) with the totals of every job. "
              f"`bash scripts/bench.sh benchmarks/bench_history_list.py`. Machine: {os.cpu_count()} cores, "
              f"shared; run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n")
    RESULTS.write_text("# asba history (bounded listing) as the history grows\n\n" + header + text + "\n")
    print("\n" + text)
    benchmark.extra_info["table"] = text
    assert all(samples[(name, min(SCALES))] for name in COMMANDS)  # the baseline was measured in this run
