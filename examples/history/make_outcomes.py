"""Write the example decision outcomes that `asba audit outcomes` shows when your decision log is empty
(knowledge/example-outcomes/): six decisions logged by real `asba explain` runs on the example scripts (their
example histories, a fixture cluster snapshot, pinned times), and the jobs that followed them, four as advised
and two not, three of them on the burst partitions (made up, shaped like sacct --parsable2 output as in
make_history.py). Re-run to regenerate: python examples/history/make_outcomes.py
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_history import A100, HEADER, G, H, run_rows  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUT = REPO / "knowledge" / "example-outcomes"
BUSY, EMPTY = "tests/fixtures/advisor/snapshot-busy", "tests/fixtures/advisor/snapshot-empty"
# (script, burst, snapshot, decided at), then the job that followed it:
# (job id, partition, cpus, nodes, mem_mb, gres, limit_s, minutes after, wait_s, elapsed_s, cpu_eff, peak_mb)
CASES = [
    (("overalloc", "cpu-aws", BUSY, "2026-11-23T09:00:00"),
     (41101, "cpu-aws", 64, 1, 256 * G, "", 6 * H, 4, 360, int(2.95 * H), 0.55, 122 * G)),
    (("tiny", "cpu-aws", BUSY, "2026-11-24T10:00:00"),
     (41102, "cpu", 1, 1, 2 * G, "", 600, 2, 6600, 365, 0.97, 0.4 * G)),
    (("overalloc", "cpu-aws", EMPTY, "2026-11-25T09:00:00"),
     (41103, "cpu-aws", 64, 1, 256 * G, "", 6 * H, 3, 300, int(3.1 * H), 0.53, 125 * G)),
    (("tiny", "cpu-aws", EMPTY, "2026-11-26T10:00:00"),
     (41104, "cpu", 1, 1, 2 * G, "", 600, 1, 20, 372, 0.97, 0.4 * G)),
    (("training", "gpu-aws", BUSY, "2026-11-27T09:00:00"),
     (41105, "gpu-aws", 32, 1, 256 * G, A100, 12 * H, 10, 420, int(3.2 * H), 0.43, 87 * G)),
    (("genomics", "cpu-aws", "knowledge/cluster-snapshot", "2026-11-27T12:00:00"),
     (41106, "highmem", 16, 1, 480 * G, "", 86400, 5, int(2.5 * H), int(10.4 * H), 0.88, 405 * G)),
]


def decide(home: Path, script: str, burst: str, snapshot: str, at: str) -> None:
    env = {**os.environ, "ASBA_HOME": str(home), "ASBA_NOW": at + "Z", "NO_COLOR": "1"}
    env.pop("ASBA_CONFIG", None)
    subprocess.run([sys.executable, "-m", "asba", "explain", f"examples/{script}.sbatch", burst,
                    "--cluster-snapshot", snapshot, "--brief"], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def exported(db: Path) -> list[dict]:
    from asba.audit.log import COLUMNS

    conn = sqlite3.connect(db)
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions ORDER BY created_at, id").fetchall()
    conn.close()
    decisions = []
    for row in rows:
        d = dict(zip(COLUMNS, row))
        for key in ("facts", "packs", "result", "trace"):
            d[key] = json.loads(d[key])
        for pack in d["packs"]:  # paths relative to the repository, not this machine
            pack["path"] = os.path.relpath(pack["path"], REPO)
        decisions.append(trimmed(d))
    return decisions


def trimmed(d: dict) -> dict:
    """Only what the outcomes join and `asba audit show` read: the decision's own facts (decision.*, time.*,
    wait.*), the result without its trace and fact list; the full trace stays in a real decision log."""
    keep = ("decision.", "time.", "wait.")
    d["facts"] = [f for f in d["facts"] if f["name"].startswith(keep)]
    d["trace"] = []
    d["result"] = {k: v for k, v in d["result"].items() if k not in ("trace", "facts", "trace_why_not")}
    return d


def jobs() -> list[str]:
    lines = [HEADER]
    for (script, _b, _s, at), (job_id, part, cpus, nodes, mem, gres, limit, after, wait, elapsed, eff, peak) in CASES:
        submit = datetime.fromisoformat(at).replace(minute=after)
        lines += run_rows(job_id, f"{script}.sbatch", part, cpus, nodes, mem, gres, limit, submit, wait, elapsed,
                          eff, peak, "COMPLETED", "0:0")
    return lines


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for (script, burst, snapshot, at), _job in CASES:
            decide(Path(tmp), script, burst, snapshot, at)
        decisions = exported(Path(tmp) / "jobs.db")
    (OUT / "decisions.json").write_text(json.dumps(decisions, indent=1, sort_keys=True) + "\n")
    (OUT / "jobs.sacct.psv").write_text("\n".join(jobs()) + "\n")


if __name__ == "__main__":
    main()
