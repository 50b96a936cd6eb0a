"""Backtest of asba's local-vs-AWS decisions (regret) and runtime predictions over histories with no decision log.

    python benchmarks/backtest_decisions.py
    python benchmarks/backtest_decisions.py --out benchmarks/results/decision_backtest.md
    python benchmarks/backtest_decisions.py --value-of-hour 20 --cedar-days 3

Every finished job is replayed as if asba had been asked at its submission, learning only from jobs that had
ended (runtimes) or started (waits) before then (asba.audit.backtest). Regret of a policy = its platform's
cost + value of time minus the better platform's, in hindsight, with the real runtime and wait (the AWS side
from the same price and start-up models; these jobs all ran locally). Policies: asba (the decision pack),
always-local, always-AWS, the Go ASBA scoring rule (asba.audit.regret).

Histories:
* NREL Eagle (1,000 jobs, 2019-01-01..03): user + anonymised job name is "the same script". Eagle allocates
  whole nodes (standard nodes: 36 cores, 96 GB), so a job is priced as nodes x 36 cores and 96 GB; mem_req is 0
  (unset) for 988 of the 1,000 jobs.
* mila Cedar (17 days of May 2021, 42,635 jobs): no user or job name is kept, only the account; "the same
  script" is the same account with the same request (CPUs, memory, limit). Wait = submit_wait_sec.
* The example histories (examples/history/*.sacct.psv, one user): jobs that ran on a burst partition are left
  out (their local wait is unknown).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
import sys
import time
from datetime import datetime
from pathlib import Path

from asba.audit.backtest import Decider, TraceJob, prediction_errors, replay
from asba.audit.regret import POLICIES, signed_stats, summarise

REPO = Path(__file__).resolve().parents[1]
TRACES = REPO.parent / "shared" / "data" / "traces"
FINISHED = {"COMPLETED", "TIMEOUT", "FAILED", "OUT_OF_MEMORY", "NODE_FAIL", "CANCELLED"}
EAGLE_CORES, EAGLE_MB = 36, 96 * 1024


def _ts(text: str) -> float | None:
    text = (text or "").strip()
    if not text or text in ("NaT", "nan", "None"):
        return None
    return datetime.fromisoformat(text[:19]).timestamp()


def eagle_jobs(path: Path) -> list[TraceJob]:
    jobs = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            submit, start, end = _ts(row["submit_time"]), _ts(row["start_time"]), _ts(row["end_time"])
            if None in (submit, start, end) or row["state"] not in FINISHED:
                continue
            nodes = max(int(float(row["nodes_req"] or 1)), 1)
            jobs.append(TraceJob(row["user"], row["name"], row["partition"], submit, start, end,  # type: ignore
                                 float(row["wallclock_req"]), max(int(float(row["processors_req"] or 1)),
                                                                  nodes * EAGLE_CORES),
                                 nodes, nodes * EAGLE_MB, int(float(row["gpus_req"] or 0)), row["state"]))
    return jobs


def cedar_files(days: int | None) -> list[Path]:
    folder = TRACES / "mila_cedar"
    files = sorted(folder.glob("jobs_cedar_2021-05-*.csv*"))
    return files[:days] if days else files


def _open(path: Path):
    return gzip.open(path, "rt", newline="") if path.suffix == ".gz" else path.open(newline="")


GPU = re.compile(r"gres/gpu(?::[\w.-]+)?=(\d+)")


def cedar_jobs(paths: list[Path]) -> list[TraceJob]:
    jobs = []
    for path in paths:
        with _open(path) as handle:
            for row in csv.DictReader(handle):
                job = _cedar_job(row)
                if job is not None:
                    jobs.append(job)
    return jobs


def _cedar_job(row: dict) -> TraceJob | None:
    submit, start, end = _ts(row["submit_time"]), _ts(row["start_time"]), _ts(row["end_time"])
    state = (row["state"] or "").split(" ")[0]
    if None in (submit, start, end) or state not in FINISHED or not row["time_limit_sec"]:
        return None
    cpus = max(int(float(row["req_cpus"] or 1)), 1)
    mem = float(row["req_mem_total"] or 0) or cpus * 1024.0
    limit = float(row["time_limit_sec"])
    gpus = sum(int(n) for n in GPU.findall(row.get("req_tres") or ""))
    key = f"{cpus}c/{mem:.0f}M/{limit:.0f}s/{gpus}g"
    nodes = max(int(float(row["alloc_nodes"] or 1)), 1)
    return TraceJob(row["account_id"], key, row["partition_id_x"], submit, start, end, limit,  # type: ignore
                    cpus, nodes, mem, gpus, state)


def example_jobs(folder: Path, bursts: frozenset[str]) -> list[TraceJob]:
    from asba.history.store import HistoryStore, connect

    store = HistoryStore(connect(":memory:"), Path(":memory:"), bursts)
    for dump in sorted(folder.glob("*.sacct.psv")):
        store.import_file(dump)
    jobs = []
    for r in store.jobs():
        if r.partition in bursts or None in (r.submit_ts, r.start_ts, r.end_ts) or not r.time_limit_s:
            continue
        jobs.append(TraceJob(r.user, r.script_name or r.job_name, r.partition, float(r.submit_ts),  # type: ignore
                             float(r.start_ts), float(r.end_ts), float(r.time_limit_s), int(r.alloc_cpus or 1),
                             int(r.nodes or 1), float(r.requested_memory_mb or 0.0), int(r.requested_gpus or 0),
                             r.state))
    return jobs


def run(name: str, jobs: list[TraceJob], decider: Decider) -> dict:
    started = time.perf_counter()
    result = replay(jobs, decider)
    summary = summarise(result.cases, decider.value)
    return {"name": name, "jobs": len(jobs), "regret": summary, "runtime": prediction_errors(result.predictions),
            "wait": signed_stats(result.wait_errors), "aws_infeasible": result.aws_infeasible,
            "aws_advised": sum(c.choices["asba"] == "aws" for c in result.cases),
            "seconds": time.perf_counter() - started}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0f} %"


def report(rows: list[dict], value: float) -> str:
    lines = [f"# Decision backtest (value of an hour ${value:g}; regret in USD, summed over the jobs)", "",
             "| history | jobs | asba | always local | always AWS | Go rule | asba below better baseline | "
             "asba below Go rule | AWS advised | wrong choices asba / local / AWS / Go |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        s = r["regret"]
        t, w = s.total_usd, s.wrong
        lines.append(f"| {r['name']} | {r['jobs']} | {t['asba']:.2f} | {t['always-local']:.2f} | "
                     f"{t['always-aws']:.2f} | {t['go-rule']:.2f} | {_pct(s.vs_best_baseline_pct())} | "
                     f"{_pct(s.vs_go_pct())} | {r['aws_advised']} | "
                     + " / ".join(str(w[p]) for p in POLICIES) + " |")
    lines += ["", "Runtime prediction (error = predicted - real; TEF = Tsafrir-Etsion-Feitelson, mean of the "
              "user's last two runtimes, capped at the limit; 'raised': after raising an overrun prediction to "
              "the limit):", "",
              "| history | jobs | asba from history | asba median abs error | asba median signed | "
              "asba median abs rel. | TEF median abs error | TEF median signed | TEF median abs rel. | "
              "TEF raised median abs | underestimated asba / TEF |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        a, t, tr = r["runtime"]["asba"], r["runtime"]["tef_first"], r["runtime"]["tef_raised"]
        lines.append(f"| {r['name']} | {r['jobs']} | {r['runtime']['asba_from_history']} | {_h(a['median_abs'])} | "
                     f"{_h(a['median'])} | {a['median_abs_rel']:.2f} | {_h(t['median_abs'])} | {_h(t['median'])} | "
                     f"{t['median_abs_rel']:.2f} | {_h(tr['median_abs'])} | {a['underestimated']} / "
                     f"{t['underestimated']} |")
    lines += ["", "Wait estimate p50 (history of waits known at submission): median signed error, median abs "
              "error:", ""]
    for r in rows:
        w = r["wait"]
        lines.append(f"- {r['name']}: {w['n']} estimates, median signed {_h(w['median'])}, median abs "
                     f"{_h(w['median_abs'])}")
    return "\n".join(lines) + "\n"


def _h(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds / 3600:.2f} h"


def main(argv: list[str] | None = None) -> int:
    from asba.inputs.config import load_config
    from asba.knowledge.burst import burst_partitions
    from asba.knowledge.catalog import load_catalog
    from asba.rules import load_packs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the Markdown report here too")
    parser.add_argument("--value-of-hour", type=float, help="USD per hour of waiting (default: the config's)")
    parser.add_argument("--cedar-days", type=int, help="only the first N Cedar days (default: all 17)")
    parser.add_argument("--config", type=Path, help="asba config file (cost model, burst partitions)")
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    bursts = burst_partitions(cfg)
    decider = Decider(cfg, load_catalog(config=cfg), load_packs(), bursts)
    if args.value_of_hour is not None:
        decider.value = args.value_of_hour
    histories = [("example histories", example_jobs(REPO / "examples" / "history", frozenset(bursts))),
                 ("NREL Eagle sample", eagle_jobs(TRACES / "nrel_eagle" / "sample_eagle_data.csv")),
                 ("mila Cedar, May 2021", cedar_jobs(cedar_files(args.cedar_days)))]
    rows = []
    for name, jobs in histories:
        rows.append(run(name, jobs, decider))
        print(f"{name}: {len(jobs)} jobs in {rows[-1]['seconds']:.1f} s", file=sys.stderr)
    text = report(rows, decider.value)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
