"""Scale of the site model: a site of 500 users and 1,000,000 jobs a month (issue 26, item 6).

    python benchmarks/site_scale.py [--users 500] [--jobs-per-month 1000000] [--days 14]

Generates what `sacct -a -X` would print for such a site over the site model's window (the wait-record fields,
`--parsable2`), serves it through a stand-in `sacct` on PATH, and runs `asba site collect` as a cold process:
first the whole window (the first run of the cron job), then one hour of new jobs (every later run). Beside it,
in the same run, the import floor: a cold process that only imports what collect imports. Reported: wall time,
peak RSS, the published model's size, and `asba check`'s wall time against `python -c pass` with that model.

Assumptions (written down, not measured on a real site): jobs arrive uniformly over the month (1,000,000 / 30
days = 23,148 a day, 965 an hour) from 500 users; partitions cpu 60 %, highmem 15 %, gpu 15 %, cpu-aws 10 %;
waits log-normal (median 20 min, long tail to days), runtimes log-normal (median 1 h) under their limits;
97 % of jobs have started by the time they are collected.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEADER = "JobID|User|Submit|Eligible|Start|End|Partition|QOS|ReqCPUS|ReqMem|ReqTRES|ReqNodes|Timelimit|State"
PARTS = ["cpu"] * 60 + ["highmem"] * 15 + ["gpu"] * 15 + ["cpu-aws"] * 10
FMT = "%Y-%m-%dT%H:%M:%S"


def _hms(seconds: int) -> str:
    days, rest = divmod(int(seconds), 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{text}" if days else text


def write_dump(path: Path, jobs: int, users: int, start: datetime, span_s: float, first_id: int, seed: int) -> None:
    rng = random.Random(seed)
    end_of_dump = start + timedelta(seconds=span_s)
    with path.open("w") as out:
        out.write(HEADER + "\n")
        for i in range(jobs):
            submit = start + timedelta(seconds=span_s * i / jobs)
            part = rng.choice(PARTS)
            cpus = rng.choice((1, 1, 2, 4, 8, 16, 32, 64))
            limit = rng.choice((3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400))
            wait = min(rng.lognormvariate(math.log(1200), 1.6), 20 * 86400)
            run = min(rng.lognormvariate(math.log(3600), 1.2), limit)
            started = submit + timedelta(seconds=wait)
            if started > end_of_dump or rng.random() < 0.03:
                row_start, row_end, state = "Unknown", "Unknown", "PENDING"
            else:
                ended = started + timedelta(seconds=run)
                row_start = started.strftime(FMT)
                row_end, state = (ended.strftime(FMT), "COMPLETED") if ended <= end_of_dump else ("Unknown", "RUNNING")
            gres = ",gres/gpu=1" if part == "gpu" else ""
            out.write(f"{first_id + i}|user{rng.randrange(users):03d}|{submit.strftime(FMT)}|{submit.strftime(FMT)}|"
                      f"{row_start}|{row_end}|{part}|normal|{cpus}|{cpus * 2}G|billing={cpus},cpu={cpus},"
                      f"mem={cpus * 2}G,node=1{gres}|1|{_hms(limit)}|{state}\n")


def _timed(argv: list[str], env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return took, max(peak, before) / 1024, proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--jobs-per-month", type=int, default=1_000_000)
    parser.add_argument("--days", type=float, default=14.0)
    args = parser.parse_args(argv)
    asba = str(Path(sys.executable).with_name("asba"))
    window_jobs = round(args.jobs_per_month * args.days / 30)
    hour_jobs = round(args.jobs_per_month / 30 / 24)
    now = datetime.now().replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        full, hour = root / "window.psv", root / "hour.psv"
        t0 = time.perf_counter()
        write_dump(full, window_jobs, args.users, now - timedelta(days=args.days), args.days * 86400 - 3600, 1, 1)
        write_dump(hour, hour_jobs, args.users, now - timedelta(hours=1), 3600, window_jobs + 1, 2)
        print(f"generated {window_jobs:,} jobs ({full.stat().st_size / 1e6:.0f} MB) + {hour_jobs:,} for the next hour "
              f"in {time.perf_counter() - t0:.1f} s")
        (root / "bin").mkdir()
        sacct = root / "bin" / "sacct"
        serve = root / "serve"
        sacct.write_text(f"#!/bin/sh\nexec cat \"$(cat {serve})\"\n")
        sacct.chmod(0o755)
        env = {**os.environ, "PATH": f"{root / 'bin'}:{os.environ['PATH']}", "ASBA_HOME": str(root / "home")}
        site = root / "site"
        floor_t, floor_rss, _ = _timed([sys.executable, "-c", "import asba.cli.site_cmd, asba.site.model, "
                                        "asba.history.wait_record, asba.inputs.config, asba.inputs.slurm"], env)
        serve.write_text(str(full))
        first_t, first_rss, first = _timed([asba, "site", "collect", "--dir", str(site), "--days", f"{args.days:g}"],
                                           env)
        serve.write_text(str(hour))
        next_t, _next_rss, nxt = _timed([asba, "site", "collect", "--dir", str(site), "--days", f"{args.days:g}"],
                                        env)
        if first.returncode or nxt.returncode:
            print(first.stderr, nxt.stderr)
            return 1
        size = sum(p.stat().st_size for p in site.iterdir())
        print(f"import floor (cold process, collect's imports): {floor_t:.2f} s, peak RSS {floor_rss:.0f} MB")
        print(f"site collect, first run ({window_jobs:,} jobs): {first_t:.1f} s, peak RSS {first_rss:.0f} MB "
              "(peak of every child so far)")
        print(f"site collect, next run (+{hour_jobs:,} jobs, one hour): {next_t:.1f} s")
        files = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in sorted(site.iterdir()))
        print(f"published model: {size / 1e6:.1f} MB ({files})")
        print(first.stdout.splitlines()[0][:200])
        script = root / "job.sbatch"
        script.write_text("#!/bin/bash\n#SBATCH -p cpu\n#SBATCH -t 60\nsleep 1\n")
        (root / "c.yaml").write_text(f"site:\n  dir: {site}\n")
        subprocess.run([asba, "explain", str(script), "cpu-aws", "--no-log", "--brief", "--config",
                        str(root / "c.yaml"), "--cluster-snapshot", str(REPO / "knowledge" / "cluster-snapshot")],
                       env=env, check=True, capture_output=True)
        checks, bases = [], []
        for _ in range(15):
            bases.append(_timed([sys.executable, "-c", "pass"], env)[0])
            checks.append(_timed([asba, "check", str(script)], env)[0])
        shown = subprocess.run([asba, "check", str(script)], env=env, capture_output=True, text=True).stdout
        print(f"asba check with this site model: median {statistics.median(checks) * 1000:.0f} ms vs python -c pass "
              f"{statistics.median(bases) * 1000:.0f} ms ({statistics.median(checks) / statistics.median(bases):.2f}x)")
        print(shown.rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
