"""History at a big site's scale: import a generated 1,000,000-row sacct dump, then patterns over 1M jobs.

Run: ``.venv/bin/pytest benchmarks/bench_history.py --benchmark-enable -s`` (ASBA_BENCH_ROWS=N for a smaller
dump). Baselines measured in the same run, each over the same file:
* the floor: a bare Python loop that only splits every line on the delimiter;
* slurm2sql (PyPI; ``pip install slurm2sql`` into the venv) importing the dump through a stand-in ``sacct``
  on PATH that prints it. Skipped, with the reason, when slurm2sql is not installed.
Targets (from issue 5): asba within 4x of the bare split, faster than slurm2sql, patterns for 1M jobs under 10 s,
memory bounded. Ratios and peak RSS are recorded in each benchmark's extra_info and printed at the end.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from history_dump import DELIMITER, write_dump  # noqa: E402

ROWS = int(os.environ.get("ASBA_BENCH_ROWS", "1000000"))
PATTERN_JOBS = int(os.environ.get("ASBA_BENCH_PATTERN_JOBS", "1000000"))
RESULTS: dict[str, float] = {}


@pytest.fixture(scope="session")
def dump(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("history-bench") / "sacct_dump.psv"
    RESULTS["jobs_in_dump"] = write_dump(path, ROWS)
    RESULTS["dump_mb"] = path.stat().st_size / 2**20
    return path


def _bare_split(path: Path) -> int:
    count = 0
    with path.open() as handle:
        for line in handle:
            line.split(DELIMITER)
            count += 1
    return count


def _split_and_store(path: Path, db: Path) -> int:
    """A second floor: split every line and store each job row's fields as they are (no merging, no parsing)
    in a table keyed and indexed like the history (job id; script name + submit time; submit time), in
    transactions of 10,000 rows. What any importer pays before it computes anything."""
    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    columns = ", ".join(f"c{i}" for i in range(40))
    conn.execute(f"CREATE TABLE jobs ({columns}, PRIMARY KEY (c0))")
    conn.execute("CREATE INDEX jobs_script ON jobs (c1, c2)")
    conn.execute("CREATE INDEX jobs_submit ON jobs (c2)")
    insert = f"INSERT INTO jobs VALUES ({', '.join('?' * 40)})"
    stored = 0
    with path.open() as handle:
        names = next(handle).rstrip("\n").split(DELIMITER)
        jobid, name, submit = names.index("JobID"), names.index("JobName"), names.index("Submit")
        batch: list[list[str]] = []
        for line in handle:
            parts = line.split(DELIMITER)
            if "." not in parts[jobid]:
                batch.append([parts[jobid], parts[name], parts[submit], *parts[:37]])
                if len(batch) == 10000:
                    conn.execute("BEGIN")
                    conn.executemany(insert, batch)
                    conn.execute("COMMIT")
                    stored, batch = stored + len(batch), []
        conn.execute("BEGIN")
        conn.executemany(insert, batch)
        conn.execute("COMMIT")
    conn.close()
    return stored + len(batch)


def _median_time(fn, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _asba_import(path: Path, db: Path, workers: int = 1):
    from asba.history.store import HistoryStore

    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    with HistoryStore.open(db) as store:
        return store.import_file(path, workers=workers)


def test_bare_split_floor(benchmark, dump):
    rows = benchmark.pedantic(_bare_split, args=(dump,), rounds=3, iterations=1)
    RESULTS["bare_split_s"] = benchmark.stats.stats.median
    assert rows >= ROWS


def test_split_and_store_floor(benchmark, dump, tmp_path):
    jobs = benchmark.pedantic(_split_and_store, args=(dump, tmp_path / "floor.db"), rounds=3, iterations=1)
    RESULTS["split_and_store_s"] = benchmark.stats.stats.median
    assert jobs == RESULTS["jobs_in_dump"]


@pytest.mark.parametrize("mode", ["default", "one_process"])
def test_asba_import(benchmark, dump, tmp_path, mode):
    """`asba history import` as a user runs it (default: --workers auto) and with --workers 1."""
    from asba.history.parts import auto_workers

    workers = auto_workers(dump) if mode == "default" else 1
    bare_times: list[float] = []

    def bare_split_first():  # untimed setup of each round: the floor, right before the import it is paired with
        bare_times.append(_median_time(lambda: _bare_split(dump), rounds=1))

    report = benchmark.pedantic(_asba_import, args=(dump, tmp_path / "jobs.db", workers), setup=bare_split_first,
                                rounds=3, iterations=1)
    median = benchmark.stats.stats.median
    ratio = statistics.median(t / b for t, b in zip(benchmark.stats.stats.data, bare_times))
    suffix = "" if mode == "default" else "_one_process"
    RESULTS[f"asba_import{suffix}_s"] = median
    RESULTS[f"asba{suffix}_vs_bare_split"] = ratio  # median of the three (import / split just before it) pairs
    RESULTS[f"workers{suffix}"] = workers
    benchmark.extra_info.update(bare_split_s=bare_times, ratio_vs_bare_split=ratio, jobs=report.jobs,
                                workers=workers, cpus=os.cpu_count())
    assert report.malformed == [] and report.jobs == RESULTS["jobs_in_dump"]


STAND_IN_SACCT = """#!/bin/sh
if [ "$1" = "--version" ]; then echo "slurm 22.05.8"; exit 0; fi
exec cat "{dump}"
"""


def test_slurm2sql_import(benchmark, dump, tmp_path):
    slurm2sql = pytest.importorskip("slurm2sql", reason="slurm2sql not installed: pip install slurm2sql into the venv")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sacct").write_text(STAND_IN_SACCT.format(dump=dump))
    (bin_dir / "sacct").chmod(0o755)
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{bin_dir}:{old_path}"

    def run():
        db_path = tmp_path / "slurm2sql.db"
        db_path.unlink(missing_ok=True)
        db = sqlite3.connect(db_path)
        errors = slurm2sql.slurm2sql(db, sacct_filter=["-a"])
        db.close()
        return errors

    try:
        errors = benchmark.pedantic(run, rounds=1, iterations=1)
    finally:
        os.environ["PATH"] = old_path
    RESULTS["slurm2sql_import_s"] = benchmark.stats.stats.median
    if "asba_import_s" in RESULTS:
        benchmark.extra_info["asba_speedup"] = RESULTS["slurm2sql_import_s"] / RESULTS["asba_import_s"]
    assert errors == 0


def _store_with_jobs(path: Path, dump: Path, jobs: int):
    """Import the dump, then copy its job records under new ids until the store holds `jobs` jobs."""
    report = _asba_import(dump, path)
    conn = sqlite3.connect(path)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(jobs)")]
    select = ", ".join("job_id || '-c' || {n}" if c == "job_id" else c for c in columns)
    copy = 0
    while conn.execute("SELECT count(*) FROM jobs").fetchone()[0] < jobs:
        copy += 1
        conn.execute(f"INSERT INTO jobs SELECT {select.format(n=copy)} FROM jobs WHERE job_id NOT LIKE '%-c%' "
                     f"LIMIT {jobs - conn.execute('SELECT count(*) FROM jobs').fetchone()[0]}")
        conn.commit()
    conn.close()
    return report


def test_patterns_for_a_million_jobs(benchmark, dump, tmp_path):
    from asba.history.patterns import all_patterns
    from asba.history.store import HistoryStore

    _store_with_jobs(tmp_path / "jobs.db", dump, PATTERN_JOBS)
    with HistoryStore.open(tmp_path / "jobs.db") as store:
        jobs = store.count()
        patterns = benchmark.pedantic(lambda: list(all_patterns(store)), rounds=3, iterations=1)
    RESULTS["patterns_s"] = benchmark.stats.stats.median
    RESULTS["pattern_jobs"] = jobs
    benchmark.extra_info.update(jobs=jobs, scripts=len(patterns))
    assert jobs >= PATTERN_JOBS and len(patterns) > 100


# VmHWM, not getrusage, for the importing process: Linux keeps ru_maxrss across exec, so a child would report
# pytest's own peak. The worker processes (--workers auto) are children of the probe, which is small when it
# starts them: RUSAGE_CHILDREN's ru_maxrss is the largest worker's peak.
RSS_PROBE = """
import resource, sys
from asba.history.store import HistoryStore
with HistoryStore.open(sys.argv[2]) as store:
    if sys.argv[1] == "import":
        store.import_file(sys.argv[3], workers=int(sys.argv[4]))
status = open("/proc/self/status").read()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")),
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@pytest.mark.parametrize("mode", ["default", "one_process"])
def test_import_memory_is_bounded(benchmark, dump, tmp_path, mode):
    """Peak RSS of a process that imports the dump (and of its largest worker), against one that only opens
    the store."""
    from asba.history.parts import auto_workers

    workers = auto_workers(dump) if mode == "default" else 1

    def peak(*args: str) -> tuple[int, int]:
        out = subprocess.run([sys.executable, "-c", RSS_PROBE, *args], capture_output=True, text=True, check=True)
        main_kb, worker_kb = out.stdout.split()
        return int(main_kb), int(worker_kb)

    base_kb, _ = peak("open", str(tmp_path / "empty.db"), "", "1")
    import_kb, worker_kb = benchmark.pedantic(peak, args=("import", str(tmp_path / "jobs.db"), str(dump),
                                                          str(workers)), rounds=1, iterations=1)
    suffix = "" if mode == "default" else "_one_process"
    RESULTS["peak_rss_open_mb"] = base_kb / 1024
    RESULTS[f"peak_rss_import{suffix}_mb"] = import_kb / 1024
    if workers > 1:
        RESULTS["peak_rss_largest_worker_mb"] = worker_kb / 1024
    benchmark.extra_info.update(peak_rss_open_mb=base_kb / 1024, peak_rss_import_mb=import_kb / 1024,
                                peak_rss_largest_worker_mb=worker_kb / 1024, workers=workers,
                                dump_mb=RESULTS["dump_mb"])
    assert import_kb > 0


def test_zz_summary():
    lines = [f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}"
             for key, value in RESULTS.items()]
    if "slurm2sql_import_s" in RESULTS and "asba_import_s" in RESULTS:
        lines.append(f"  slurm2sql / asba: {RESULTS['slurm2sql_import_s'] / RESULTS['asba_import_s']:.2f}x")
    print("\nhistory benchmark (" + str(ROWS) + " rows):\n" + "\n".join(lines))
