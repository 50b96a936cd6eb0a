"""Issue 22 measurements: linear body scans and bounded memory on big inputs.

Run: ``.venv/bin/python benchmarks/bench_integrity.py`` (about a minute; prints one line per figure).

1. Body scan: `parse_script` on generated scripts of N distinct programs (N, 2N, 4N). Baseline in the same run:
   a bare split of every body line (reading and splitting each line once), so the ratio shows what the parse
   adds per line; a quadratic scan (list membership, as before) grows the ratio with N, a linear one keeps it.
2. A SLURM command printing 100 MB: peak RSS of the capped read (refused at 64 MiB), against the output size
   (target: peak RSS <= 5x the input).
3. `history import` of a generated dump (benchmarks/history_dump.py): peak RSS against the dump's size.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SQUEUE = REPO / "tests" / "fixtures" / "cluster" / "loaded" / "squeue_json.out"


def _script(folder: Path, programs: int) -> Path:
    body = "\n".join(f"prog_{i:06d}_tool --input data_{i}.txt --out res_{i}.out" for i in range(programs))
    path = folder / f"s{programs}.sbatch"
    path.write_text(f"#!/bin/bash\n#SBATCH -p cpu\n#SBATCH -c 1\n#SBATCH -t 10\n{body}\n")
    return path


def body_scan(folder: Path, base: int = 8000) -> None:
    from asba.inputs.batch_script import parse_script

    for n in (base, 2 * base, 4 * base):
        path = _script(folder, n)
        started = time.perf_counter()
        for line in path.read_text().splitlines():
            line.split()
        bare = time.perf_counter() - started
        started = time.perf_counter()
        parse_script(path, env={})
        parsed = time.perf_counter() - started
        print(f"body scan: {n} programs ({path.stat().st_size / 1e6:.1f} MB): parse {parsed:.2f} s, "
              f"bare split {bare:.3f} s, ratio {parsed / bare:.0f}x")


def capped_read(folder: Path) -> None:
    exe = folder / "squeue"
    exe.write_text(f"#!/bin/sh\nwhile :; do cat {SQUEUE}; done | head -c 100000000\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    code = ("import resource\nfrom asba.inputs.slurm import SlurmRunner\nfrom asba.errors import AsbaError\n"
            "try:\n    SlurmRunner().run('squeue_json', ['squeue', '--json'])\n"
            "except AsbaError as exc:\n    print(exc.one_line())\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{folder}{os.pathsep}/usr/bin:/bin"}, check=True)
    message, peak_kb = done.stdout.splitlines()
    print(f"capped read: 100 MB of squeue output -> peak RSS {int(peak_kb) / 1024:.0f} MiB "
          f"({int(peak_kb) * 1024 / 1e8:.2f}x the output); {message[:90]}")


def import_memory(folder: Path) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from history_dump import write_dump

    dump = folder / "dump.psv"
    write_dump(dump, 0, max_jobs=20000)
    home = folder / "home"
    code = ("import resource, sys\nfrom asba.cli.main import main\n"
            "assert main(['history', 'import', sys.argv[1], '--workers', '1', '--json']) == 0\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n")
    for label in ("fresh", "again"):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code, str(dump)], capture_output=True, text=True,
                              env={**os.environ, "ASBA_HOME": str(home)}, check=True)
        took = time.perf_counter() - started
        peak_kb = int(done.stderr.strip().splitlines()[-1])
        print(f"import ({label}): {dump.stat().st_size / 1e6:.0f} MB dump, 20,000 jobs -> {took:.1f} s, "
              f"peak RSS {peak_kb / 1024:.0f} MiB ({peak_kb * 1024 / dump.stat().st_size:.1f}x the dump)")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        body_scan(Path(folder))
        capped_read(Path(folder))
        import_memory(Path(folder))


if __name__ == "__main__":
    main()
