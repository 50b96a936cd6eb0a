"""SLURM commands each asba command runs, counted on the live cluster (issue 26: frugal with SLURM).

    python benchmarks/slurm_calls.py

Every SLURM client command is wrapped (a script on PATH that logs its name and argv, then runs the real one), a
fresh ASBA_HOME is used, and each asba command below runs once; the table gives how many SLURM commands it ran,
how many were sacct, and which. Needs the test cluster (scripts/slurm-cluster.sh start). `asba submit` submits a
held job, cancelled at the end by its id.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WRAPPED = ("sbatch", "squeue", "sinfo", "scontrol", "sacct", "sprio", "sshare", "sacctmgr", "scancel")
JOB = """#!/bin/bash
#SBATCH -p cpu
#SBATCH --mem=100M
#SBATCH -t 5
#SBATCH -o /dev/null
sleep 1
"""


def _wrap(bin_dir: Path, log: Path) -> None:
    for name in WRAPPED:
        real = shutil.which(name)
        if real is None:
            raise SystemExit(f"{name} not on PATH: start the test cluster first")
        exe = bin_dir / name
        exe.write_text(f"#!/bin/sh\necho \"{name} $*\" >> {log}\nexec {real} \"$@\"\n")
        exe.chmod(0o755)


def main() -> int:
    asba = str(Path(sys.executable).with_name("asba"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "bin").mkdir()
        log = root / "calls.log"
        _wrap(root / "bin", log)
        job = root / "job.sbatch"
        job.write_text(JOB)
        env = {**os.environ, "PATH": f"{root / 'bin'}:{os.environ['PATH']}", "ASBA_HOME": str(root / "home")}
        env.pop("ASBA_NOW", None)
        runs = [["explain", str(job), "cpu-aws", "--brief"],
                ["explain", str(job), "cpu-aws", "--brief"],  # again, within slurm.reuse_s
                ["check", str(job)],
                ["explain", str(job), "cpu-aws", "--brief", "--track-history"],
                ["submit", str(job), "cpu-aws", "--hold", "--yes", "--json"],
                ["history", "sync", "--force"],
                ["history", "sync"],  # again, within history.sync_min_interval_s
                ["audit", "outcomes"],
                ["site", "collect", "--dir", str(root / "site"), "--days", "2"],
                ["site", "collect", "--dir", str(root / "site"), "--days", "2"]]
        held = []
        print("| asba command | SLURM commands | of them sacct | which |\n|---|---:|---:|---|")
        for argv in runs:
            log.write_text("")
            out = subprocess.run([asba, *argv], env=env, capture_output=True, text=True, timeout=600)
            if argv[0] == "submit" and out.returncode == 0:
                held += [j["job_id"] for j in json.loads(out.stdout)["jobs"]]
            names = [line.split()[0] for line in log.read_text().splitlines()]
            which = ", ".join(f"{n} x{c}" if c > 1 else n for n, c in sorted(Counter(names).items()))
            print(f"| `asba {' '.join(a if not a.startswith('/') else Path(a).name for a in argv)}` | "
                  f"{len(names)} | {names.count('sacct')} | {which or '-'} |")
        if held:
            subprocess.run(["scancel", *held], check=False, timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
