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
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def median_s(argv: list[str], env: dict[str, str], rounds: int = ROUNDS) -> float:
    run_once(argv, env)  # warm the OS file cache (and the bytecode cache when it is allowed)
    return statistics.median(run_once(argv, env) for _ in range(rounds))


@pytest.mark.parametrize("bytecode", [True, False], ids=["bytecode", "no-bytecode"])
def test_explain_cold_process(benchmark, bytecode):
    env = _env(bytecode)
    python_pass = median_s([sys.executable, "-c", "pass"], env)
    version = median_s([*ASBA, "--version"], env)
    explain = median_s(EXPLAIN, env)
    benchmark.pedantic(run_once, args=(EXPLAIN, env), rounds=3, iterations=1)
    print(f"\n[{'bytecode' if bytecode else 'no bytecode'}] medians of {ROUNDS}: python -c pass {python_pass:.3f} s, "
          f"asba --version {version:.3f} s, asba explain {explain:.3f} s "
          f"(x{explain / version:.1f} of --version; target < 0.5 s)")
    benchmark.extra_info.update(python_pass_s=python_pass, version_s=version, explain_s=explain)
    assert explain > python_pass  # sanity: the baseline is measured on the same machine, in the same run
