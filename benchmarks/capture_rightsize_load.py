"""Capture a real usage history for the right-sizing replay from the test cluster (issue 23, item 7).

    python benchmarks/capture_rightsize_load.py OUT.psv [--waves 12] [--every 30] [--seed 23] [--drain 90]

Four batch scripts, each submitted once per wave (seeded, so the same draws every time), whose memory and run
time vary from run to run the way real work does: a log-normal spread (rs_align), a wide uniform one (rs_stats),
three input sizes (rs_sim) and a job that is usually small with an occasional large run (rs_tail). The requests
are fixed per script, as users write them. At the end every job of ours still queued or running is cancelled
and `sacct --parsable2 --format=ALL` of our job ids is written to OUT. Wall time: waves x every + ~1 min.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import tempfile
import time
from pathlib import Path

BODY = """#!/bin/bash
#SBATCH --job-name={name}
#SBATCH --partition={partition}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task={cpus}
#SBATCH --mem={mem}
#SBATCH --time={time}
#SBATCH --output=/dev/null
python3 -c '
import os, time
x = bytearray(int(os.environ["RS_MB"]) * 1024 * 1024)
for i in range(0, len(x), 4096):
    x[i] = 1
end = time.time() + float(os.environ["RS_BURN"])
while time.time() < end:
    pass
time.sleep(float(os.environ["RS_SECS"]))
'
"""
SCRIPTS = {  # name: (partition, cpus, --mem, --time)
    "rs_align": ("highmem", 1, "3G", "00:15:00"),
    "rs_sim": ("highmem", 2, "3G", "00:30:00"),
    "rs_stats": ("cpu", 2, "2500M", "00:20:00"),
    "rs_tail": ("cpu-aws", 1, "1900M", "00:15:00"),
}


def draw(name: str, rng: random.Random) -> tuple[int, float, float]:
    """(MB to touch, seconds of CPU burn, seconds of sleep) for one run."""
    if name == "rs_align":
        return min(int(rng.lognormvariate(5.86, 0.35)), 1500), 1.0, min(rng.lognormvariate(3.0, 0.4), 60)
    if name == "rs_stats":
        return rng.randint(100, 900), 2.0, rng.uniform(5, 50)
    if name == "rs_sim":
        size = rng.choice((0, 1, 2))
        return (200, 600, 1200)[size], 3.0, (10, 25, 50)[size] * rng.uniform(0.9, 1.1)
    big = rng.random() < 1 / 6
    return (900 if big else 150) + rng.randint(0, 50), 0.5, (45 if big else 10) * rng.uniform(0.9, 1.1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--waves", type=int, default=12)
    parser.add_argument("--every", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--drain", type=float, default=90.0, help="seconds to wait for the last jobs to end")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="rs_capture_"))
    for name, (partition, cpus, mem, limit) in SCRIPTS.items():
        (workdir / f"{name}.sbatch").write_text(BODY.format(name=name, partition=partition, cpus=cpus, mem=mem,
                                                            time=limit))
    ids: list[str] = []
    for _wave in range(args.waves):
        for name in SCRIPTS:
            mb, burn, secs = draw(name, rng)
            env = f"ALL,RS_MB={mb},RS_BURN={burn:.1f},RS_SECS={secs:.1f}"
            out = subprocess.run(["sbatch", "--parsable", f"--export={env}", f"{name}.sbatch"], cwd=workdir,
                                 capture_output=True, text=True, check=True)
            ids.append(out.stdout.strip().split(";")[0])
        time.sleep(args.every)
    deadline = time.time() + args.drain
    while time.time() < deadline:
        queued = subprocess.run(["squeue", "-h", "-j", ",".join(ids)], capture_output=True, text=True).stdout
        if not queued.strip():
            break
        time.sleep(5)
    subprocess.run(["scancel", *ids], check=False)
    time.sleep(3)
    dump = subprocess.run(["sacct", "--parsable2", "--format=ALL", "-j", ",".join(ids)], capture_output=True,
                          text=True, check=True).stdout
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump)
    print(f"{len(ids)} jobs: {ids[0]}..{ids[-1]} -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
