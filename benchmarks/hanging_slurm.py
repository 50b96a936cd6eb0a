"""How long `asba explain` takes when SLURM hangs: every SLURM command on PATH sleeps for 10 minutes.

    python benchmarks/hanging_slurm.py [--deadline 20]

The target (issue 14): an answer within the deadline (config slurm.deadline_s) plus 2 s, with the commands
that did not answer named. Prints the wall time of one cold `asba explain` process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = ("squeue", "sinfo", "scontrol", "sprio", "sshare", "sbatch", "sacct")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=20.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        bin_dir = Path(tmp) / "bin"
        bin_dir.mkdir()
        for name in COMMANDS:
            exe = bin_dir / name
            exe.write_text("#!/bin/sh\nsleep 600\n")
            exe.chmod(0o755)
        cfg = Path(tmp) / "config.yaml"
        cfg.write_text(f"slurm:\n  deadline_s: {args.deadline:g}\n")
        env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "ASBA_HOME": str(Path(tmp) / "home")}
        asba = Path(sys.executable).with_name("asba")
        started = time.monotonic()
        proc = subprocess.run([str(asba), "explain", str(REPO / "examples" / "overalloc.sbatch"), "cpu-aws",
                               "--config", str(cfg), "--no-log"], capture_output=True, text=True, env=env)
        took = time.monotonic() - started
    named = sorted({c for c in COMMANDS if f"{c} did not answer in {args.deadline:g} s" in proc.stdout})
    print(f"asba explain with every SLURM command hanging, deadline {args.deadline:g} s: exit {proc.returncode}, "
          f"{took:.1f} s (target <= {args.deadline + 2:g} s); named: {', '.join(named) or 'none'}")
    return 0 if took <= args.deadline + 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
