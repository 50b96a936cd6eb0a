"""A big dump imported in parts by worker processes gives exactly what the sequential import gives."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from concurrent.futures import Future
from pathlib import Path

import pytest
from asba.cli.main import main
from asba.errors import InputError, StoreError
from asba.history import parts
from asba.history.store import HistoryStore
from asba.inputs.sacct import dump_layout
from history_paths import FIXTURES, REPORTSEFF, SAMPLES, SLURM2SQL

BENCH_DUMP = Path(__file__).resolve().parents[2] / "benchmarks" / "history_dump.py"


def _generated_dump(path: Path, rows: int) -> Path:
    spec = importlib.util.spec_from_file_location("history_dump", BENCH_DUMP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_dump(path, rows, seed=11)
    return path


def _contents(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM jobs ORDER BY cluster, job_id").fetchall()
    finally:
        conn.close()


def _import(db: Path, dump: Path, workers: int, **options):
    with HistoryStore.open(db) as store:
        return store.import_file(dump, workers=workers, **options)


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of a few KiB, so that test-sized files are cut into many."""
    monkeypatch.setattr(parts, "MIN_PART_BYTES", 2048)


def test_a_generated_dump_in_parts_equals_the_sequential_import(tmp_path, small_parts):
    dump = _generated_dump(tmp_path / "dump.psv", 3000)
    lines = dump.read_text().splitlines()
    names = lines[0].split(";|;")
    lines[700] = "a;|;broken;|;line"  # malformed lines in different parts keep their line numbers
    job_row = next(i for i in range(2400, len(lines)) if "." not in lines[i].split(";|;")[names.index("JobID")])
    fields = lines[job_row].split(";|;")
    fields[names.index("ExitCode")] = "x:y"
    lines[job_row] = ";|;".join(fields)
    dump.write_text("\n".join(lines) + "\n")
    sequential = _import(tmp_path / "seq.db", dump, 1)
    in_parts = _import(tmp_path / "par.db", dump, 3)
    assert len(parts.plan(dump, dump_layout(dump), 12)) > 3
    assert in_parts.as_dict() | {"source": ""} == sequential.as_dict() | {"source": ""}
    assert [m.line_no for m in in_parts.malformed] == [701, job_row + 1]
    assert _contents(tmp_path / "par.db") == _contents(tmp_path / "seq.db")
    assert sequential.jobs > 700 and sequential.malformed


def test_every_captured_dump_imports_the_same_in_parts(tmp_path, small_parts):
    dumps = [(SAMPLES / "sacct_parsable2_ALL.psv", {}), (SAMPLES / "sacct_parsable2_header.psv", {}),
             (FIXTURES / "live" / "sacct_ended_sync.out", {}), (FIXTURES / "live" / "sacct_hetjob.out", {}),
             (REPORTSEFF / "conftest__multinode_job.txt", {"delimiter": "|", "fields": (
                 "AdminComment,AllocCPUS,Elapsed,JobID,JobIDRaw,MaxRSS,NNodes,ReqMem,State,Timelimit,TotalCPU"
             ).split(",")})]
    dumps += [(path, {}) for path in sorted(SLURM2SQL.glob("*.csv"))]
    for number, (dump, options) in enumerate(dumps):
        sequential = _import(tmp_path / f"seq{number}.db", dump, 1, **options)
        in_parts = _import(tmp_path / f"par{number}.db", dump, 2, **options)
        assert in_parts.as_dict() == sequential.as_dict(), dump.name
        assert _contents(tmp_path / f"par{number}.db") == _contents(tmp_path / f"seq{number}.db"), dump.name


def test_parts_start_at_job_rows_and_cover_the_file(tmp_path, small_parts):
    dump = _generated_dump(tmp_path / "dump.psv", 2000)
    layout = dump_layout(dump)
    planned = parts.plan(dump, layout, 16)
    data = dump.read_bytes()
    assert planned[0].start == layout.data_start and planned[-1].end == len(data)
    assert all(a.end == b.start for a, b in zip(planned, planned[1:]))
    jobid = layout.columns.pos("JobID")
    for part in planned:
        first_line = data[part.start:data.index(b"\n", part.start)].decode()
        assert "." not in first_line.split(";|;")[jobid], part


def test_importing_twice_in_parts_changes_nothing_and_leaves_no_scratch_files(tmp_path, small_parts):
    dump = _generated_dump(tmp_path / "dump.psv", 1500)
    first = _import(tmp_path / "jobs.db", dump, 2)
    again = _import(tmp_path / "jobs.db", dump, 2)
    assert (again.new, again.improved, again.unchanged) == (0, 0, first.jobs)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".asba-import")] == []


def test_a_failed_part_is_one_line_with_where_it_started(tmp_path):
    future: Future = Future()
    future.set_result(parts.PartResult(error="OSError: [Errno 28] No space left on device"))
    with pytest.raises(StoreError, match="the disk is full") as caught:
        parts._result(future, None, None, tmp_path / "dump.psv", 40001)
    assert caught.value.one_line().startswith(f"{tmp_path / 'dump.psv'}:40001:")
    assert "free space" in caught.value.one_line() and caught.value.code == "ASBA-HIST-017"
    future = Future()
    future.set_result(parts.PartResult(error="ValueError: something else"))
    with pytest.raises(InputError, match="something else") as failed:
        parts._result(future, None, None, tmp_path / "dump.psv", 40001)
    assert "--workers 1" in failed.value.one_line()


def test_cli_workers_option(asba_home, capsys, tmp_path, small_parts):
    dump = _generated_dump(tmp_path / "dump.psv", 1200)
    assert main(["history", "import", str(dump), "--workers", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["jobs"] > 300 and report["malformed"] == []
    with pytest.raises(SystemExit) as caught:
        main(["history", "import", str(dump), "--workers", "0"])
    assert caught.value.code == 2
    assert "expected auto or a number of processes" in capsys.readouterr().err


def test_auto_stays_sequential_for_small_files(tmp_path):
    small = tmp_path / "small.psv"
    small.write_text("JobID|State\n1|COMPLETED\n")
    assert parts.auto_workers(small) == 1
