"""Peak memory of `history sync` reading sacct as it prints (streamed) against reading it whole first (the
earlier way), on the same output in the same run (issue 22 item 7).

    python benchmarks/sync_stream_rss.py [MB ...]        (default: 25 100 200)

The output is the real capture of the test cluster's sync (tests/fixtures/history/live/sync/sacct_sync.out: job
and step rows of 982 jobs, all users, every state) repeated, each copy's job ids renumbered so every copy is new
jobs, up to the size asked. A fake `sacct` on PATH prints it; each measurement runs in a fresh process (peak RSS
from getrusage), through the real sync: merge, history upsert into a fresh SQLite file, wait record tap.
"whole" reads the output into one string and splits it (what sync did before), then runs the same merge. The
interpreter with asba imported is measured too ("idle"): the figures above it are what reading costs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CAPTURE = REPO / "tests" / "fixtures" / "history" / "live" / "sync" / "sacct_sync.out"
SEP = "\x1f"

MEASURE = r"""
import resource, sys, time
from pathlib import Path
from asba.history.store import HistoryStore
from asba.inputs.slurm import SlurmRunner
mode, db = sys.argv[1], Path(sys.argv[2])
began = time.perf_counter()
if mode != "idle":
    store = HistoryStore.open(db)
    runner = SlurmRunner(timeout_s=600)
    if mode == "whole":
        import asba.inputs.sacct as sacct
        from asba.inputs.slurm import CommandStream
        def whole(runner, start, *, user, all_users):
            argv = sacct.sacct_argv(start, user=user, all_users=all_users)
            out = runner.run(sacct.SYNC_KEY, argv, timeout_s=600, max_bytes=sacct.SYNC_MAX_BYTES)
            return CommandStream(out.key, out.argv, out.captured_at, iter(out.stdout.splitlines()))
        import asba.history.sync as sync_module
        sync_module.run_sacct = whole
    report = store.sync(runner, days=1, wait_days=14)
    store.close()
    print(report.jobs, report.rows, end=" ")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, round(time.perf_counter() - began, 1))
"""


def _output(path: Path, size: int) -> int:
    header, *rows = CAPTURE.read_text().split("\n")
    rows = [row.split(SEP) for row in rows if row]
    written = 0
    with path.open("w") as out:
        out.write(header + "\n")
        copy = 0
        while written < size:
            copy += 1
            for row in rows:
                line = SEP.join(row[:1] + [f"{copy}0{row[1]}", f"{copy}0{row[2]}"] + row[3:]) + "\n"
                out.write(line)
                written += len(line)
    return written


def _run(mode: str, env: dict, db: Path) -> tuple[int, float, str]:
    done = subprocess.run([sys.executable, "-c", MEASURE, mode, str(db)], env=env, capture_output=True, text=True,
                          timeout=1800, check=True)
    *counts, peak, secs = done.stdout.split()
    return int(peak), float(secs), " ".join(counts)


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [25, 100, 200]
    print("| sacct output | jobs, rows | idle | streamed peak RSS | whole-read peak RSS | streamed / whole | "
          "streamed above idle / output |\n|---:|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sacct").write_text(f"#!/bin/sh\nexec cat {root / 'out.psv'}\n")
        (root / "sacct").chmod(0o755)
        env = {**os.environ, "PATH": f"{root}{os.pathsep}{os.environ['PATH']}", "ASBA_HOME": str(root / "home")}
        for mb in sizes:
            size = _output(root / "out.psv", mb * 1_000_000)
            idle = statistics.median(_run("idle", env, root / "x.db")[0] for _ in range(3))
            peaks: dict[str, int] = {}
            for mode in ("stream", "whole", "stream", "whole"):  # interleaved; the lower of two runs kept
                db = root / f"{mode}.db"
                db.unlink(missing_ok=True)
                peak, _, counts = _run(mode, env, db)
                peaks[mode] = min(peaks.get(mode, peak), peak)
            print(f"| {size / 1e6:.0f} MB | {counts} | {idle / 1e6:.0f} MB | {peaks['stream'] / 1e6:.0f} MB | "
                  f"{peaks['whole'] / 1e6:.0f} MB | {peaks['stream'] / peaks['whole']:.2f} | "
                  f"{(peaks['stream'] - idle) / size:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
