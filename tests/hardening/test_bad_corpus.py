"""The bad-input corpus (tests/fixtures/bad/, see make_corpus.py) through the CLI, as a user would run it:
every case ends with exit 0, 1 or 2 and at most one `asba: error:` line with a stable code; none is an
internal error (exit 3), none hangs, and a refused database is left byte for byte as it was."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from asba.cli.main import main

CODE = re.compile(r"\[ASBA-[A-Z]+-\d{3}\]")
BAD = Path(__file__).parents[1] / "fixtures" / "bad"
SNAPSHOT = Path(__file__).parents[1] / "fixtures" / "cluster" / "loaded"
GOOD = BAD / "good.sbatch"
OFFLINE = ["--cluster-snapshot", str(SNAPSHOT), "--no-log"]


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("ASBA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    return tmp_path / "home"


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code in (0, 1, 2), (argv, code, err[-500:])
    assert "internal error" not in err and "Traceback" not in err, err[-500:]
    errors = [line for line in err.splitlines() if line.startswith("asba: error:")]
    assert len(errors) <= 1 and all(len(line) < 1600 for line in errors), errors
    if code == 2:
        assert errors and "[ASBA" in errors[0], err[-500:]
    assert all(CODE.search(line) for line in errors), errors  # the ASBA-AREA-NNN scheme (ASBA500 broke it)
    return code, err


def _names(folder: str) -> list[str]:
    return sorted(p.name for p in (BAD / folder).iterdir())


@pytest.mark.parametrize("name", _names("scripts"))
def test_bad_scripts_are_one_error_line_for_facts_and_explain(capsys, name):
    code, err = run(capsys, "facts", BAD / "scripts" / name)
    if code:
        assert name in err
    run(capsys, "explain", BAD / "scripts" / name, *OFFLINE)


@pytest.mark.parametrize("option", [
    "--mem=" + "9" * 400, "-c" + "9" * 25, "--gpus=" + "9" * 400, "-n" + "9" * 25, "--time=" + "9" * 50,
    "--array=0-" + "9" * 40, "--mem-per-cpu=8000000000T", "--nodes=" + "9" * 30, "--gres=gpu:" + "9" * 30,
])
def test_huge_command_line_values_are_refused_with_exit_2(capsys, option):
    code, err = run(capsys, "explain", GOOD, option, *OFFLINE)
    assert code == 2 and "(characters)" not in err
    assert len(err) < 1200  # the 400 digits are not repeated in full


def test_a_million_character_job_name_is_not_repeated_in_the_error(capsys, tmp_path):
    script = tmp_path / "long.sbatch"
    script.write_text("#!/bin/bash\n#SBATCH --job-name=" + "n" * 1_100_000 + "\n#SBATCH -c 0\nsrun x\n")
    run(capsys, "explain", script, *OFFLINE)
    code, err = run(capsys, "facts", script, "--dependency=" + "x" * 1_100_000)
    assert code == 2 and len(err) < 2000


@pytest.mark.parametrize("name", _names("dumps"))
def test_bad_dumps_keep_the_good_jobs(capsys, tmp_path, name):
    db = tmp_path / "jobs.db"
    code, err = run(capsys, "history", "import", BAD / "dumps" / name, "--db", db)
    if code == 0 and db.exists():
        ids = {row[0] for row in sqlite3.connect(db).execute("SELECT job_id FROM jobs")}
        text = (BAD / "dumps" / name).read_text(errors="replace")
        for good in ("1", "9"):  # the two good jobs every mixed dump carries
            if f"\n{good}|align|" in text:
                assert good in ids, (name, ids)
        assert run(capsys, "history", "--json", "--db", db)[0] == 0
        out = sqlite3.connect(db).execute("SELECT max(elapsed_s), max(alloc_cpus), min(elapsed_s) FROM jobs").fetchone()
        assert all(v is None or 0 <= v < 2**63 for v in out)


def test_no_infinity_reaches_history_json(capsys, tmp_path):
    db = tmp_path / "jobs.db"
    run(capsys, "history", "import", BAD / "dumps" / "maxrss_inf.psv", "--db", db)
    assert main(["history", "--json", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Infinity" not in out and "NaN" not in out and '"job_id": "1"' in out


@pytest.mark.parametrize("name", _names("packs"))
def test_bad_packs_are_refused_by_validate_and_explain(capsys, name):
    code, err = run(capsys, "rules", "validate", BAD / "packs" / name)
    assert code == 2, err
    code, err = run(capsys, "explain", GOOD, "--packs", BAD / "packs" / name, *OFFLINE)
    assert code == 2 or (code == 1 and "ASBA-ENGINE-010" in err), err


def test_a_fifo_a_folder_and_a_big_file_named_yaml_in_a_pack_are_refused(capsys, tmp_path):
    for kind in ("fifo", "folder", "big"):
        pack = tmp_path / kind / "demo"
        pack.mkdir(parents=True)
        (pack / "pack.yaml").write_text((BAD / "packs" / "python_tag" / "pack.yaml").read_text())
        target = pack / "rules.yaml"
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "folder":
            target.mkdir()
        else:
            target.write_text("# " + "x" * (5 << 20) + "\n")
        code, err = run(capsys, "rules", "validate", pack)
        assert code == 2 and "ASBA-PACK-005" in err


@pytest.mark.parametrize("name", _names("configs"))
def test_bad_configs_are_refused_by_check(capsys, name):
    code, err = run(capsys, "config", "check", "--config", BAD / "configs" / name)
    assert code == 2, err
    run(capsys, "explain", GOOD, "--config", BAD / "configs" / name, *OFFLINE)


@pytest.mark.parametrize("name", _names("partitions"))
def test_bad_partitions_json_is_refused_by_config_check(capsys, tmp_path, name):
    config = tmp_path / "config.yaml"
    config.write_text(f"partitions_json: {BAD / 'partitions' / name}\n")
    code, err = run(capsys, "config", "check", "--config", config)
    assert code == 2 and "ASBA-BURST-" in err, err
    run(capsys, "explain", GOOD, "--config", config, *OFFLINE)


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_partitions_json_that_is_not_a_file_is_refused(capsys, tmp_path, kind):
    target = tmp_path / "partitions.json"
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target = Path("/dev/zero")
    config = tmp_path / "config.yaml"
    config.write_text(f"partitions_json: {target}\n")
    code, err = run(capsys, "config", "check", "--config", config)
    assert code == 2 and "ASBA-BURST-002" in err


def _database(kind: str, path: Path, good: Path) -> None:
    """A history database gone wrong in one way (a copy of a good one, damaged)."""
    data = good.read_bytes()
    if kind == "truncated":
        path.write_bytes(data[: len(data) // 2 + 100])
    elif kind == "header_only":
        path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    elif kind == "not_sqlite":
        path.write_bytes(b"this is a text file\n" * 10)
    elif kind in ("damaged_page", "damaged_schema"):
        page = 4096
        pages = len(data) // page
        at = page * (pages // 2) if kind == "damaged_page" else 100  # page 1: the schema table's root
        path.write_bytes(data[:at] + b"\xff" * 3000 + data[at + 3000:])
    elif kind == "foreign_jobs":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE jobs (a, b)")
        conn.commit()
        conn.close()
    elif kind == "asba_version_no_tables":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE other (x)")
        conn.execute("PRAGMA user_version=2")
        conn.commit()
        conn.close()


@pytest.fixture(scope="module")
def good_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gooddb")
    dump = folder / "dump.psv"
    lines = ["JobID|JobName|State|ElapsedRaw|AllocCPUS|TotalCPU|Submit|Partition"]
    lines += [f"{i}|job{i % 7}|COMPLETED|{i}|1|00:05|2026-11-0{1 + i % 9}T10:00:00|cpu" for i in range(1, 3001)]
    dump.write_text("\n".join(lines) + "\n")
    db = folder / "jobs.db"
    assert main(["history", "import", str(dump), "--db", str(db)]) == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db


DB_KINDS = ["truncated", "header_only", "not_sqlite", "damaged_page", "damaged_schema", "foreign_jobs",
            "asba_version_no_tables"]


@pytest.mark.parametrize("kind", DB_KINDS)
def test_a_broken_database_is_refused_and_left_as_it_was(capsys, tmp_path, good_db, kind):
    db = tmp_path / "jobs.db"
    _database(kind, db, good_db)
    before = db.read_bytes()
    for argv in (["history", "import", BAD / "dumps" / "totalcpu_nan.psv"], ["history", "--patterns"],
                 ["audit", "list"]):
        code, err = run(capsys, *argv, "--db", db)
        assert code != 0 and ("ASBA-HIST-01" in err), (argv, err)
        assert db.read_bytes() == before, argv


@pytest.mark.parametrize("kind", DB_KINDS)
def test_explain_with_history_on_a_broken_database_never_shows_example_data(capsys, tmp_path, good_db, kind):
    db = tmp_path / "jobs.db"
    _database(kind, db, good_db)
    config = tmp_path / "config.yaml"
    config.write_text(f"history:\n  db: {db}\n")
    example = Path(__file__).parents[2] / "examples" / "overalloc.sbatch"
    code = main(["explain", str(example), "--with-history", "--config", str(config), *OFFLINE])
    out = capsys.readouterr().out
    if kind != "damaged_page":  # a damaged index page is not read by explain: its own jobs are still shown
        assert "EXAMPLE history" not in out
    assert code == 0


def test_a_locked_database_is_called_locked(capsys, tmp_path, monkeypatch):
    from asba.history import store

    db = tmp_path / "jobs.db"
    assert main(["history", "import", str(BAD / "dumps" / "totalcpu_nan.psv"), "--db", str(db)]) == 0
    capsys.readouterr()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    try:
        code, err = run(capsys, "history", "import", BAD / "dumps" / "elapsed_negative.psv", "--db", db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1 and "ASBA-HIST-014" in err and "locked" in err and "move it aside" not in err


@pytest.mark.parametrize("shape", _names("slurm"))
def test_fake_slurm_commands_that_fail_or_print_garbage(tmp_path, shape):
    """Real processes on PATH (the one module that runs commands reads their output): explain, cluster and
    history sync end in a result or one error line, never an internal error."""
    env = dict(os.environ, PATH=f"{BAD / 'slurm' / shape}:{os.environ['PATH']}", ASBA_HOME=str(tmp_path))
    env.pop("ASBA_CONFIG", None)
    for argv in (["explain", str(GOOD), "--no-log"], ["cluster"], ["history", "sync", "--db", str(tmp_path / "j.db")]):
        proc = subprocess.run([str(Path(sys.executable).parent / "asba"), *argv], env=env, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode in (0, 1, 2), (argv, proc.returncode, proc.stderr[-800:])
        assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-800:]
