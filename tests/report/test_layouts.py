"""The conclusion first, then the evidence, in 80 columns (issue 27): explain, cluster, facts, history."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from asba.cli.main import main

REPO = Path(__file__).resolve().parents[2]
LOADED = REPO / "tests" / "fixtures" / "cluster" / "loaded"  # a capture of the test cluster under load
SACCT = REPO / "tests" / "fixtures" / "history" / "samples" / "sacct_parsable2_ALL.psv"


@pytest.fixture
def narrow(monkeypatch, asba_home):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("ASBA_NOW", "2026-11-28T18:00:00Z")
    monkeypatch.chdir(REPO)


def _out(capsys, *argv) -> str:
    assert main([str(a) for a in argv]) == 0
    return capsys.readouterr().out


def test_explain_answers_first_and_its_data_lines_are_short(narrow, capsys):
    out = _out(capsys, "explain", "examples/overalloc.sbatch", "cpu-aws", "--cluster-snapshot",
               "knowledge/cluster-snapshot", "--no-log", "--brief")
    lines = out.splitlines()
    assert lines[0].startswith("RECOMMENDATION: run on AWS") and lines[1].startswith("Why: AWS gives the result")
    head = out.split("CURRENT ANALYSIS")[0]
    assert "Data used (in full: --json):" in head
    assert all(len(line) <= 80 for line in head.splitlines()), head
    assert "cluster: saved snapshot knowledge/cluster-snapshot (2 gaps)" in head
    assert "site-packages" not in head and "(gaps:" not in head


def test_cluster_names_its_source_once_and_reads_no_limit_as_unlimited(narrow, capsys):
    out = _out(capsys, "cluster", "--cluster-snapshot", LOADED, "-p", "cpu")
    assert out.count(str(LOADED)) <= 2  # the header and the note, never each fact line
    assert re.search(r"^  cpu: UP, \d+ of \d+ CPUs idle", out, re.M)  # the conclusion before the facts
    assert re.search(r"cluster\.partition\.max_nodes\s+UNLIMITED", out)
    assert not re.search(r"max_nodes\s+0\b", out)


def test_facts_says_what_the_script_asks_for_then_keeps_words_whole(narrow, capsys):
    out = _out(capsys, "facts", "examples/overalloc.sbatch")
    assert out.splitlines()[0] == ("examples/overalloc.sbatch asks for 1 node, 64 CPUs, 256 GiB/node, 6h 00m limit "
                                   "on partition cpu")
    assert "line 7 --mem=256G" in out and "overalloc.sbatch:" not in out


def test_history_is_bounded_and_says_what_it_left_out(narrow, capsys):
    _out(capsys, "history", "import", SACCT)
    out = _out(capsys, "history", "--limit", "5")
    lines = out.splitlines()
    assert lines[0].startswith("Totals: 20 jobs")  # every job, though only 5 are listed
    assert "5 of 20 jobs, by newest" in out and "… and 15 more jobs: --all" in out
    assert len([ln for ln in lines if re.match(r"^ \d", ln)]) == 5
    every = _out(capsys, "history", "--all", "--sort", "submit")
    assert "20 jobs, by submit" in every and "more jobs" not in every


def test_history_json_is_bounded_too_and_sorts(narrow, capsys):
    import json

    _out(capsys, "history", "import", SACCT)
    assert main(["history", "--json", "--limit", "3", "--sort", "wait"]) == 0
    captured = capsys.readouterr()
    jobs = json.loads(captured.out)
    waits = [j["queue_wait_s"] for j in jobs]
    assert len(jobs) == 3 and waits == sorted(waits, reverse=True)
    assert "… and 17 more jobs" in captured.err


def test_limit_must_be_positive(narrow, capsys):
    assert main(["history", "--limit", "0"]) == 2
    assert "ASBA-HIST-025" in capsys.readouterr().err


def test_config_check_takes_json(narrow, capsys):
    import json

    assert json.loads(_out(capsys, "config", "check", "--json")) == {"ok": True, "files": []}




def test_listing_totals_from_the_kept_sums_equal_a_pass_over_the_jobs(narrow, capsys):
    from asba.history import listing
    from asba.history.store import HistoryStore, JobQuery
    from asba.history.views import totals

    _out(capsys, "history", "import", SACCT)
    with HistoryStore.open(None) as store:
        every = store.jobs()
        kept = listing._whole_history_totals(store.conn, JobQuery())
        summed = listing._totals(store.conn, JobQuery(), store.path)
        filtered = listing.listing(store, JobQuery(user="nobody"), 5)
    assert kept is not None and kept == summed == totals(every)
    assert filtered.matched == 0 and filtered.records == []


def test_insights_sorts_and_is_bounded(narrow, capsys):
    import json

    _out(capsys, "history", "import", SACCT)
    rows = json.loads(_out(capsys, "insights", "--json", "--sort", "cpu-eff"))["by_script"]
    effs = [r["cpu_efficiency"] for r in rows if r["cpu_efficiency"] is not None]
    assert effs == sorted(effs)
    out = _out(capsys, "insights", "--limit", "3")
    assert "… and 9 more scripts: --all" in out
    assert "By script below: the 18 jobs with a runtime and CPUs; 2 without either" in out  # why 20 != 18


def _section(out: str, title: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index(title)
    end = next((i for i in range(start + 2, len(lines)) if lines[i] and lines[i] == lines[i].upper()
                and not lines[i].startswith(" ")), len(lines))
    return lines[start:end]


def test_explain_option_tables_fit_80_columns_with_every_number_whole(narrow, capsys):
    out = _out(capsys, "explain", "examples/overalloc.sbatch", "cpu-aws", "--optimize", "--with-history",
               "--recommend-instance", "--cluster-snapshot", "knowledge/cluster-snapshot", "--no-log")
    considered, instances = _section(out, "CONSIDERED RESOURCES"), _section(out, "INSTANCE TYPE ANALYSIS")
    assert max(map(len, considered + instances)) <= 80
    rows = [i for i, line in enumerate(considered) if re.match(r"  (=>|  )(cpu|cpu-aws) ", line)]
    money, time = r"\$[\d,]+\.\d\d", r"\d+h \d\dm"
    assert len(rows) >= 5 and all(re.search(rf" +1 (local|on-demand|spot) +{money} +{time} +{time} +\S+$",
                                            considered[i]) for i in rows), considered
    reasons = [considered[i + 1] for i in rows if not considered[i].startswith("  =>")]
    assert reasons and all(line.startswith("      ") and line.strip() for line in reasons)  # why, on its own line
    row = next(line for line in instances if line.lstrip().startswith("r6g.16xlarge "))
    assert re.search(rf"x1 +64 +512 GiB +{money}/h +{money}/h +{money}$", row), row
    assert "memory, arm64; -20% vs current; not in the burst partition" in instances[instances.index(row) + 1]
