"""The cluster wait record and `asba cluster backtest`, on real captures (test cluster, NREL Eagle, mila Cedar)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from asba.cli.main import main
from asba.decide.wait import estimate_wait
from asba.decide.wait_backtest import Backtest
from asba.facts.cluster_facts import read_cluster
from asba.history import wait_record
from asba.inputs.slurm import SlurmRunner
from asba.inputs.wait_traces import TraceJob, read_trace

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "cluster"
DUMP = HERE / "wait_record" / "sacct_a_X_test_cluster_2026-12-03.psv"
ALL_FIELDS = HERE / "wait_record" / "sacct_parsable2_ALL.psv"
TRACES = Path(__file__).resolve().parents[3] / "shared" / "data" / "traces"
EAGLE = TRACES / "nrel_eagle" / "sample_eagle_data.csv"
CEDAR = TRACES / "mila_cedar" / "jobs_cedar_2021-05-16.csv"


def test_reads_the_three_formats():
    dump = read_trace(DUMP)
    assert (dump.kind, len(dump.jobs), dump.skipped) == ("sacct", 111, 0)
    assert sum(j.start is None for j in dump.jobs) == 10  # never started
    steps = read_trace(ALL_FIELDS)
    assert steps.kind == "sacct" and all("." not in j.job_id for j in steps.jobs)
    if EAGLE.is_file():
        eagle = read_trace(EAGLE)
        assert (eagle.kind, len(eagle.jobs)) == ("eagle", 1000)
        assert eagle.jobs[0].submit <= eagle.jobs[-1].submit
    if CEDAR.is_file():
        cedar = read_trace(CEDAR)
        assert (cedar.kind, len(cedar.jobs)) == ("mila", 365)
        assert all(j.queue_agg is not None for j in cedar.jobs)


def test_not_a_trace_is_one_clear_error(tmp_path, capsys):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    assert main(["cluster", "backtest", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not a wait trace" in err and "ASBA-BACKTEST-002" in err and "Traceback" not in err


def test_import_stores_an_indexed_bounded_record(tmp_path, capsys):
    db = tmp_path / "jobs.db"
    assert main(["history", "import", "--wait-record", str(DUMP), "--db", str(db), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stored"] == 111
    conn = sqlite3.connect(db)
    plan = " ".join(str(r) for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT qos FROM cluster_waits WHERE partition = 'cpu' AND submit >= 0 AND submit <= 9"))
    assert "cluster_waits_partition_submit" in plan
    again = wait_record.import_dump(conn, DUMP)  # the same dump twice: upserted, not doubled
    assert again.stored == 111 and conn.execute("SELECT COUNT(*) FROM cluster_waits").fetchone()[0] == 111
    newest = conn.execute("SELECT MAX(submit) FROM cluster_waits").fetchone()[0]
    assert wait_record.prune(conn, 10 / 1440, now=newest) > 0  # a 10-minute window drops the older jobs


def test_the_record_enters_the_estimate_with_its_evidence(tmp_path):
    conn = sqlite3.connect(tmp_path / "w.db")
    wait_record.import_dump(conn, DUMP)
    newest = conn.execute("SELECT MAX(start) FROM cluster_waits").fetchone()[0]
    model, used = wait_record.model_for(conn, "cpu", float(newest))
    assert used >= 80
    view = read_cluster(SlurmRunner(snapshot_dir=HERE / "loaded"), partition="cpu")
    view.now = float(newest)
    est = estimate_wait(view, {"total_cpus": 1, "time_limit_s": 600}, "cpu", record=model)
    record = next(c for c in est.components if c.name == "wait_record")
    # the finest class of the job holds 10 jobs; it is shrunk toward the partition's 80+ (wait_km)
    assert record.evidence >= 5 and "jobs of the last 14 d (pending ones censored)" in record.detail
    assert record.p10_s <= record.p50_s <= record.p90_s < 300  # this capture's waits are all seconds
    assert est.as_dict()["starts_at_once"] == (est.p50_s is not None and est.p50_s < 300)


def test_backtest_learns_only_from_jobs_started_before_each_submission():
    jobs = [TraceJob(str(i), submit=i * 100.0, start=i * 100.0 + 5000.0, partition="p", cpus=1, gpus=0,
                     limit_s=600.0) for i in range(60)]
    board = Backtest().run(jobs)
    asba = board.as_dict()["groups"]["(all)"]["asba"]
    # the first job starts at 5,000 s: the 50 jobs submitted before that had nothing to learn from
    assert asba["jobs"] == 60 and asba["estimated"] == 60 - 50 - (5 - 1)


def test_backtest_command_on_eagle_json(capsys):
    if not EAGLE.is_file():
        pytest.skip("NREL Eagle sample not present")
    assert main(["cluster", "backtest", str(EAGLE), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    overall = out["groups"]["(all)"]
    assert out["jobs_read"] == 1000 and overall["asba"]["jobs"] == 1000
    for key in ("coverage", "below_p10", "above_p90", "median_abs_error_s", "p50_within_2x", "mean_log2_width"):
        assert key in overall["asba"] and key in overall["naive"]
    assert overall["slurm"]["estimated"] == 0  # the trace has no SLURM estimate: said, not invented
    assert "partition001" in out["groups"]
