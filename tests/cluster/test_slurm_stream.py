"""Issue 22 item 7 (rest): `history sync` reads sacct as it prints, line by line, not whole. SlurmRunner.stream
keeps the limits of `run` (time, size, a refusal named in one line), writes a capture as it reads, and stops
the command when the reader stops. The sacct output is a real capture of the test cluster (see
tests/fixtures/history/SOURCE.md)."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from asba.errors import ExternalCommandError
from asba.inputs.slurm import SlurmRunner

REPO = Path(__file__).resolve().parents[2]
SYNC = REPO / "tests" / "fixtures" / "history" / "live" / "sync"
SACCT = SYNC / "sacct_sync.out"


def _fake_sacct(folder: Path, body: str, monkeypatch) -> None:
    exe = folder / "sacct"
    exe.write_text(f"#!/bin/sh\n{body}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}/bin:/usr/bin")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\nState:\tZ" not in status.read()
    except FileNotFoundError:
        return False


def test_a_real_sacct_output_streams_line_by_line_and_is_captured(tmp_path, monkeypatch):
    _fake_sacct(tmp_path, f"cat {SACCT}", monkeypatch)
    runner = SlurmRunner(capture_dir=tmp_path / "capture")
    out = runner.stream("sacct_sync", ["sacct", "--parsable2"])
    assert [c.key for c in runner.calls] == ["sacct_sync"]  # counted when started
    assert list(out.lines) == SACCT.read_text().split("\n")[:-1]
    assert (tmp_path / "capture" / "sacct_sync.out").read_bytes() == SACCT.read_bytes()
    meta = json.loads((tmp_path / "capture" / "sacct_sync.meta.json").read_text())
    assert meta["argv"] == ["sacct", "--parsable2"] and meta["returncode"] == 0


def test_a_snapshot_streams_the_same_lines(tmp_path):
    out = SlurmRunner(snapshot_dir=SYNC).stream("sacct_sync", ["sacct"])
    assert out.from_snapshot and list(out.lines) == SACCT.read_text().split("\n")[:-1]


def test_a_refusal_is_one_error_after_what_was_printed(tmp_path, monkeypatch):
    _fake_sacct(tmp_path, f"head -3 {SACCT}; echo 'sacct: error: Problem talking to the database' >&2; exit 1",
                monkeypatch)
    lines = SlurmRunner().stream("sacct_sync", ["sacct"]).lines
    assert len([next(lines) for _ in range(3)]) == 3
    with pytest.raises(ExternalCommandError, match="sacct exited 1: sacct: error: Problem talking to the database"):
        next(lines)


def test_the_size_cap_and_the_time_limit_hold_over_the_whole_read(tmp_path, monkeypatch):
    _fake_sacct(tmp_path, f"cat {SACCT}; sleep 30", monkeypatch)
    with pytest.raises(ExternalCommandError, match="printed more than 0 MiB") as too_big:
        list(SlurmRunner().stream("sacct_sync", ["sacct"], max_bytes=100_000).lines)
    assert too_big.value.code == "ASBA-SLURM-002"
    began = time.monotonic()
    with pytest.raises(ExternalCommandError, match="sacct did not answer in 1 s"):
        list(SlurmRunner().stream("sacct_sync", ["sacct"], timeout_s=1).lines)
    assert time.monotonic() - began < 10


def test_a_reader_that_stops_early_stops_sacct(tmp_path, monkeypatch):
    _fake_sacct(tmp_path, f"echo $$ > {tmp_path}/pid; cat {SACCT}; exec sleep 60", monkeypatch)
    lines = SlurmRunner(timeout_s=100).stream("sacct_sync", ["sacct"]).lines
    assert next(lines).startswith("Cluster\x1fJobID")
    pid = int((tmp_path / "pid").read_text())
    assert _alive(pid)
    lines.close()  # what sync does when the merge fails (and what a dropped generator does)
    assert not _alive(pid)


def test_a_line_longer_than_a_read_arrives_whole(tmp_path, monkeypatch):
    """A 50 MB JobName is real (issue 22 item 7); here a 300 kB one, cut across several 64 KiB reads."""
    header = SACCT.read_text().split("\n", 1)[0]
    long_row = "x" * 300_000
    _fake_sacct(tmp_path, f"head -1 {SACCT}; printf '%0300000d\\n' 0 | tr 0 x; printf 'last'", monkeypatch)
    assert list(SlurmRunner().stream("sacct_sync", ["sacct"]).lines) == [header, long_row, "last"]
