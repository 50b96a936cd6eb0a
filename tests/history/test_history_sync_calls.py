"""`history sync` and `explain --track-history` make one sacct call (issue 26 item 5: at most one per command),
replayed from a real capture of the live test cluster (tests/fixtures/history/live/sync/, see SOURCE.md)."""

from __future__ import annotations

import json

from asba.history.store import HistoryStore
from asba.inputs.slurm import SlurmRunner
from history_paths import FIXTURES

SYNC = FIXTURES / "live" / "sync"


def _sacct_calls(runner: SlurmRunner) -> list[str]:
    return [out.key for out in runner.calls if out.argv[0] == "sacct"]


def test_sync_with_the_wait_record_is_one_sacct_call(tmp_path):
    store = HistoryStore.open(tmp_path / "jobs.db")
    runner = SlurmRunner(snapshot_dir=SYNC)
    report = store.sync(runner, days=1, wait_days=14)
    assert _sacct_calls(runner) == ["sacct_sync"]
    assert (report.jobs, report.step_rows, report.malformed) == (982, 419, [])
    assert report.waits is not None and (report.waits.stored, report.waits.users) == (243, 1)
    # the wait record holds job rows only, each once, every one eligible
    waits = store.conn.execute("SELECT job_id, eligible FROM cluster_waits").fetchall()
    assert len(waits) == 243 and all("." not in job and eligible is not None for job, eligible in waits)


def test_without_the_wait_record_the_one_call_is_the_users_own(tmp_path):
    store = HistoryStore.open(tmp_path / "jobs.db")
    runner = SlurmRunner(snapshot_dir=SYNC)
    report = store.sync(runner, days=1)
    assert _sacct_calls(runner) == ["sacct_sync"] and report.waits is None and report.jobs == 982
    assert store.conn.execute("SELECT COUNT(*) FROM cluster_waits").fetchone()[0] == 0


def test_sync_keeps_steps_gpu_fields_and_never_started_jobs(tmp_path):
    store = HistoryStore.open(tmp_path / "jobs.db")
    store.sync(SlurmRunner(snapshot_dir=SYNC), days=1, wait_days=14)
    argv = json.loads((SYNC / "sacct_sync.meta.json").read_text())["argv"]
    fields = next(a for a in argv if a.startswith("--format=")).split("=", 1)[1].split(",")
    assert {"TRESUsageInAve", "TRESUsageInMax", "AllocTRES", "Eligible", "ReqNodes"} <= set(fields)
    assert "-S" in argv and "-s" in argv
    never = store.conn.execute("SELECT COUNT(*) FROM jobs WHERE start_ts IS NULL OR start_ts = end_ts").fetchone()[0]
    waits = store.conn.execute("SELECT COUNT(*) FROM cluster_waits").fetchone()[0]
    assert never > 0 and waits < 982  # never-eligible jobs are history, not wait observations


def test_the_cli_sync_reports_the_wait_record_from_the_same_call(asba_home, capsys):
    from asba.cli.main import main

    assert main(["history", "sync", "--days", "1", "--cluster-snapshot", str(SYNC), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["jobs"] == 982 and out["wait_record"]["stored"] == 243 and "waits" not in out


def test_with_the_wait_record_the_history_keeps_only_the_users_jobs(tmp_path):
    """--user with the wait record: the one call reads every user (--allusers); the history keeps the named
    user's jobs only (the capture's jobs are all root's), the wait record every user's."""
    store = HistoryStore.open(tmp_path / "jobs.db")
    report = store.sync(SlurmRunner(snapshot_dir=SYNC), days=1, user="someone-else", wait_days=14)
    assert report.jobs == 0 and store.conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0
    assert report.waits is not None and report.waits.stored == 243
    again = store.sync(SlurmRunner(snapshot_dir=SYNC), days=1, user="root", wait_days=14)
    assert again.jobs == 982
