"""The commands a user runs: asba history / history import / insights."""

from __future__ import annotations

import json

from asba.cli.main import main
from history_paths import SAMPLES

ROADMAP_NAMES = {"job_id", "user", "partition", "requested_cpus", "requested_memory_mb", "cpu_efficiency",
                 "memory_efficiency", "max_memory_used_mb", "effective_cpus", "exit_code", "state", "elapsed_s",
                 "time_limit_s", "queue_wait_s", "script_hash", "execution_platform", "start_time", "end_time"}


def _import(capsys, path=SAMPLES / "sacct_parsable2_ALL.psv", *extra):
    code = main(["history", "import", str(path), *extra])
    return code, capsys.readouterr()


def test_history_json_uses_the_roadmap_names(asba_home, capsys):
    assert _import(capsys)[0] == 0
    assert main(["history", "--json"]) == 0
    jobs = json.loads(capsys.readouterr().out)
    assert len(jobs) == 20 and ROADMAP_NAMES <= set(jobs[0])
    oom = next(j for j in jobs if j["job_id"] == "4")
    assert (oom["state"], oom["exit_code"], oom["memory_efficiency"]) == ("OUT_OF_MEMORY", 0, 33.25)


def test_history_table_and_insights_block(asba_home, capsys):
    _import(capsys)
    assert main(["history", "--script", "queued_work.sbatch"]) == 0
    out = capsys.readouterr().out
    assert "PERSONAL HISTORY INSIGHTS" in out and "You've run queued_work.sbatch 4 times before" in out
    assert "Memory over-allocation" in out


def test_import_reports_malformed_lines_and_keeps_the_rest(asba_home, capsys, tmp_path):
    lines = (SAMPLES / "sacct_parsable2_header.psv").read_text().splitlines()
    lines.insert(3, "a|broken|line")
    (tmp_path / "dump.psv").write_text("\n".join(lines) + "\n")
    code, out = _import(capsys, tmp_path / "dump.psv", "--json")
    report = json.loads(out.out)
    assert code == 0 and report["jobs"] == 20
    assert report["malformed"] == [{"line": 4, "reason": "3 fields, expected 19"}]


def test_patterns_json(asba_home, capsys):
    _import(capsys)
    assert main(["history", "--patterns", "--json"]) == 0
    assert {p["script"] for p in json.loads(capsys.readouterr().out)} == {"array.sbatch", "queued_work.sbatch"}


def test_insights_for_one_job_draws_bars(asba_home, capsys):
    _import(capsys)
    assert main(["insights", "--job-id", "3"]) == 0
    out = capsys.readouterr().out
    assert "Memory [" in out and "50.4% of 1 GiB" in out and "516 MiB peak" in out


def test_insights_efficiency_lists_biggest_waste_first(asba_home, capsys):
    _import(capsys)
    assert main(["insights", "--efficiency", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["by_script"]
    wasted = [r["wasted_core_h"] for r in rows]
    assert wasted == sorted(wasted, reverse=True) and rows[0]["script"] == "timeout.sbatch"


def test_unknown_job_is_one_line_and_exit_2(asba_home, capsys):
    _import(capsys)
    assert main(["insights", "--job-id", "999999"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "job 999999 is not in the history" in err


def test_corrupt_database_is_one_line_and_exit_1(asba_home, capsys):
    asba_home.mkdir(parents=True)
    (asba_home / "jobs.db").write_text("not sqlite")
    assert main(["history"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "jobs.db" in err
    assert (asba_home / "jobs.db").read_text() == "not sqlite"


def test_missing_dump_and_bad_days(asba_home, capsys, tmp_path):
    assert main(["history", "import", str(tmp_path / "nope.psv")]) == 2
    assert main(["history", "--days", "-3"]) == 2
    assert "--days -3" in capsys.readouterr().err


def test_sync_without_sacct_is_one_line(asba_home, capsys, tmp_path):
    assert main(["history", "sync", "--cluster-snapshot", str(tmp_path)]) == 1
    assert "snapshot has no sacct_sync.out" in capsys.readouterr().err


def test_config_names_the_database_and_the_burst_partitions(asba_home, capsys, tmp_path):
    """history.db moves the database; a burst partition from the config makes its jobs platform aws."""
    asba_home.mkdir(parents=True)
    db = tmp_path / "elsewhere" / "history.db"
    (asba_home / "config.yaml").write_text(
        f"history:\n  db: {db}\nburst_partitions:\n  highmem:\n    instance_types: [r6i.4xlarge]\n")
    assert _import(capsys)[0] == 0
    assert db.is_file() and not (asba_home / "jobs.db").exists()
    assert main(["history", "--json"]) == 0
    platforms = {j["job_id"]: j["execution_platform"] for j in json.loads(capsys.readouterr().out)}
    assert platforms["3"] == "aws"      # highmem, named in the config
    assert platforms["11"] == "aws"     # cpu-aws, by its name
    assert platforms["2"] == "local"
