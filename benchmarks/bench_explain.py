"""`asba explain` as a whole cold process (what a user waits for), beside baselines measured in the same run.

Run: ``.venv/bin/pytest benchmarks/bench_explain.py --benchmark-enable -s``

Target (issue 7): median under 0.5 s with offline data (shipped cluster snapshot, price snapshot, example
history). Baselines in the same run: ``python -c pass`` (interpreter start) and ``asba --version`` (interpreter +
the CLI dispatcher importing every command module), so the printed ratios show what the advice itself costs.
Python's bytecode cache matters a lot here: with PYTHONDONTWRITEBYTECODE=1 every module is compiled on each start
(CI sets it); an installed wheel has compiled bytecode. Both are measured.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ASBA = [sys.executable, "-m", "asba"]
EXPLAIN = [*ASBA, "explain", "examples/overalloc.sbatch", "--cluster-snapshot", "knowledge/cluster-snapshot",
           "--no-log"]
ROUNDS = 9


def _env(bytecode: bool) -> dict[str, str]:
    env = dict(os.environ, ASBA_NOW="2026-11-28T18:00:00Z", ASBA_HOME=tempfile.mkdtemp(prefix="asba-bench-"))
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:  # an empty cache location that is never written: every module is compiled on every start
        env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=tempfile.mkdtemp(prefix="asba-nocache-"))
    return env


def run_once(argv: list[str], env: dict[str, str]) -> float:
    return timed(argv, env)[0]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run; CPU time does not grow when others load the cores."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(argv: list[str], env: dict[str, str], rounds: int = ROUNDS) -> tuple[float, float]:
    timed(argv, env)  # warm the OS file cache (and the bytecode cache when it is allowed)
    runs = [timed(argv, env) for _ in range(rounds)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


@pytest.mark.parametrize("bytecode", [True, False], ids=["bytecode", "no-bytecode"])
def test_explain_cold_process(benchmark, bytecode):
    env = _env(bytecode)
    python_pass, python_cpu = medians([sys.executable, "-c", "pass"], env)
    version, version_cpu = medians([*ASBA, "--version"], env)
    explain, explain_cpu = medians(EXPLAIN, env)
    benchmark.pedantic(run_once, args=(EXPLAIN, env), rounds=3, iterations=1)
    print(f"\n[{'bytecode' if bytecode else 'no bytecode'}] medians of {ROUNDS}, wall (cpu): "
          f"python -c pass {python_pass:.3f} s ({python_cpu:.3f}), asba --version {version:.3f} s ({version_cpu:.3f}), "
          f"asba explain {explain:.3f} s ({explain_cpu:.3f}); x{explain / version:.1f} of --version; target < 0.5 s")
    benchmark.extra_info.update(python_pass_s=python_pass, version_s=version, explain_s=explain,
                                explain_cpu_s=explain_cpu)
    assert explain > python_pass  # sanity: the baseline is measured on the same machine, in the same run
