"""`asba check`: the sbatch-time hint from local caches only (asba.site.check). The cache is written by real
`asba explain` runs on the shipped cluster snapshot; SLURM commands on PATH record any call, and none may come."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from asba.cli.main import main
from asba.site import check

REPO = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO / "knowledge" / "cluster-snapshot"
OVERALLOC = REPO / "examples" / "overalloc.sbatch"
TINY = REPO / "examples" / "tiny.sbatch"
SLURM = ("sbatch", "squeue", "sinfo", "scontrol", "sacct", "sprio", "sshare", "sacctmgr")


@pytest.fixture
def spy(tmp_path, monkeypatch, asba_home):
    """Every SLURM command on PATH appends its name to calls.txt."""
    bin_dir = tmp_path / "slurm-bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.txt"
    for name in SLURM:
        exe = bin_dir / name
        exe.write_text(f"#!/bin/sh\necho {name} >> {calls}\nexit 1\n")
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    monkeypatch.setenv("ASBA_NOW", "2026-12-01T10:00:00Z")
    return calls


def _explain(capsys, script: Path, *extra: str) -> dict:
    assert main(["explain", str(script), "cpu-aws", "--cluster-snapshot", str(SNAPSHOT), "--json", "--no-log",
                 *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _check(capsys, *argv: str) -> list[str]:
    assert main(["check", *argv]) == 0
    return capsys.readouterr().out.splitlines()


def test_hint_after_an_explain_matches_the_advice_and_runs_no_slurm(spy, capsys):
    result = _explain(capsys, OVERALLOC)
    spy.unlink(missing_ok=True)
    lines = _check(capsys, str(OVERALLOC), "--mem=8G")
    assert len(lines) == 2 and not spy.exists()
    local, aws = result["local"], result["aws"]
    assert result["recommendation"]["platform"] == "aws"
    assert lines[0].startswith("asba: the queue on cpu looks like 3.1-4.8 h (asba's estimate 0 s ago, from a "
                               "cluster snapshot)")
    saved_h = (local["time_to_result_s"] - aws["time_to_result_s"]) / 3600
    assert f"cpu-aws would finish ~{saved_h:.0f} h sooner for about ${aws['cost_usd']:,.2f}" in lines[0]
    assert lines[1] == f"asba: `asba explain {OVERALLOC}` for why"


def test_an_edited_script_has_no_advice_but_its_partition_queue_is_named(spy, capsys, tmp_path):
    _explain(capsys, OVERALLOC)
    edited = tmp_path / "edited.sbatch"
    edited.write_text(OVERALLOC.read_text() + "echo one more line\n")
    lines = _check(capsys, str(edited))
    assert lines[0].startswith("asba: the queue on cpu looked like 3.1-4.8 h for the last job asba explained")
    assert len(lines) == 2 and "compares local and AWS" in lines[1]
    assert _check(capsys, str(edited), "-p", "gpu") == []  # nothing known about gpu's queue: silence


def test_stale_advice_says_so(spy, capsys, monkeypatch):
    _explain(capsys, OVERALLOC)
    monkeypatch.setenv("ASBA_NOW", "2026-12-01T17:00:00Z")  # 7 h later: older than STALE_S (6 h)
    assert _check(capsys, str(OVERALLOC)) == [
        f"asba: the last advice for this script is 7 h old; `asba explain {OVERALLOC}` for a fresh one"]


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", b"{not marshal", None])
def test_no_or_damaged_cache_is_silent_and_exit_0(spy, capsys, damage):
    path = Path(check.cache_path())
    if damage is not None:
        path.parent.mkdir(parents=True)
        path.write_bytes(damage)
    assert _check(capsys, str(TINY)) == []
    assert _check(capsys, "/no/such/script.sbatch") == []
    assert _check(capsys) == [check.USAGE.rstrip()]
    assert not spy.exists()


def test_a_broken_home_or_a_failure_inside_still_exits_0(spy, capsys, monkeypatch, tmp_path):
    _explain(capsys, OVERALLOC)
    monkeypatch.setattr(check, "hint", lambda argv, now=None: 1 / 0)
    assert main(["check", str(OVERALLOC)]) == 0
    assert capsys.readouterr().out == ""


def test_check_in_a_process_imports_no_asba_module_beyond_the_fast_path(spy, capsys):
    _explain(capsys, OVERALLOC)
    code = ("import sys; from asba.cli.main import main; main(['check', sys.argv[1]]); "
            "print(sorted(m for m in sys.modules if m.startswith('asba') or m in ('argparse', 'typing', 'json')))")
    out = subprocess.run([sys.executable, "-c", code, str(OVERALLOC)], capture_output=True, text=True,
                         env=os.environ, check=True).stdout.splitlines()
    assert out[-1] == str(["asba", "asba.cli", "asba.cli.main", "asba.site", "asba.site.check"])
    assert out[0].startswith("asba: the queue on cpu")


def test_remember_keeps_at_most_max_scripts(tmp_path):
    result = json.loads((REPO / "tests" / "golden" / "tiny_brief.json").read_text())
    path = str(tmp_path / "check.marshal")
    for i in range(check.MAX_SCRIPTS + 3):
        script = tmp_path / f"s{i}.sbatch"
        script.write_text(f"#!/bin/bash\necho {i}\n")
        assert check.remember({**result, "generated_at": f"2026-12-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z"},
                              str(script), path)
    kept = check.load(path)["scripts"]
    assert len(kept) == check.MAX_SCRIPTS
    assert check.script_key(str(tmp_path / "s0.sbatch")) not in kept  # the oldest went first
    assert check.script_key(str(tmp_path / f"s{check.MAX_SCRIPTS + 2}.sbatch")) in kept


def test_check_json_carries_the_same_lines(spy, capsys):
    _explain(capsys, OVERALLOC)
    lines = _check(capsys, str(OVERALLOC))
    assert json.loads("\n".join(_check(capsys, str(OVERALLOC), "--json"))) == {"hint": lines}
    assert json.loads("\n".join(_check(capsys, "--json", str(TINY), "-p", "gpu"))) == {"hint": []}
