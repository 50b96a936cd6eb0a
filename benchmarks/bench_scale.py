"""Every command as the history grows: 1k, 100k and 1M-job histories against a history of only 5 jobs.

Run: ``.venv/bin/pytest benchmarks/bench_scale.py --benchmark-enable -s`` (``ASBA_BENCH_SCALES=1000,100000``
for smaller ones, ``ASBA_BENCH_ROUNDS`` rounds, default 5). Each history is ``examples/history/training.sacct.psv``
(the 5 runs of ``examples/training.sbatch``) plus N generated jobs (benchmarks/history_dump.py), imported with
``asba history import``; it is built once into ``ASBA_BENCH_DIR`` (default /tmp/asba-bench-scale) and reused.

Each command runs as a whole process, as a user waits for it. In every round each history is measured right
after the others (so they share the machine's load); per history the medians of wall time, CPU time and peak
RSS are reported, and the ratio of the median wall time to the 5-job history's. Targets (issue 18): explain
within 1.2x of the 5-job history on 1M jobs; ``history --patterns`` and ``insights --efficiency`` on 1M jobs
under 10 s and 150 MB peak RSS. Results are printed and written to benchmarks/results/scale.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from history_dump import write_dump  # noqa: E402

SCALES = [int(n) for n in os.environ.get("ASBA_BENCH_SCALES", "1000,100000,1000000").split(",")]
ROUNDS = int(os.environ.get("ASBA_BENCH_ROUNDS", "5"))
WORK = Path(os.environ.get("ASBA_BENCH_DIR", "/tmp/asba-bench-scale"))
ASBA = [sys.executable, "-m", "asba"]
EXPLAIN = ["explain", "examples/training.sbatch", "--cluster-snapshot", "knowledge/cluster-snapshot", "--no-log"]
COMMANDS = {
    "explain": EXPLAIN,
    "explain --with-history --optimize": [*EXPLAIN, "--with-history", "--optimize"],
    "history --patterns --json": ["history", "--patterns", "--json"],
    "history --patterns": ["history", "--patterns"],
    "insights --efficiency --json": ["insights", "--efficiency", "--json"],
    "insights --efficiency": ["insights", "--efficiency"],
}
RESULTS = REPO / "benchmarks" / "results" / "scale.md"


def run(argv: list[str], home: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one process."""
    env = dict(os.environ, ASBA_HOME=str(home), ASBA_NOW="2026-11-28T18:00:00Z", COLUMNS="160")
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {errors}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def history(jobs: int) -> tuple[Path, float | None]:
    """ASBA_BENCH_DIR/<jobs>/jobs.db: the training script's 5 runs plus `jobs` generated ones; built once.
    Returns the directory and the seconds the generated import took when it was built now (None if reused)."""
    home = WORK / str(jobs)
    if (home / "done").is_file():
        return home, None
    home.mkdir(parents=True, exist_ok=True)
    for stale in home.glob("jobs.db*"):
        stale.unlink()
    seconds = None
    if jobs:
        dump = WORK / f"dump-{jobs}.psv"
        if not dump.is_file():
            write_dump(dump, 0, max_jobs=jobs)
        seconds = run([*ASBA, "history", "import", str(dump)], home)[0]
    run([*ASBA, "history", "import", "examples/history/training.sacct.psv"], home)
    (home / "done").write_text(f"{seconds}\n")
    return home, seconds


def measure() -> tuple[dict, dict]:
    homes = {0: history(0)[0]}
    imports: dict[int, float | None] = {}
    for jobs in SCALES:
        homes[jobs], imports[jobs] = history(jobs)
    samples: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    for name, argv in COMMANDS.items():
        for home in homes.values():
            run([*ASBA, *argv], home)  # warm the file cache and the bytecode
        for _ in range(ROUNDS):
            for jobs, home in homes.items():
                samples.setdefault((name, jobs), []).append(run([*ASBA, *argv], home))
    return samples, imports


def table(samples: dict, imports: dict) -> str:
    scales = [0, *SCALES]
    head = " | ".join("5 jobs" if n == 0 else f"{n:,} jobs (+5)" for n in scales)
    lines = [f"| command | {head} | {max(SCALES):,} vs 5 jobs |", "|---|" + "---:|" * (len(scales) + 1)]
    for name in COMMANDS:
        med = {n: [statistics.median(s[i] for s in samples[(name, n)]) for i in range(3)] for n in scales}
        cells = [f"{w:.2f} s, {c:.2f} s CPU, {m:.0f} MB" for w, c, m in (med[n] for n in scales)]
        ratio = med[max(SCALES)][0] / med[0][0]
        lines.append(f"| `asba {name}` | " + " | ".join(cells) + f" | {ratio:.2f}x |")
    built = ", ".join(f"{n:,} jobs {s:.1f} s" for n, s in imports.items() if s is not None)
    return "\n".join(lines) + (f"\n\nImport of the generated dumps (this run): {built}" if built else "")


def test_commands_as_the_history_grows(benchmark):
    samples, imports = benchmark.pedantic(measure, rounds=1, iterations=1)
    text = table(samples, imports)
    header = (f"Medians of {ROUNDS} rounds (wall time, CPU time, peak RSS), each history measured in every round "
              f"beside the others; `bash scripts/bench.sh benchmarks/bench_scale.py`. Machine: {os.cpu_count()} "
              f"cores, shared; run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n")
    RESULTS.write_text("# asba commands as the history grows\n\n" + header + text + "\n")
    print("\n" + text)
    benchmark.extra_info["table"] = text
    assert all(samples[(name, 0)] for name in COMMANDS)  # sanity: the baseline was measured in this run
