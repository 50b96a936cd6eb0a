"""On the real SLURM test cluster: jobs that burn CPU, use ~500 MB, exceed memory, time out and never start
come back from `history sync` with the right state and plausible efficiency (relations, not exact numbers)."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timedelta

import pytest
from history_paths import FIXTURES

pytestmark = pytest.mark.slurm
JOBS = FIXTURES / "jobs"
KINDS = ("timeout", "burn", "mem", "oom", "held")  # the slow timeout job first


def _sbatch(kind: str) -> str:
    out = subprocess.run(["sbatch", "--parsable", str(JOBS / f"asba_hist_{kind}.sbatch")], capture_output=True,
                         text=True, check=True, timeout=30)
    return out.stdout.strip().split(";")[0]


def _finished(job_ids: list[str]) -> bool:
    out = subprocess.run(["squeue", "-h", "-o", "%i", "-j", ",".join(job_ids)], capture_output=True, text=True,
                         timeout=30)
    return not out.stdout.strip()


@pytest.fixture(scope="session")
def cluster_jobs():
    """Submit the five jobs (timeout first: it takes 60-95 s), cancel the held one, wait for the rest."""
    ids = {kind: _sbatch(kind) for kind in KINDS}
    subprocess.run(["scancel", ids["held"]], check=True, timeout=30)  # our own job only
    deadline = time.monotonic() + 240
    try:
        while not _finished(list(ids.values())):
            if time.monotonic() > deadline:
                pytest.fail(f"cluster jobs {ids} still queued or running after 240 s")
            time.sleep(3)
    finally:
        left = [i for i in ids.values() if not _finished([i])]
        if left:
            subprocess.run(["scancel", *left], timeout=30)
    time.sleep(3)  # slurmdbd records the end a moment after squeue forgets the job
    return ids


@pytest.fixture(scope="session")
def synced(cluster_jobs, tmp_path_factory):
    from asba.history.store import HistoryStore
    from asba.inputs.slurm import SlurmRunner

    capture = tmp_path_factory.mktemp("sacct-capture")
    store = HistoryStore.open(tmp_path_factory.mktemp("home") / "jobs.db")
    runner = SlurmRunner(capture_dir=capture, timeout_s=120)
    first = store.sync(runner, days=1, wait_days=1)
    first.calls = [out.argv for out in runner.calls]
    ours_before = [store.jobs(job_id=i) for i in cluster_jobs.values()]
    live_again = store.sync(SlurmRunner(timeout_s=120), days=1)  # other users' jobs may have moved on meanwhile
    replay = store.sync(SlurmRunner(snapshot_dir=capture), days=1)  # exactly the same sacct output again
    ours_after = [store.jobs(job_id=i) for i in cluster_jobs.values()]
    yield store, cluster_jobs, first, (live_again, replay, ours_before, ours_after), capture
    store.close()


def _job(synced, kind):
    store, ids, *_ = synced
    [record] = store.jobs(job_id=ids[kind])
    return record


def test_cpu_burner_is_efficient_and_completed(synced):
    burn, mem = _job(synced, "burn"), _job(synced, "mem")
    assert burn.state == "COMPLETED" and burn.succeeded and burn.alloc_cpus == 2
    assert burn.cpu_efficiency > mem.cpu_efficiency
    assert 20 < burn.cpu_efficiency <= 101
    assert 0.4 < burn.effective_cpus <= 2.02


def test_known_memory_is_measured(synced):
    mem = _job(synced, "mem")
    assert mem.state == "COMPLETED" and mem.requested_memory_mb == 1024
    assert 450 < mem.max_memory_used_mb < 1024
    assert 40 < mem.memory_efficiency < 100


def test_memory_exceeded(synced):
    oom = _job(synced, "oom")
    assert not oom.succeeded
    # cgroup-v1 mode ends it OUT_OF_MEMORY (0:125); the linuxproc fallback kills it: FAILED 0:9
    assert (oom.state, oom.failure_kind) in {("OUT_OF_MEMORY", "oom"), ("FAILED", "failed")}


def test_timeout(synced):
    job = _job(synced, "timeout")
    assert (job.state, job.failure_kind) == ("TIMEOUT", "timeout")
    assert job.elapsed_s >= 60 and job.time_efficiency >= 100


def test_never_started_job_is_kept(synced):
    held = _job(synced, "held")
    assert held.state == "CANCELLED" and held.start_ts is None and held.queue_wait_s is None
    assert held.cpu_efficiency is None


def test_second_sync_changes_nothing(synced):
    _, ids, first, (live_again, replay, ours_before, ours_after), _ = synced
    assert first.malformed == [] and live_again.malformed == []
    assert (replay.new, replay.improved) == (0, 0) and replay.unchanged == first.jobs
    assert ours_after == ours_before


def test_sync_used_explicit_fields_a_safe_delimiter_and_a_start(synced):
    capture = synced[4]
    argv = (capture / "sacct_sync.meta.json").read_text()
    assert "--delimiter=\\u001f" in argv and '"-S"' in argv and "--format=Cluster,JobID" in argv
    assert '"-s"' in argv and "--allusers" in argv  # every state, every user: the wait record's rows too


def test_sync_is_one_sacct_call(synced):
    first = synced[2]
    assert [argv[0] for argv in first.calls].count("sacct") == 1
    assert [argv[0] for argv in first.calls if argv[0] != "sacct"] == ["scontrol"]  # PrivateData, for the note


def _sacct_ids(*args: str) -> set[str]:
    """Job ids the queries sync made before (two for the history, one for the wait record) list right now."""
    start = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    out = subprocess.run(["sacct", "-n", "-X", "--parsable2", "--format=JobID", "-S", start, "-E", "now", *args],
                         capture_output=True, text=True, check=True, timeout=120)
    return set(out.stdout.split())


def test_sync_reads_the_jobs_the_earlier_three_calls_read(synced):
    """The history holds every job of the old window and ended-state calls; the wait record every job of the
    old `sacct -a -X` call (jobs submitted meanwhile by other users may be in the later queries only)."""
    store, ids, *_ = synced
    history = {row[0] for row in store.conn.execute("SELECT job_id FROM jobs")}
    waits = {row[0] for row in store.conn.execute("SELECT job_id FROM cluster_waits")}
    old_history = _sacct_ids() | _sacct_ids("-s", "CA,CD,DL,F,NF,OOM,PR,TO,BF")
    old_waits = _sacct_ids("--allusers")
    assert set(ids.values()) <= history and ids["held"] not in waits  # never eligible: not a wait observation
    assert set(ids.values()) - {ids["held"]} <= waits
    assert history <= old_history and waits <= old_waits
    assert len(old_history - history) <= 20 and len(old_waits - waits) <= 20  # only jobs newer than the sync


def test_scripts_are_named_from_the_submit_line(synced):
    assert _job(synced, "burn").script_name == "asba_hist_burn.sbatch"
