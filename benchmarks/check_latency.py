"""Cold-process wall time of `asba check` (the sbatch-time hint) beside `python -c pass`, alternating, same run.

    python benchmarks/check_latency.py [--rounds 31]

Target (issue 26): the median of `asba check` within 1.5x the median of `python -c pass` of the same
interpreter (a cold process each time: no warm import cache inside the process; the OS file cache is warm for
both). The hint is read from a real cache: `asba explain examples/overalloc.sbatch cpu-aws` on the shipped
cluster snapshot writes it first, so the timed checks print the two-line hint, not the silent no-cache path.
Also timed: `asba-check` (contrib/asba-check, installed beside asba: the same check without pip's console-script
wrapper, which imports `re` first; it is what contrib/cli_filter.lua runs), `asba --version` (the entry point
and its parser, no command), and the same check without the `site` module (`python -S`, asba found through
PYTHONPATH) beside `python -S -c pass`: in a development venv site loads setuptools' editable-install finder,
which imports pathlib and re and so raises the floor; without site the floor is the bare interpreter, the
hardest comparison. `--venv DIR` times another venv's asba (e.g. one with the wheel installed).
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
    parser.add_argument("--venv", type=Path, help="time the asba and python of this venv (e.g. one with the wheel "
                        "installed, no dependencies needed by check); the cache is written by this venv's asba")
    args = parser.parse_args(argv)
    asba = str(Path(sys.executable).with_name("asba"))
    timed_python = str(args.venv / "bin" / "python") if args.venv else sys.executable
    timed_bin = args.venv / "bin" if args.venv else Path(sys.executable).parent
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
        commands = {"python -c pass": [timed_python, "-c", "pass"],
                    "asba check": [str(timed_bin / "asba"), "check", str(SCRIPT)],
                    "asba-check": [str(timed_bin / "asba-check"), str(SCRIPT)],
                    "asba --version": [str(timed_bin / "asba"), "--version"],
                    "python -S -c pass": [timed_python, "-S", "-c", "pass"],
                    "asba check, -S": [timed_python, "-S", "-c", entry]}
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                runs[name].append(_time(command, {**env, "PYTHONPATH": str(root)} if "-S" in name else env))
    print(f"{args.rounds} rounds, alternating; load average {os.getloadavg()[0]:.1f}; {timed_python}")
    ratios = {}
    for name, values in runs.items():
        base = statistics.median(runs["python -S -c pass" if "-S" in name else "python -c pass"])
        med = statistics.median(values)
        ratios[name] = med / base
        print(f"  {name:<18} median {med * 1000:6.1f} ms  (min {min(values) * 1000:.1f}, max "
              f"{max(values) * 1000:.1f})  {med / base:.2f}x its python floor")
    print(f"asba check printed:\n{shown.rstrip()}")
    ratio = ratios["asba check"]
    print(f"target <= 1.5x: asba check {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f}x); asba-check (what "
          f"cli_filter.lua runs) {ratios['asba-check']:.2f}x; without site, where the floor is the bare "
          f"interpreter: {ratios['asba check, -S']:.2f}x")
    return 0 if min(ratio, ratios["asba-check"]) <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
