"""The SQLite store: idempotent loads, malformed lines reported by number, corruption refused, concurrency."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from asba.errors import InputError, StoreError
from asba.history.schema import SCHEMA_VERSION
from asba.history.store import HistoryStore, connect
from history_paths import SAMPLES


def test_import_twice_changes_nothing(store):
    first = store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
    second = store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
    assert (first.new, first.improved) == (20, 0)
    assert (second.new, second.improved, second.unchanged) == (0, 0, 20)
    assert store.count() == 20


def test_a_job_that_moved_on_is_updated(store, tmp_path):
    """A dump where job 5 is still RUNNING, then the final one: one update, nothing duplicated."""
    lines = (SAMPLES / "sacct_parsable2_header.psv").read_text().splitlines()
    running = [line.replace("|TIMEOUT|", "|RUNNING|") if line.startswith("5|") else line for line in lines]
    (tmp_path / "early.psv").write_text("\n".join(running) + "\n")
    store.import_file(tmp_path / "early.psv")
    assert store.jobs(job_id="5")[0].state == "RUNNING"
    report = store.import_file(SAMPLES / "sacct_parsable2_header.psv")
    assert (report.new, report.improved, report.unchanged) == (0, 1, 19)
    assert store.jobs(job_id="5")[0].state == "TIMEOUT"


def test_malformed_lines_are_counted_with_line_numbers_and_good_lines_kept(store, tmp_path):
    lines = (SAMPLES / "sacct_parsable2_header.psv").read_text().splitlines()
    lines[4] = "garbage without delimiters"            # line 5
    fields = lines[10].split("|")
    fields[7] = "later"  # line 11: a TotalCPU that is no duration
    lines[10] = "|".join(fields)
    (tmp_path / "damaged.psv").write_text("\n".join(lines) + "\n")
    report = store.import_file(tmp_path / "damaged.psv")
    assert [m.line_no for m in report.malformed] == [5, 11]
    assert "fields" in report.malformed[0].reason
    assert store.count() >= 18


def test_a_dump_without_header_needs_fields(store):
    with pytest.raises(InputError, match="no sacct header") as caught:
        store.import_file(SAMPLES / "sacct_parsable2.psv")
    assert caught.value.where.endswith("sacct_parsable2.psv:1")


def test_a_file_that_is_not_a_database_is_refused_and_kept(tmp_path):
    bogus = tmp_path / "jobs.db"
    bogus.write_text("these are my notes, not a database\n")
    with pytest.raises(StoreError, match="not a usable asba history database") as caught:
        HistoryStore.open(bogus)
    assert str(bogus) in caught.value.one_line()
    assert bogus.read_text() == "these are my notes, not a database\n"


def test_a_damaged_database_is_refused(tmp_path):
    db = tmp_path / "jobs.db"
    with HistoryStore.open(db) as store:
        store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
    data = bytearray(db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    with pytest.raises(StoreError):
        with HistoryStore.open(db) as store:
            store.jobs()
    assert db.read_bytes() == before


def test_connect_gives_wal_and_a_busy_timeout(tmp_path):
    conn = connect(tmp_path / "jobs.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    conn.execute("CREATE TABLE IF NOT EXISTS decisions (id INTEGER PRIMARY KEY, body TEXT)")  # another owner's table
    conn.close()
    assert connect(tmp_path / "jobs.db").execute("SELECT count(*) FROM decisions").fetchone()[0] == 0


def test_a_newer_schema_is_refused(tmp_path):
    db = tmp_path / "jobs.db"
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA user_version=99")
    raw.close()
    with pytest.raises(StoreError, match="newer asba"):
        connect(db)


def test_a_schema_1_history_is_upgraded_in_place_and_keeps_its_jobs(store, tmp_path):
    store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
    before = store.conn.execute("SELECT * FROM jobs ORDER BY job_id").fetchall()
    store.conn.execute("CREATE INDEX jobs_job_name ON jobs (job_name)")  # what schema 1 had
    store.conn.execute("PRAGMA user_version=1")
    store.close()
    upgraded = connect(tmp_path / "jobs.db")
    assert upgraded.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    assert upgraded.execute("SELECT * FROM jobs ORDER BY job_id").fetchall() == before
    indexes = {row[0] for row in upgraded.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "jobs_job_name" not in indexes and {"jobs_script", "jobs_submit"} <= indexes


IMPORTER = """
import sys
from asba.history.store import HistoryStore
with HistoryStore.open(sys.argv[1]) as store:
    for _ in range(5):
        store.import_file(sys.argv[2])
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    db = tmp_path / "jobs.db"
    dumps = [SAMPLES / "sacct_parsable2_ALL.psv", SAMPLES / "sacct_parsable2_header.psv"]
    procs = [subprocess.Popen([sys.executable, "-c", IMPORTER, str(db), str(d)], stderr=subprocess.PIPE)
             for d in dumps]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    with HistoryStore.open(db) as store:
        # the two captures name the cluster differently ('localcluster' vs none): 20 jobs each
        assert store.count() == 40
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_submission_tracking_matches_by_hash(cluster_store):
    cluster_store.record_submission("/home/alice/jobs/queued_work.sbatch", "f00d", "14")
    cluster_store.record_submission("/home/alice/jobs/queued_work.sbatch", "f00d", "15")
    runs = cluster_store.jobs(script_hash="f00d")
    assert [r.job_id for r in runs] == ["14", "15"]
    assert all(r.script_hash == "f00d" for r in runs)


def test_queue_waits_of_similar_jobs(cluster_store):
    waits = cluster_store.queue_waits("cpu", 2, 2, days=None)
    assert sorted(waits) == [1.0, 1.0, 2.0, 9.0, 26.0]  # cpu_burn and queued_a..d: Start - Submit
    assert cluster_store.queue_waits("cpu", 64, 128, days=None) == []
