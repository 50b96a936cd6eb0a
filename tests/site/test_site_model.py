"""The site model (asba.site.model, `asba site collect|status`) off-cluster: a stand-in `sacct` prints a real
`sacct -a -X` capture of the test cluster (tests/fixtures/cluster/wait_record/, 111 allocations, 2026-12-03) and
records the argv it was given; explain reads the model through site.dir in a config file."""

from __future__ import annotations

import json
import marshal
import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from asba.cli.main import main
from asba.inputs.slurm import SlurmRunner
from asba.site import model

REPO = Path(__file__).resolve().parents[2]
CAPTURE = REPO / "tests" / "fixtures" / "cluster" / "wait_record" / "sacct_a_X_test_cluster_2026-12-03.psv"
SNAPSHOT = REPO / "knowledge" / "cluster-snapshot"
NOW = time.mktime(time.strptime("2026-12-03T10:30:00", "%Y-%m-%dT%H:%M:%S"))


@pytest.fixture
def sacct(tmp_path, monkeypatch, asba_home):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "sacct-calls.jsonl"
    exe = bin_dir / "sacct"
    exe.write_text(f"#!/usr/bin/env python3\nimport json, sys\nopen({str(calls)!r}, 'a').write("
                   "json.dumps(sys.argv[1:]) + '\\n')\n"
                   f"sys.stdout.write(open({str(CAPTURE)!r}).read())\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    return calls


def _calls(path: Path) -> list[list[str]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _rows(folder: Path) -> int:
    conn = sqlite3.connect(folder / model.WAITS)
    try:
        return conn.execute("SELECT COUNT(*) FROM cluster_waits").fetchone()[0]
    finally:
        conn.close()


def test_collect_publishes_once_per_run_and_resumes_where_it_stopped(sacct, tmp_path):
    folder = tmp_path / "site"
    first = model.collect(folder, SlurmRunner(), 14, now=NOW)
    assert sorted(p.name for p in folder.iterdir()) == [model.MODEL, model.QUEUE, model.WAITS]  # no temporary left
    assert first["format"] == model.FORMAT and first["collected_at"] == NOW and first["jobs"] == 111
    cpu = first["partitions"]["cpu"]
    assert cpu["jobs_window"] > 0 and cpu["wait_p50_s"] is not None
    (argv,) = _calls(sacct)
    assert argv[:3] == ["--allusers", "-X", "--parsable2"]
    assert argv[argv.index("-S") + 1] == time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(NOW - 14 * 86400))
    second = model.collect(folder, SlurmRunner(), 14, now=NOW + 3600)
    argv = _calls(sacct)[1]
    since = NOW - model.OVERLAP_S  # one sacct, from the last run (minus the overlap), not the whole window again
    assert argv[argv.index("-S") + 1] == time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(since))
    assert second["jobs"] == _rows(folder) == 111  # the same jobs upserted, not duplicated
    assert json.loads((folder / model.MODEL).read_text())["collected_at"] == NOW + 3600
    assert marshal.loads((folder / model.QUEUE).read_bytes())["partitions"] == second["partitions"]


def test_a_failed_sacct_leaves_the_published_model_as_it_was(sacct, tmp_path, monkeypatch):
    folder = tmp_path / "site"
    model.collect(folder, SlurmRunner(), 14, now=NOW)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (tmp_path / "bin" / "sacct").write_text("#!/bin/sh\necho 'sacct: error: slurmdbd is down' >&2\nexit 1\n")
    from asba.errors import ExternalCommandError

    with pytest.raises(ExternalCommandError, match="slurmdbd is down"):
        model.collect(folder, SlurmRunner(), 14, now=NOW + 60)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def _explain(capsys, config: Path) -> dict:
    assert main(["explain", str(REPO / "examples" / "tiny.sbatch"), "cpu-aws", "--cluster-snapshot", str(SNAPSHOT),
                 "--config", str(config), "--json", "--no-log"]) == 0
    return json.loads(capsys.readouterr().out)


def test_explain_uses_a_fresh_site_model_and_says_its_age_and_falls_back_when_stale(sacct, tmp_path, capsys,
                                                                                     monkeypatch):
    folder = tmp_path / "site"
    # the capture of the day the shipped snapshot was taken (2026-11-28, 17:20 on), so its waits precede it
    exe = tmp_path / "bin" / "sacct"
    exe.write_text(exe.read_text().replace(str(CAPTURE), str(CAPTURE.with_name("sacct_parsable2_ALL.psv"))))
    published = model.collect(folder, SlurmRunner(), 3650, now=time.time())  # a window that keeps 2026-11-28
    config = tmp_path / "config.yaml"
    config.write_text(f"site:\n  dir: {folder}\n  max_age_h: 2\n")
    monkeypatch.setenv("ASBA_NOW", "2026-12-03T10:30:00Z")
    fresh = _explain(capsys, config)
    notes = [n for n in fresh["notes"] if "site model" in n]
    assert len(notes) == 1 and notes[0].startswith("wait record: the site model collected ")
    assert f"{published['jobs']} jobs of all users" in notes[0]
    sources = {f["source"] for f in fresh["facts"] if f["name"] == "wait.local_p50_s"}
    assert any("wait_record" in s for s in sources)  # the site's waits entered the estimate
    meta = json.loads((folder / model.MODEL).read_text())
    meta["collected_at"] -= 3 * 3600
    (folder / model.MODEL).write_text(json.dumps(meta))
    stale = _explain(capsys, config)
    notes = [n for n in stale["notes"] if "site model" in n]
    assert notes == ["the site model is stale (collected 3h 00m ago, over site.max_age_h = 2 h): using your own "
                     "wait record instead"]


def test_site_commands_need_a_folder_and_say_when_there_is_no_model(sacct, tmp_path, capsys):
    assert main(["site", "status", "--dir", str(tmp_path / "none")]) == 2
    assert "ASBA-SITE-005" in capsys.readouterr().err
    assert main(["site", "collect"]) == 2
    assert "ASBA-SITE-003" in capsys.readouterr().err
    assert main(["site", "collect", "--dir", str(tmp_path / "s"), "--days", "366", "--json"]) == 0
    published = json.loads(capsys.readouterr().out)
    assert published["format"] == model.FORMAT and published["jobs"] == _rows(tmp_path / "s")
    assert main(["site", "status", "--dir", str(tmp_path / "s")]) == 0
    assert capsys.readouterr().out.startswith(f"site model {tmp_path / 's'}: collected ")


def test_check_names_the_site_model_and_its_age_or_that_it_is_stale(sacct, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "site"
    model.collect(folder, SlurmRunner(), 3650, now=time.time())
    config = tmp_path / "config.yaml"
    config.write_text(f"site:\n  dir: {folder}\n  max_age_h: 2\n")
    monkeypatch.delenv("ASBA_NOW", raising=False)
    tiny = str(REPO / "examples" / "tiny.sbatch")
    _explain(capsys, config)
    assert main(["check", tiny]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("asba: site model ")
    assert lines[1].endswith(f"old: no job started on cpu in 24 h; `asba explain {tiny}` for why")
    queue = marshal.loads((folder / model.QUEUE).read_bytes())
    queue["collected_at"] -= 3 * 3600
    (folder / model.QUEUE).write_bytes(marshal.dumps(queue))
    assert main(["check", tiny]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (f"asba: the site model is 3 h old (stale); `asba explain "
                                                       f"{tiny}` for why")
