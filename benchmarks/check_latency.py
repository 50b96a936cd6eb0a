"""Cold-process wall time of `asba check` (the sbatch-time hint) beside `python -c pass`, alternating, same run.

    python benchmarks/check_latency.py [--rounds 31]

Target (issue 26): the median of `asba check` within 1.5x the median of `python -c pass` of the same
interpreter (a cold process each time: no warm import cache inside the process; the OS file cache is warm for
both). The hint is read from a real cache: `asba explain examples/overalloc.sbatch cpu-aws` on the shipped
cluster snapshot writes it first, so the timed checks print the two-line hint, not the silent no-cache path.
Also timed: `asba --version` (the entry point and its parser, no command), and the same check without the
`site` module (`python -S`, asba found through PYTHONPATH) beside `python -S -c pass`: in a development venv
site loads setuptools' editable-install finder, which imports pathlib and re and so raises the floor; without
site the floor is the bare interpreter, the hardest comparison.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "examples" / "overalloc.sbatch"


def _time(argv: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31)
    args = parser.parse_args(argv)
    asba = str(Path(sys.executable).with_name("asba"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ASBA_HOME": tmp, "PATH": "/usr/bin:/bin"}  # no SLURM reachable: none is needed
        env.pop("ASBA_NOW", None)
        subprocess.run([asba, "explain", str(SCRIPT), "cpu-aws", "--no-log", "--brief", "--cluster-snapshot",
                        str(REPO / "knowledge" / "cluster-snapshot")], env=env, stdout=subprocess.DEVNULL,
                       check=True)
        shown = subprocess.run([asba, "check", str(SCRIPT)], env=env, capture_output=True, text=True).stdout
        root = Path(tmp) / "root"  # asba importable by path alone, for the runs without site (-S)
        root.mkdir()
        (root / "asba").symlink_to(REPO / "engine")
        entry = f"import sys; from asba.cli.main import main; sys.exit(main(['check', {str(SCRIPT)!r}]))"
        commands = {"python -c pass": [sys.executable, "-c", "pass"], "asba check": [asba, "check", str(SCRIPT)],
                    "asba --version": [asba, "--version"], "python -S -c pass": [sys.executable, "-S", "-c", "pass"],
                    "asba check, -S": [sys.executable, "-S", "-c", entry]}
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                runs[name].append(_time(command, {**env, "PYTHONPATH": str(root)} if "-S" in name else env))
    print(f"{args.rounds} rounds, alternating; load average {os.getloadavg()[0]:.1f}; {sys.executable}")
    ratios = {}
    for name, values in runs.items():
        base = statistics.median(runs["python -S -c pass" if "-S" in name else "python -c pass"])
        med = statistics.median(values)
        ratios[name] = med / base
        print(f"  {name:<18} median {med * 1000:6.1f} ms  (min {min(values) * 1000:.1f}, max "
              f"{max(values) * 1000:.1f})  {med / base:.2f}x its python floor")
    print(f"asba check printed:\n{shown.rstrip()}")
    ratio = ratios["asba check"]
    print(f"target <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f}x; without site, where the floor "
          f"is the bare interpreter: {ratios['asba check, -S']:.2f}x)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
