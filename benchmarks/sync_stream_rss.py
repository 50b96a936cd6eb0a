"""Peak memory of `history sync` reading sacct as it prints (streamed) against reading it whole first (the
earlier way), on the same output in the same run (issue 22 item 7).

    python benchmarks/sync_stream_rss.py [MB ...]        (default: 25 100 200)

The output is the real capture of the test cluster's sync (tests/fixtures/history/live/sync/sacct_sync.out: job
and step rows of 982 jobs, all users, every state) repeated, each copy's job ids renumbered so every copy is new
jobs, up to the size asked. A fake `sacct` on PATH prints it; each measurement runs in a fresh process (peak RSS
from getrusage), through the real sync: merge, history upsert into a fresh SQLite file, wait record tap; then the
history summaries `asba history sync` refreshes after it (a separate column: they read the stored jobs).
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
import resource, sys
from pathlib import Path
from asba.history.store import HistoryStore
from asba.history.sync import sync
from asba.inputs.slurm import SlurmRunner
mode, db = sys.argv[1], Path(sys.argv[2])
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
if mode == "idle":
    print(0, 0, peak(), peak())
    sys.exit()
store = HistoryStore.open(db)
if mode == "whole":
    import asba.history.sync as sync_module
    import asba.inputs.sacct as sacct
    from asba.inputs.slurm import CommandStream
    def whole(runner, start, *, user, all_users):
        argv = sacct.sacct_argv(start, user=user, all_users=all_users)
        out = runner.run(sacct.SYNC_KEY, argv, timeout_s=600, max_bytes=sacct.SYNC_MAX_BYTES)
        return CommandStream(out.key, out.argv, out.captured_at, iter(out.stdout.splitlines()))
    sync_module.run_sacct = whole
report = sync(store.conn, db, SlurmRunner(timeout_s=600), days=1, wait_days=14)
read = peak()
store.refresh_summaries()  # what `asba history sync` does next: proportional to the jobs, not to sacct's output
print(report.jobs, report.rows, read, peak())
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


def _run(mode: str, env: dict, db: Path) -> tuple[int, int, str]:
    """(peak RSS after the sync's read, merge and store; after the summaries too; "jobs rows")."""
    done = subprocess.run([sys.executable, "-c", MEASURE, mode, str(db)], env=env, capture_output=True, text=True,
                          timeout=1800, check=True)
    jobs, rows, read, command = done.stdout.split()
    return int(read), int(command), f"{jobs} jobs, {rows} rows"


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [25, 100, 200]
    print("| sacct output | read | idle | sync peak RSS, streamed | whole read | streamed / whole | streamed above "
          "idle / output | with the summaries, streamed | whole |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sacct").write_text(f"#!/bin/sh\nexec cat {root / 'out.psv'}\n")
        (root / "sacct").chmod(0o755)
        env = {**os.environ, "PATH": f"{root}{os.pathsep}{os.environ['PATH']}", "ASBA_HOME": str(root / "home")}
        for mb in sizes:
            size = _output(root / "out.psv", mb * 1_000_000)
            idle = statistics.median(_run("idle", env, root / "x.db")[0] for _ in range(3))
            peaks: dict[str, tuple[int, int]] = {}
            for mode in ("stream", "whole"):
                db = root / f"{mode}.db"
                db.unlink(missing_ok=True)
                read, command, counts = _run(mode, env, db)
                peaks[mode] = (read, command)
            (s_read, s_cmd), (w_read, w_cmd) = peaks["stream"], peaks["whole"]
            print(f"| {size / 1e6:.0f} MB | {counts} | {idle / 1e6:.0f} MB | {s_read / 1e6:.0f} MB | "
                  f"{w_read / 1e6:.0f} MB | {s_read / w_read:.2f} | {(s_read - idle) / size:.2f} | "
                  f"{s_cmd / 1e6:.0f} MB | {w_cmd / 1e6:.0f} MB |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
