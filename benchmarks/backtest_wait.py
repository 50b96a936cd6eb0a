"""Backtest of the queue-wait estimate against real waits, beside SLURM's estimate and a naive baseline.

    python benchmarks/backtest_wait.py --out benchmarks/results/wait_backtest.md   # regenerates the results
    python benchmarks/backtest_wait.py --cluster       # also run real jobs on the SLURM test cluster (~4 min)

The traces (``asba cluster backtest``, in time order, learning only from jobs started before each submission):
every mila Cedar day in ../shared/data/traces/mila_cedar/, the NREL Eagle sample, and a ``sacct -a -X`` dump of
the test cluster taken now (when it is up). Wall time and peak RSS of each replay are printed with it.

The Cedar replay spreads each row's queue aggregates (q_p_*: pending jobs ahead in its partition; r_p_*: the
running jobs) into equal jobs (``asba.decide.wait_backtest.cedar_replay``); the partition's capacity is its
running cores (Cedar is full).

``--cluster`` (live): jobs of 16-48 CPUs sleeping 15-45 s under 2-minute limits are submitted one by one to a 64-CPU
partition; before each, asba reads the live cluster (with ``sbatch --test-only``) and estimates, with the waits of
the run's earlier jobs that have started by then as the history; the real wait is Submit->Start from sacct
afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from asba.decide.wait import estimate_wait
from asba.facts.cluster_facts import JobNeeds, read_cluster
from asba.inputs.slurm import SlurmRunner

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Case:
    real_s: float
    p10_s: float | None
    p50_s: float | None
    p90_s: float | None
    slurm_s: float | None
    naive_s: float | None


# ------------------------------------------------------------------ test cluster

WORKLOAD = [(48, 40), (32, 30), (32, 20), (16, 45), (48, 25), (24, 15), (32, 35), (16, 20), (48, 30),
            (24, 40), (32, 15), (16, 25), (48, 20), (32, 30)]  # (CPUs, seconds of sleep)


def cluster_cases(partition: str, burst: str) -> list[Case]:
    estimates, ids = [], []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for n, (cpus, sleep_s) in enumerate(WORKLOAD):
                script = Path(tmp) / f"bt{n}.sbatch"
                script.write_text(f"#!/bin/sh\n#SBATCH -c {cpus}\n#SBATCH -t 2\n#SBATCH -J asba-backtest-{n}\n"
                                  f"#SBATCH -o /dev/null\nsleep {sleep_s}\n")
                view = read_cluster(SlurmRunner(), partition=partition, burst_partition=burst, script=script)
                needs = JobNeeds(cpus=cpus, time_limit_s=120)
                past = list(_real_waits(ids, timeout_s=0).values()) if ids else []  # known at this moment
                est = estimate_wait(view, needs, partition, past_waits_s=past)
                summary = view.summary(partition)
                naive = sum(j.tasks for j in summary.ahead) * _mean_limit(summary)
                estimates.append((est, summary.test_only_s, naive))
                ids.append(_sbatch(["sbatch", "--parsable", "-p", partition, str(script)]))
                time.sleep(2)
            waits = _real_waits(ids)
        finally:
            subprocess.run(["scancel", *ids], capture_output=True, timeout=30)
    return [Case(waits[i], e.p10_s, e.p50_s, e.p90_s, slurm, naive)
            for i, (e, slurm, naive) in zip(ids, estimates) if i in waits]


def _mean_limit(summary) -> float:
    limits = [j.time_limit_s for j in summary.ahead if j.time_limit_s]
    return statistics.mean(limits) if limits else 0.0


def _sbatch(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30).stdout.strip()


def _real_waits(ids: list[str], timeout_s: float = 600) -> dict[str, float]:
    from datetime import datetime

    deadline, waits = time.time() + timeout_s, {}
    while True:
        out = _sbatch(["sacct", "-X", "-n", "-P", "-o", "JobID,Submit,Start", "-j", ",".join(ids)])
        for line in out.splitlines():
            job_id, submit, start = line.split("|")
            if start not in ("Unknown", "None", ""):
                waits[job_id] = (datetime.fromisoformat(start) - datetime.fromisoformat(submit)).total_seconds()
        if len(waits) == len(ids) or time.time() >= deadline:
            return waits
        time.sleep(5)


# ------------------------------------------------------------------ scoring


def score(cases: list[Case]) -> dict:
    usable = [c for c in cases if c.p50_s is not None]
    inside = [c.p10_s <= c.real_s <= c.p90_s for c in usable]
    out = {"jobs": len(cases), "estimated": len(usable),
           "inside_p10_p90": sum(inside) / len(inside) if inside else None,
           "below_p10": sum(c.real_s < c.p10_s for c in usable), "above_p90": sum(c.real_s > c.p90_s for c in usable),
           "mae_p50_s": _mae([(c.p50_s, c.real_s) for c in usable]),
           "mae_slurm_s": _mae([(c.slurm_s, c.real_s) for c in cases if c.slurm_s is not None]),
           "mae_naive_s": _mae([(c.naive_s, c.real_s) for c in cases if c.naive_s is not None]),
           "real_median_s": statistics.median(c.real_s for c in cases) if cases else None}
    return out


def _mae(pairs: list[tuple[float | None, float]]) -> float | None:
    errors = [abs(est - real) for est, real in pairs if est is not None]
    return statistics.median(errors) if errors else None


def _fmt(seconds: float | None) -> str:
    from asba.report.backtest_text import duration  # the same units as `asba cluster backtest` prints

    return duration(seconds)


def report(results: dict[str, dict], ratio_note: str) -> str:
    lines = ["# Queue-wait backtest", "", ratio_note, "",
             "| data | jobs | real wait (median) | inside [p10, p90] (below / above) | median abs. error p50 | "
             "SLURM --test-only | naive (jobs ahead x mean limit) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, s in results.items():
        inside = "n/a" if s["inside_p10_p90"] is None else (
            f"{100 * s['inside_p10_p90']:.0f} % ({s['below_p10']} / {s['above_p90']})")
        lines.append(f"| {name} | {s['jobs']} | {_fmt(s['real_median_s'])} | {inside} | {_fmt(s['mae_p50_s'])} | "
                     f"{_fmt(s['mae_slurm_s'])} | {_fmt(s['mae_naive_s'])} |")
    lines += ["", "Errors are median absolute errors in the same run; 'n/a' = the data has no such estimate.",
              "Produced by `python benchmarks/backtest_wait.py" + (" --cluster" if len(results) > 2 else "") + "`."]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ trace replays (asba cluster backtest)

TRACES = REPO.parent / "shared" / "data" / "traces"
COLUMNS = ("asba", "record", "replay", "slurm", "naive")


def trace_sets() -> dict[str, list[Path]]:
    sets = {"MetaCentrum wagap (complete, SWF), 2013-01..03": [TRACES / "metacentrum_wagap" / "wagap-2013.swf.gz"],
            "mila Cedar, 17 days 2021-05-01..23 (noon snapshots: scored given wait > truncation point)":
                sorted((TRACES / "mila_cedar").glob("jobs_cedar_*.csv*")),
            "NREL Eagle sample, 2019-01-01..03": [TRACES / "nrel_eagle" / "sample_eagle_data.csv"]}
    dump = _test_cluster_dump()
    if dump is not None:
        sets["SLURM test cluster, sacct -a -X (last 14 days)"] = [dump]
    return sets


def _test_cluster_dump() -> Path | None:
    from asba.history.wait_record import FIELDS

    argv = ["sacct", "--allusers", "-X", "--parsable2", "--format=" + ",".join(FIELDS), "-S", "now-14days",
            "-E", "now"]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(tempfile.gettempdir()) / "asba-test-cluster-waits.psv"
    path.write_text(out)
    return path


def replay_traces() -> list[tuple[str, dict, float, float]]:
    import resource

    from asba.cli.backtest_cmd import backtest, break_even_of

    rows = []
    for name, paths in trace_sets().items():
        started = time.monotonic()
        result = backtest(paths, break_even=break_even_of(5.0))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append((name, result, time.monotonic() - started, rss))
    return rows


def trace_report(rows: list[tuple[str, dict, float, float]]) -> str:
    lines = ["| data | group | jobs | method | in [p10, p90] (below / above) | median abs. error p50 | "
             "p50 within 2x | mean log2 width | pinball | Brier at break-even ($5/h) |",
             "|---|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for name, result, _, _ in rows:
        groups = list(result["groups"].items())
        strata = [g for g in groups if g[0].startswith("truncation ")]
        for group, methods in groups[:1] + strata + [g for g in groups[1:4] if g not in strata]:
            for method in COLUMNS:
                s = methods.get(method)
                if not s or not s["estimated"]:
                    continue
                lines.append(f"| {name} | {group} | {s['estimated']}/{s['jobs']} | {method} | "
                             f"{_pct(s['coverage'])} ({_pct(s['below_p10'])} / {_pct(s['above_p90'])}) | "
                             f"{_fmt(s['median_abs_error_s'])} | {_pct(s['p50_within_2x'])} | "
                             f"{s['mean_log2_width']:.2f} | {_num(s.get('pinball_log'))} | "
                             f"{_num(s.get('brier_break_even'))} |")
    lines.append("")
    for name, result, seconds, rss in rows:
        lines.append(f"- {name}: {result['jobs_read']} jobs read, real wait median "
                     f"{_fmt(result['real_wait_median_s'])}; replay took {seconds:.0f} s, peak RSS {rss:.0f} MB.")
    return "\n".join(lines) + "\n"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.0f} %"


def run_all(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", action="store_true", help="also run real jobs on the SLURM test cluster")
    parser.add_argument("--out", type=Path, help="write the Markdown here")
    args, rest = parser.parse_known_args(argv)
    text = "# Queue-wait backtest\n\n## Trace replays (`asba cluster backtest`)\n\n" + trace_report(replay_traces())
    if args.cluster:
        text += "\n## Live run on the test cluster, with SLURM's own estimate\n\n"
        results = {f"SLURM test cluster, partition {'highmem'} (live)": score(cluster_cases("highmem", "cpu-aws"))}
        text += report(results, "Live: 14 jobs submitted one by one; estimate_wait before each.")
    sys.stdout.write(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_all())
