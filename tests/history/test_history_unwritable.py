"""Issue 22 item 4: `asba explain` answers when the history cannot be written (a write lock held by another
process, a read-only filesystem, a full one) and says the decision was not logged; reads never write and the
schema is brought up to date in one step at open."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from asba.cli.main import main
from asba.history.schema import SCHEMA_VERSION
from history_paths import SAMPLES

REPO = Path(__file__).parents[2]
SCRIPT = REPO / "examples" / "tiny.sbatch"
SNAPSHOT = REPO / "tests" / "fixtures" / "cluster" / "loaded"
DUMP = SAMPLES / "sacct_parsable2_ALL.psv"


def _explain(capsys) -> tuple[int, str]:
    code = main(["explain", str(SCRIPT), "--cluster-snapshot", str(SNAPSHOT)])
    out = capsys.readouterr()
    assert "internal error" not in out.err, out.err[-400:]
    return code, out.out + out.err


def _history(home: Path, capsys) -> Path:
    os.environ["ASBA_HOME"] = str(home)
    assert main(["history", "import", str(DUMP)]) == 0
    capsys.readouterr()
    return home / "jobs.db"


def _as_schema_3(db: Path) -> None:
    """A history built by an asba before schema 4: no wait record or decision tables."""
    conn = sqlite3.connect(db)
    for table in ("cluster_waits", "decisions", "decision_outcomes"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("PRAGMA user_version=3")
    conn.commit()
    conn.close()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("ASBA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    return tmp_path / "home"


def _hold_lock(db: Path) -> subprocess.Popen:
    """Another process holding the history's write lock (as a `history sync` from cron does)."""
    code = ("import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE'); c.execute(\"INSERT INTO sync_state VALUES ('cron', 1)\")\n"
            "print('held', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


@pytest.mark.parametrize("schema", [3, SCHEMA_VERSION])
def test_explain_answers_while_another_process_holds_the_write_lock(home, capsys, schema):
    db = _history(home, capsys)
    if schema == 3:
        _as_schema_3(db)
    holder = _hold_lock(db)
    try:
        started = time.monotonic()
        code, text = _explain(capsys)
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert code == 0 and "Recommendation" in text or "Decision" in text or "decision" in text
    assert "locked by another process (waited 1 s)" in text
    assert took < 15  # before: 15 s per write it tried (the busy timeout), then rc 3


def _mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'mount failed'}): the read-only and "
                    "full-filesystem cases need one")


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.mark.parametrize("schema", [3, SCHEMA_VERSION])
def test_explain_answers_on_a_read_only_history_and_writes_nothing(home, capsys, tmp_path, schema):
    built = _history(tmp_path / "built", capsys)
    if schema == 3:
        _as_schema_3(built)
    mnt = tmp_path / "ro"
    _mount_tmpfs(mnt, "4m")
    try:
        shutil.copy(built, mnt / "jobs.db")
        before = (mnt / "jobs.db").read_bytes()
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        os.environ["ASBA_HOME"] = str(mnt)
        code, text = _explain(capsys)
        assert code == 0
        assert "decision not logged" in text or "history database unavailable" in text
        assert "read-only" in text
        assert sorted(p.name for p in mnt.iterdir()) == ["jobs.db"]
        assert (mnt / "jobs.db").read_bytes() == before
        if schema == SCHEMA_VERSION:  # read as it is: the listing works too
            assert main(["history", "--days", "36500"]) == 0
            assert "internal error" not in capsys.readouterr().err
    finally:
        _umount(mnt)


def test_explain_answers_when_the_filesystem_is_full(home, capsys, tmp_path):
    built = _history(tmp_path / "built", capsys)
    mnt = tmp_path / "full"
    _mount_tmpfs(mnt, "1m")
    try:
        shutil.copy(built, mnt / "jobs.db")
        os.environ["ASBA_HOME"] = str(mnt)
        with sqlite3.connect(mnt / "jobs.db") as conn:  # in WAL mode, as asba leaves it
            conn.execute("PRAGMA journal_mode=WAL")
        try:  # fill what is left (the copy may already have filled it: then even creating the file fails)
            with open(mnt / "filler", "wb") as filler:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
        except OSError:
            pass
        code, text = _explain(capsys)
        assert code == 0
        assert "decision not logged" in text and "[ASBA-HIST-0" in text
    finally:
        _umount(mnt)


def test_reads_never_write(home, capsys):
    """`history`, `insights` and explain's history reads leave the file's bytes as they were."""
    db = _history(home, capsys)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = db.read_bytes()
    for argv in (["history", "--days", "36500"], ["insights", "--days", "36500"]):
        assert main(argv) == 0
    capsys.readouterr()
    wal = db.with_name("jobs.db-wal")
    assert db.read_bytes() == before and (not wal.exists() or wal.stat().st_size == 0)


def test_a_full_disk_during_a_worker_import_is_one_line(home, capsys, tmp_path):
    """Before: AttributeError from stopping the workers (the pool had already dropped its processes)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from history_dump import write_dump

    dump = tmp_path / "dump.psv"
    write_dump(dump, 0, max_jobs=20000)  # 27 MB: its parts do not fit beside the history on 3 MB
    mnt = tmp_path / "small"
    _mount_tmpfs(mnt, "3m")
    try:
        os.environ["ASBA_HOME"] = str(mnt)
        code = main(["history", "import", str(dump), "--workers", "2"])
        err = capsys.readouterr().err
        assert code in (1, 2) and "internal error" not in err and err.count("asba: error:") == 1
        assert "disk is full" in err and "[ASBA-HIST-017]" in err
        assert [p.name for p in mnt.iterdir() if p.name.startswith(".")] == []  # scratch removed
    finally:
        _umount(mnt)
