"""Batch-script parsing speed: parse time per script over the whole corpus (80 real scripts + 84 edge cases).

Run: ``.venv/bin/pytest benchmarks/bench_script.py --benchmark-enable -s``

Target (issue 3): under 1 ms per typical script. Baseline, measured in the same run on the same files: a bare
regex scan that only collects the ``#SBATCH`` lines of each script (what a naive parser does), so the ratio shows
what sbatch-exact tokenising, option resolution, SLURM semantics and body analysis cost on top of reading.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

import pytest
from asba.errors import InputError
from asba.inputs.batch_script import parse_script

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "script"
SCRIPTS = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix not in (".md", ".tsv", ".txt", ".json"))
BARE_RE = re.compile(r"^#SBATCH\s+(.*)$", re.MULTILINE)


def parse_all() -> int:
    parsed = 0
    for path in SCRIPTS:
        try:
            parse_script(path, env={})
            parsed += 1
        except InputError:
            pass
    return parsed


def bare_scan() -> int:
    return sum(len(BARE_RE.findall(path.read_text(errors="replace"))) for path in SCRIPTS)


def per_script_ms(func, rounds: int = 15) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) / len(SCRIPTS) * 1000


def test_parse_corpus(benchmark) -> None:
    assert len(SCRIPTS) >= 150
    parsed = benchmark(parse_all)
    assert parsed >= 140  # every script sbatch accepts; the both-refuse edge cases raise InputError
    asba_ms, bare_ms = per_script_ms(parse_all), per_script_ms(bare_scan)
    benchmark.extra_info.update(scripts=len(SCRIPTS), asba_ms_per_script=round(asba_ms, 4),
                                bare_regex_ms_per_script=round(bare_ms, 4), ratio=round(asba_ms / bare_ms, 1))
    sys.stdout.write(f"\nparse: {asba_ms:.3f} ms/script (median of 15 rounds over {len(SCRIPTS)} scripts); "
                     f"bare #SBATCH regex scan: {bare_ms:.3f} ms/script; ratio {asba_ms / bare_ms:.1f}x\n")


@pytest.mark.parametrize("name", ["corpus/princeton/cxx/hybrid_multithreaded_parallel/job.slurm",
                                  "corpus/uit-no-hpc-doc/jobs/files/slurm-MPI-OMP.sh"])
def test_parse_one_typical_script(benchmark, name: str) -> None:
    path = FIXTURES / name
    req = benchmark(parse_script, path, env={})
    assert req.job["total_cpus"] > 1
