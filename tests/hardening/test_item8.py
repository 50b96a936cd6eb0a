"""Issue 22 item 8: inputs that were internal errors are one line with a code (exit 2, or a gap in the advice)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from asba.cli.main import main

REPO = Path(__file__).parents[2]
SNAPSHOT = REPO / "tests" / "fixtures" / "cluster" / "loaded"
DUMP = REPO / "tests" / "fixtures" / "history" / "samples" / "sacct_parsable2_ALL.psv"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("ASBA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    return tmp_path / "home"


def _one_line(capsys, code: int, *argv: str) -> str:
    assert main(list(argv)) == code
    err = capsys.readouterr().err
    assert "internal error" not in err and err.count("asba: error:") == 1, err
    return err


@pytest.mark.parametrize("command", [["history", "import"], ["facts"]])
def test_a_fifo_given_as_input_is_named_as_one(capsys, tmp_path, command):
    fifo = tmp_path / "dump.psv"
    os.mkfifo(fifo)
    err = _one_line(capsys, 2, *command, str(fifo))
    assert "no such file" not in err and "not a regular file" in err


def test_a_fifo_as_history_dump(capsys, tmp_path):
    fifo = tmp_path / "dump.psv"
    os.mkfifo(fifo)
    err = _one_line(capsys, 2, "explain", str(REPO / "examples" / "tiny.sbatch"), "--history-dump", str(fifo),
                    "--cluster-snapshot", str(SNAPSHOT), "--no-log")
    assert "FIFO" in err


@pytest.mark.parametrize("make", ["file", "missing_parent_file"])
def test_capture_into_a_file_or_an_unwritable_path(capsys, tmp_path, make):
    target = tmp_path / "afile"
    target.write_text("")
    capture = target if make == "file" else target / "below"
    for argv in (["cluster", "--capture", str(capture)], ["history", "sync", "--capture", str(capture)]):
        err = _one_line(capsys, 2, *argv)
        assert "ASBA-CLUSTER-011" in err and str(capture) in err


@pytest.mark.parametrize("value", ['"yesterday"', "null", "[1]", "true", "1e300"])
def test_a_snapshot_with_a_non_numeric_captured_at_is_a_named_gap(capsys, tmp_path, value):
    snapshot = tmp_path / "snap"
    shutil.copytree(SNAPSHOT, snapshot)
    meta = snapshot / "squeue_json.meta.json"
    data = json.loads(meta.read_text())
    meta.write_text(json.dumps(data).replace(json.dumps(data["captured_at"]), value, 1))
    assert main(["explain", str(REPO / "examples" / "tiny.sbatch"), "--cluster-snapshot", str(snapshot),
                 "--no-log"]) == 0
    captured = capsys.readouterr()
    assert "internal error" not in captured.err
    assert "gaps)" in captured.out  # the short Data used line counts them; --json names each
    assert main(["explain", str(REPO / "examples" / "tiny.sbatch"), "--cluster-snapshot", str(snapshot),
                 "--no-log", "--json"]) == 0
    assert "squeue_json.meta.json is not usable" in json.loads(capsys.readouterr().out)["data_sources"]["cluster"]


def test_import_report_does_not_call_skipped_lines_kept(capsys, tmp_path):
    lines = DUMP.read_text().splitlines()
    lines[3] = "garbage"
    dump = tmp_path / "d.psv"
    dump.write_text("\n".join(lines) + "\n")
    assert main(["history", "import", str(dump)]) == 0
    out = capsys.readouterr().out
    assert "1 malformed lines skipped (the rest loaded): lines 4" in out and "good lines kept" not in out


def _import(capsys, home: Path) -> Path:
    assert main(["history", "import", str(DUMP)]) == 0
    capsys.readouterr()
    return home / "jobs.db"


def test_a_damaged_cached_pattern_sends_the_reader_to_the_jobs(capsys, home):
    import sqlite3

    db = _import(capsys, home)
    assert main(["history", "--patterns", "--json"]) == 0
    before = capsys.readouterr().out
    with sqlite3.connect(db) as conn:
        assert conn.execute("UPDATE script_summary SET pattern = '{not json' WHERE pattern IS NOT NULL").rowcount
        conn.execute("UPDATE summaries SET body = 'garbage'")
    assert main(["history", "--patterns", "--json"]) == 0
    assert capsys.readouterr().out == before
    assert main(["insights"]) == 0
    assert "internal error" not in capsys.readouterr().err


def test_a_damaged_decision_log_row_is_one_line(capsys, home):
    import sqlite3

    db = _import(capsys, home)
    assert main(["explain", str(REPO / "examples" / "tiny.sbatch"), "--cluster-snapshot", str(SNAPSHOT)]) == 0
    capsys.readouterr()
    with sqlite3.connect(db) as conn:
        [decision] = [row[0] for row in conn.execute("SELECT id FROM decisions")]
        conn.execute("UPDATE decisions SET facts = '[{broken'")
    err = _one_line(capsys, 1, "audit", "show", decision)
    assert f"decision {decision} in the decision log is damaged" in err and "[ASBA-AUDIT-020]" in err


def test_terminal_escapes_in_a_job_name_are_shown_not_obeyed(capsys, tmp_path):
    header = DUMP.parent / "sacct_parsable2_header.psv"
    lines = header.read_text().splitlines()
    fields = lines[1].split("|")
    fields[1] = "evil\x1b[2J\x1b]0;pwned\x07name"  # clear the screen, retitle the terminal
    lines[1] = "|".join(fields)
    dump = tmp_path / "esc.psv"
    dump.write_text("\n".join(lines) + "\n")
    assert main(["history", "import", str(dump)]) == 0
    for argv in (["insights", "--job-id", "1"], ["history", "--days", "36500"]):
        capsys.readouterr()
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out and "evil\\x1b[2J" in out
    assert main(["insights", "--job-id", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["job_name"] == fields[1]  # the data itself is kept


def test_wrongly_typed_job_rows_read_as_unknown(capsys, home):
    """A row written by hand or by another program ('abc' as an elapsed time): the commands that read jobs
    treat the value as unknown instead of failing on it."""
    import sqlite3

    db = _import(capsys, home)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE jobs SET elapsed_s = 'abc', alloc_cpus = 'x', max_memory_used_mb = 'big', "
                     "steps = 'many', job_name = NULL WHERE job_id IN ('2', '3')")
    for argv in (["history", "--days", "36500"], ["history", "--json"], ["profile"], ["insights", "--job-id", "2"],
                 ["explain", str(REPO / "examples" / "tiny.sbatch"), "--cluster-snapshot", str(SNAPSHOT),
                  "--no-log"]):
        assert main(argv) == 0, argv
        assert "internal error" not in capsys.readouterr().err
    assert main(["insights", "--job-id", "2", "--json"]) == 0
    [job] = json.loads(capsys.readouterr().out)
    assert (job["elapsed_s"], job["alloc_cpus"], job["max_memory_used_mb"], job["steps"]) == (None, None, None, 0)


def test_a_script_beside_an_unreadable_history_folder():
    """Run as another user (root reads anything): the history/ folder beside the script cannot be read, so
    there is no example history, and the advice goes on."""
    import subprocess

    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run asba as a user who cannot read the folder")
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own folder is root's alone
    folder = tmp_path / "job"
    (folder / "history").mkdir(parents=True)
    shutil.copy(REPO / "examples" / "tiny.sbatch", folder)
    shutil.copy(REPO / "examples" / "history" / "tiny.sacct.psv", folder / "history")
    (folder / "history").chmod(0)
    home = tmp_path / "nobody"
    home.mkdir()
    for path in (tmp_path, folder, home):
        path.chmod(0o777)
    done = subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-m",
                           "asba", "explain", str(folder / "tiny.sbatch"), "--cluster-snapshot", str(SNAPSHOT),
                           "--no-log"], capture_output=True, text=True, timeout=120, cwd="/",
                          env={**os.environ, "ASBA_HOME": str(home)})
    if "Permission denied" in done.stderr and "asba" not in done.stderr:
        pytest.skip(f"nobody cannot run this checkout's python: {done.stderr[:200]}")
    assert done.returncode == 0 and "internal error" not in done.stderr, done.stderr[-400:]
    assert "EXAMPLE history" not in done.stdout
    (folder / "history").chmod(0o755)
    shutil.rmtree(tmp_path)
