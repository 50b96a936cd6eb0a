"""Right-sizing replayed in time order (asba.audit.rightsize_replay) on a real capture of the test cluster: four
scripts whose memory and run time vary run to run (tests/fixtures/history/rightsize/, see SOURCE.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asba.audit import rightsize_replay as rr
from asba.decide import rightsize

CAPTURE = Path(__file__).resolve().parents[1] / "fixtures" / "history" / "rightsize" / \
    "sacct_varied_usage_2026-12-06.psv"


@pytest.fixture(scope="module")
def jobs() -> list:
    return rr.load_runs([CAPTURE])


@pytest.fixture(scope="module")
def summary(jobs) -> rr.ReplaySummary:
    return rr.replay("capture", jobs, rr.Rule())


def test_every_run_is_replayed_and_the_first_of_each_script_keeps_its_request(summary):
    assert len(summary.runs) == 48 and summary.skipped == 0
    first = {}
    for run in summary.runs:
        first.setdefault(run.script, run)
    assert set(first) == {"rs_align.sbatch", "rs_sim.sbatch", "rs_stats.sbatch", "rs_tail.sbatch"}
    for run in first.values():
        assert run.status == "no-earlier-run" and run.proposed == run.requested and run.failure is None


def test_a_proposal_never_sees_the_run_itself_or_later_ones(jobs, summary):
    """Replaying only what had been submitted by a cut-off gives every run up to it the same proposal."""
    cut = next(j.submit_ts for j in jobs if j.job_id == "1170")
    past = rr.replay("past", [j for j in jobs if (j.submit_ts or 0) <= cut], rr.Rule())
    full = {r.job_id: r for r in summary.runs}
    assert past.runs and all(full[r.job_id] == r for r in past.runs)
    assert len(past.runs) < len(summary.runs)


def test_requested_hours_are_the_runs_own_requests(jobs, summary):
    cpu_h = sum(j.alloc_cpus * j.time_limit_s / 3600 for j in jobs)
    gb_h = sum(j.requested_memory_mb / 1024 * j.time_limit_s / 3600 for j in jobs)
    assert summary.total("requested", "cpu_h") == pytest.approx(cpu_h)
    assert summary.total("requested", "gb_h") == pytest.approx(gb_h)
    assert summary.total("requested", "time_h") == pytest.approx(sum(j.time_limit_s for j in jobs) / 3600)
    # the fixed requests are generous (3 GB, 15-30 min for jobs of 0.2-1.2 GB and under a minute): much is freed
    assert summary.freed_share("gb_h") > 0.5 and summary.freed_share("time_h") > 0.5


def test_a_large_run_after_small_ones_would_have_run_out_of_memory(summary):
    """rs_sim's first 1.2 GB run came after two 216 MB runs: the proposal (1 GiB) would have killed it."""
    runs = {r.job_id: r for r in summary.runs}
    assert runs["1141"].status == rightsize.CHANGED and runs["1141"].failure == "out-of-memory"
    assert summary.failed == 2 and summary.failed_share() == pytest.approx(2 / 48)


def test_more_memory_headroom_frees_less_and_runs_out_of_memory_less(jobs, summary):
    wide = rr.replay("wide", jobs, rr.Rule(memory_headroom=5.0))
    assert not any(r.failure == "out-of-memory" for r in wide.runs)
    assert wide.freed_share("gb_h") < summary.freed_share("gb_h")
    # the 61 s run 1141 still outlives the 1 min limit proposed from two runs of 13 and 16 s
    assert [r.job_id for r in wide.runs if r.failure == "out-of-time"] == ["1141"]


def test_table_reports_each_history(summary):
    text = "\n".join(rr.table([summary]))
    assert "| capture | 48 | 40 |" in text and "2 of 48 = 4.2 % (2 + 0)" in text


def test_runs_submitted_together_learn_nothing_from_each_other():
    """The bring-up capture's four queued_work runs were all submitted before any ended: none gets a proposal,
    although asked afterwards (`--optimize` on the whole history) they would."""
    bring_up = Path(__file__).resolve().parents[1] / "fixtures" / "history" / "samples" / "sacct_parsable2_ALL.psv"
    jobs = rr.load_runs([bring_up])
    queued = [r for r in rr.replay("bring-up", jobs, rr.Rule()).runs if r.script == "queued_work.sbatch"]
    assert len(queued) == 4 and {r.status for r in queued} == {"no-earlier-run"}
    runs = rr.scripts(jobs)[("root", "queued_work.sbatch")]
    req = rr.request_of(runs[-1])
    assert req is not None and rr.propose(req, runs[:-1], rr.Rule()) is not None


def test_the_command_reports_the_replay(capsys):
    from asba.cli.main import main

    assert main(["cluster", "rightsize-backtest", str(CAPTURE), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["runs"] == 48 and out["would_fail"] == 2 and out["out_of_memory"] == 2
    assert out["freed_gb_h_share"] > 0.5 and len(out["jobs"]) == 48
    assert main(["cluster", "rightsize-backtest", str(CAPTURE), "--min-runs", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["would_fail"] == 0


def test_the_command_refuses_a_missing_dump_in_one_line(capsys, tmp_path):
    from asba.cli.main import main

    assert main(["cluster", "rightsize-backtest", str(tmp_path / "none.psv")]) != 0
    err = capsys.readouterr().err
    assert "ASBA-BACKTEST-001" in err and "Traceback" not in err
