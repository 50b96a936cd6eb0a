"""Right-sizing gain: how much requested CPU-hours and GB-hours the `--optimize` lines save, and how many past
runs would have failed under them.

    python benchmarks/rightsize_gain.py [--out benchmarks/results/rightsize_gain.md]

For every script (user + script name) with at least 2 finished runs, asba's right-sizing (asba.decide.rightsize,
exactly as `asba explain --optimize` calls it, with the config's headroom) proposes a request from the script's
history; requested CPU-hours = CPUs x time limit, GB-hours = memory x time limit, before and after. A successful
past run "would have failed" when its peak memory per node exceeds the proposed memory or its elapsed time the
proposed limit. Two readings:

* in-sample: the proposal from all runs, checked against those same runs (what the README's question asks);
* time-ordered: before each run, the proposal from the runs that had ended by then, checked against that run
  (how the advice would have done going forward).

Histories with per-job memory and CPU use: the example histories, the real test-cluster capture
(/work/shared/slurm/samples/sacct_parsable2_ALL.psv) and slurm2sql's test data. The NREL Eagle and Cedar traces
keep no memory or CPU use, so they cannot be right-sized.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SOURCES = {
    "example histories": sorted((REPO / "examples" / "history").glob("*.sacct.psv")),
    "test cluster capture": [SHARED / "slurm" / "samples" / "sacct_parsable2_ALL.psv"],
    "slurm2sql test data": sorted((SHARED / "data" / "sacct" / "slurm2sql").glob("test-data*.csv")),
}


def load(paths: list[Path]) -> list:
    from asba.history.store import HistoryStore, connect

    store = HistoryStore(connect(":memory:"), Path(":memory:"), frozenset({"cpu-aws", "gpu-aws"}))
    for path in paths:
        if path.is_file():
            store.import_file(path)
    return store.jobs()


def proposal(runs: list, cfg) -> tuple | None:
    """(current Request, RightSizing) from these runs, or None when there is nothing to size."""
    from asba.decide import history_view, rightsize
    from asba.history.patterns import compute, run_view

    last = runs[-1]
    if not last.alloc_cpus or not last.time_limit_s or not last.requested_memory_mb:
        return None
    nodes = max(int(last.nodes or 1), 1)
    cpus = int(last.alloc_cpus)
    req = rightsize.Request(nodes=nodes, ntasks=1, cpus_per_task=cpus, total_cpus=cpus,
                            mem_per_node_mb=float(last.requested_memory_mb) / nodes,
                            time_limit_s=int(last.time_limit_s))
    pattern = compute(last.script_name or last.job_name, "", [run_view(r) for r in runs])
    if pattern is None:
        return None
    hist = history_view.ScriptHistory(pattern=pattern, runs=runs)
    sizing = rightsize.rightsize(req, history_view.evidence(hist, nodes),
                                 memory_headroom=float(cfg.get("advisor.memory_headroom", 0.2)),
                                 time_headroom=float(cfg.get("advisor.time_headroom", 0.25)),
                                 min_runs=int(cfg.get("advisor.min_runs", 2)))
    return req, sizing


def hours(req, sizing) -> tuple[float, float, float, float]:
    cpus = sizing.proposed("cpus") or req.total_cpus
    mem = sizing.proposed("mem_mb") or req.mem_per_node_mb
    limit = sizing.proposed("time_s") or req.time_limit_s
    limit_h, gb = req.time_limit_s / 3600, req.mem_per_node_mb * req.nodes / 1024
    return req.total_cpus * limit_h, cpus * limit / 3600, gb * limit_h, mem * req.nodes / 1024 * limit / 3600


def would_fail(run, req, sizing) -> bool:
    if not run.succeeded:
        return False
    mem = sizing.proposed("mem_mb") or req.mem_per_node_mb
    limit = sizing.proposed("time_s") or req.time_limit_s
    peak = (run.max_memory_used_mb or 0) / max(int(run.nodes or 1), 1)
    return peak > mem or (run.elapsed_s or 0) > limit


def scripts(jobs: list) -> dict[tuple, list]:
    from asba.history.record import FINISHED_STATES

    grouped: dict[tuple, list] = defaultdict(list)
    for r in jobs:
        if r.state in FINISHED_STATES and r.elapsed_s is not None:
            grouped[(r.user, r.script_name or r.job_name)].append(r)
    return {k: sorted(v, key=lambda r: (r.submit_ts or 0, r.job_id)) for k, v in grouped.items() if len(v) >= 2}


def measure(jobs: list, cfg) -> dict:
    rows, failed_in, failed_ahead, checked_ahead = [], 0, 0, 0
    for key, runs in sorted(scripts(jobs).items()):
        found = proposal(runs, cfg)
        if found is None:
            continue
        req, sizing = found
        cpu0, cpu1, gb0, gb1 = hours(req, sizing)
        rows.append({"script": key[1], "runs": len(runs), "status": sizing.status, "cpu_h": (cpu0, cpu1),
                     "gb_h": (gb0, gb1), "lines": sizing.sbatch_lines})
        failed_in += sum(would_fail(r, req, sizing) for r in runs)
        for k in range(2, len(runs)):
            ended = [r for r in runs[:k] if (r.end_ts or 0) <= (runs[k].submit_ts or 0)]
            ahead = proposal(ended, cfg) if len(ended) >= 2 else None
            if ahead is not None and ahead[1].status == "changed" and runs[k].succeeded:
                checked_ahead += 1
                failed_ahead += would_fail(runs[k], *ahead)
    return {"rows": rows, "failed_in_sample": failed_in, "checked_ahead": checked_ahead, "failed_ahead": failed_ahead,
            "successful_runs": sum(r["runs"] for r in rows)}


def _cut(before: float, after: float) -> float:
    return 0.0 if before <= 0 else 100 * (before - after) / before


def report(results: dict[str, dict]) -> str:
    lines = ["# Right-sizing gain (`asba explain --optimize`)", "",
             "| history | scripts sized | of which changed | mean CPU-hour cut | mean GB-hour cut | "
             "total CPU-hour cut | total GB-hour cut | past successful runs that would fail (in-sample) | "
             "time-ordered: failed / checked |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    all_rows = []
    for name, res in results.items():
        rows = res["rows"]
        all_rows += rows
        lines.append(_row(name, rows, res))
    total = {"failed_in_sample": sum(r["failed_in_sample"] for r in results.values()),
             "failed_ahead": sum(r["failed_ahead"] for r in results.values()),
             "checked_ahead": sum(r["checked_ahead"] for r in results.values())}
    lines.append(_row("**all**", all_rows, total))
    lines += ["", "Per script:", ""]
    for name, res in results.items():
        for r in res["rows"]:
            lines.append(f"- {name} / {r['script']} ({r['runs']} runs, {r['status']}): CPU-h "
                         f"{r['cpu_h'][0]:.1f} -> {r['cpu_h'][1]:.1f}, GB-h {r['gb_h'][0]:.1f} -> {r['gb_h'][1]:.1f}"
                         + (f"; {' '.join(r['lines'])}" if r["lines"] else ""))
    return "\n".join(lines) + "\n"


def _row(name: str, rows: list, res: dict) -> str:
    if not rows:
        return f"| {name} | 0 | 0 | n/a | n/a | n/a | n/a | 0 | 0 / 0 |"
    cpu = statistics.mean(_cut(*r["cpu_h"]) for r in rows)
    gb = statistics.mean(_cut(*r["gb_h"]) for r in rows)
    cpu_t = _cut(sum(r["cpu_h"][0] for r in rows), sum(r["cpu_h"][1] for r in rows))
    gb_t = _cut(sum(r["gb_h"][0] for r in rows), sum(r["gb_h"][1] for r in rows))
    changed = sum(r["status"] == "changed" for r in rows)
    return (f"| {name} | {len(rows)} | {changed} | {cpu:.1f} % | {gb:.1f} % | {cpu_t:.1f} % | {gb_t:.1f} % | "
            f"{res['failed_in_sample']} | {res['failed_ahead']} / {res['checked_ahead']} |")


def main(argv: list[str] | None = None) -> int:
    from asba.inputs.config import load_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the Markdown report here too")
    args = parser.parse_args(argv)
    cfg = load_config(None)
    results = {}
    for name, paths in SOURCES.items():
        results[name] = measure(load(paths), cfg)
        print(f"{name}: {len(results[name]['rows'])} scripts", file=sys.stderr)
    text = report(results)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
