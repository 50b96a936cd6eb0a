"""Property: any sacct dump merges into rows the store can hold, and storing them never fails or rolls back.

Every job row either becomes one stored job or one counted, reported bad line; no value that is NaN, infinite,
negative or past SQLite's integers reaches the database (the failure this guards: one `TotalCPU=00:00:nan` or a
2^63 ElapsedRaw rolled back a whole 10,000-job transaction)."""

from __future__ import annotations

import math
import sqlite3

from asba.history.merge import Merger
from asba.history.record import COLUMNS
from asba.history.store import connect, write_records
from asba.inputs.sacct import SacctStream
from fuzz_profile import fuzz
from hypothesis import given
from hypothesis import strategies as st

FIELDS = ["JobID", "JobName", "State", "ExitCode", "Submit", "Start", "End", "ElapsedRaw", "Elapsed", "Timelimit",
          "AllocCPUS", "NNodes", "ReqMem", "AllocTRES", "TotalCPU", "MaxRSS", "NTasks", "TRESUsageInTot", "Partition"]
GOOD = {"JobID": "42", "JobName": "align", "State": "COMPLETED", "ExitCode": "0:0", "Submit": "2026-11-28T17:20:56",
        "Start": "2026-11-28T17:21:00", "End": "2026-11-28T17:31:00", "ElapsedRaw": "600", "Elapsed": "00:10:00",
        "Timelimit": "01:00:00", "AllocCPUS": "2", "NNodes": "1", "ReqMem": "4000M",
        "AllocTRES": "billing=2,cpu=2,mem=4000M,node=1", "TotalCPU": "09:58.500", "MaxRSS": "516.31M", "NTasks": "1",
        "TRESUsageInTot": "cpu=00:09:58,mem=516.31M", "Partition": "cpu"}
BAD = st.sampled_from(["nan", "inf", "infK", "-5", "-1", str(2**63), str(2**64), "9" * 400, "00:00:nan", "1e400",
                       "-00:01:00", "1-", "::", "mem=infM", "cpu=nan", "gres/gpu=99999999999999999999", "\ufffd",
                       "2026-13-45T99:99:99", "0000-00-00T00:00:00", "", "Unknown", "1e308P", "-0", "٣"])


# Strategies are built once: building them inside the draw made hypothesis re-validate them every time.
VALUES = st.one_of(BAD, st.text(max_size=12).map(lambda t: t.replace("|", "").replace("\n", "")))
SUFFIXES = st.lists(st.sampled_from(["", ".batch", ".0", ".extern"]), min_size=1, max_size=3, unique=True)
CHANGED = st.lists(st.sampled_from(FIELDS[1:]), max_size=3)


@st.composite
def dumps(draw) -> list[str]:
    lines = ["|".join(FIELDS)]
    for number in range(draw(st.integers(1, 6))):
        job = str(100 + number)
        for suffix in draw(SUFFIXES):
            row = dict(GOOD, JobID=job + suffix)
            for name in draw(CHANGED):
                row[name] = draw(VALUES)
            lines.append("|".join(row[name] for name in FIELDS))
    return lines


def _storable(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return value is None or isinstance(value, str)


_CONN: list[sqlite3.Connection] = []


def _store() -> sqlite3.Connection:
    """One in-memory history for every example (opening one per example would dominate the run)."""
    if not _CONN:
        _CONN.append(connect(":memory:"))
    _CONN[0].execute("DELETE FROM jobs")
    return _CONN[0]


@fuzz()
@given(dumps())
def test_any_dump_merges_into_storable_rows_and_stores_without_rollback(lines: list[str]) -> None:
    stream = SacctStream(lines, "fuzz.psv")
    merger = Merger()
    rows = list(merger.rows(stream))
    job_lines = {number for number, line in enumerate(lines[1:], 2) if "." not in line.split("|")[0]}
    refused = {m.line_no for m in merger.stats.bad_values} & job_lines
    assert len(rows) + len(refused) == len(job_lines)  # each job stored or reported, none lost silently
    for row in rows:
        assert len(row) == len(COLUMNS)
        assert all(_storable(v) for v in row), row
        record = dict(zip(COLUMNS, row))
        for name in ("elapsed_s", "alloc_cpus", "requested_memory_mb", "max_memory_used_mb", "total_cpu_s",
                     "memory_efficiency", "cpu_efficiency", "nodes", "requested_gpus"):
            assert record[name] is None or record[name] >= 0, (name, record[name])
    conn = _store()
    counts = write_records(conn, rows, ":memory:")  # type: ignore[arg-type]
    assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == len(rows) == counts.new


def test_one_bad_job_among_ten_thousand_keeps_the_good_ones(tmp_path) -> None:
    """The figure from the issue: a 10,000-job dump with one 2^63 ElapsedRaw and one nan TotalCPU."""
    lines = ["|".join(FIELDS)]
    for number in range(10_000):
        row = dict(GOOD, JobID=str(1000 + number))
        if number == 4321:
            row["ElapsedRaw"] = str(2**63)
        if number == 8765:
            row["TotalCPU"] = "00:00:nan"
        lines.append("|".join(row[name] for name in FIELDS))
    dump = tmp_path / "dump.psv"
    dump.write_text("\n".join(lines) + "\n")
    from asba.history.store import HistoryStore

    with HistoryStore.open(tmp_path / "jobs.db") as store:
        report = store.import_file(dump)
        assert store.count() == 9_998
    assert report.jobs == 9_998
    assert [m.line_no for m in report.malformed] == [4321 + 2, 8765 + 2]
    assert "integer too large" in report.malformed[0].reason and "nan" in report.malformed[1].reason


def test_sqlite_refuses_what_the_merge_now_refuses() -> None:
    """Why the bound is 2^63: SQLite's INTEGER cannot take it (the OverflowError that rolled back a batch)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (x INTEGER)")
    try:
        conn.execute("INSERT INTO t VALUES (?)", (2**63,))
    except OverflowError:
        return
    finally:
        conn.close()
    raise AssertionError("SQLite took 2^63")
