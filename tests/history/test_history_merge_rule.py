"""Merge, never regress (issue 22 items 1-3): a stored value is replaced only by one at least as new and as
complete, whatever order dumps of the same jobs are imported in. The dumps are the real test-cluster capture
(sacct --format=ALL) and what sacct prints for the same jobs without step rows (-X, or steps purged) and
while they were still running."""

from __future__ import annotations

import tempfile
from pathlib import Path

from asba.history.store import HistoryStore
from asba.history.upsert import STEP_DERIVED
from history_paths import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ALL = SAMPLES / "sacct_parsable2_ALL.psv"
HEADER = ALL.read_text().splitlines()[0].split("|")


def _records() -> list[str]:
    """The dump's records (one job 12 field holds a newline: its record spans two lines)."""
    records: list[str] = []
    for line in ALL.read_text().splitlines():
        if records and records[-1].count("|") < len(HEADER) - 1:
            records[-1] += "\n" + line
        elif line.strip():
            records.append(line)
    return records


LINES = _records()
COL = {name: HEADER.index(name) for name in ("JobID", "State", "End", "TotalCPU", "MaxRSS", "Elapsed",
                                             "ElapsedRaw", "TRESUsageInTot")}
USAGE = ("total_cpu_s", "max_memory_used_mb", "memory_efficiency", "cpu_efficiency", "seff_cpu_s", "steps",
         "end_ts", "state", "memory_source")


def _jobs_only() -> str:
    """The same jobs as `sacct -X` (or after PurgeStepAfter) prints them: job rows only."""
    return "\n".join(line for line in LINES if "." not in line.split("|")[COL["JobID"]]) + "\n"


def _running(keep_steps: bool) -> str:
    """The same jobs seen earlier, while running: no End, no TotalCPU or MaxRSS yet, half the elapsed time."""
    out = [LINES[0]]
    for line in LINES[1:]:
        fields = line.split("|")
        if "." in fields[COL["JobID"]]:
            if not keep_steps:
                continue
            fields[COL["MaxRSS"]] = fields[COL["TRESUsageInTot"]] = fields[COL["TotalCPU"]] = ""
        fields[COL["State"]] = "RUNNING"
        fields[COL["End"]] = "Unknown"
        fields[COL["TotalCPU"]] = ""
        raw = fields[COL["ElapsedRaw"]]
        fields[COL["ElapsedRaw"]] = str(int(raw) // 2) if raw.isdigit() else raw
        fields[COL["Elapsed"]] = ""
        out.append("|".join(fields))
    return "\n".join(out) + "\n"


DUMPS = {"full": "\n".join(LINES) + "\n", "jobs_only": _jobs_only(), "running": _running(True),
         "running_jobs_only": _running(False)}


def _usage(store: HistoryStore) -> dict[str, tuple]:
    return {r.job_id: tuple(getattr(r, name) for name in USAGE) for r in store.jobs()}


def _write(folder: Path, name: str) -> Path:
    path = folder / f"{name}.psv"
    path.write_text(DUMPS[name])
    return path


def test_a_jobs_only_dump_keeps_peak_memory_and_efficiency(store, tmp_path):
    store.import_file(ALL)
    before = _usage(store)
    with_memory = [job for job, usage in before.items() if usage[1] is not None]
    assert with_memory  # the capture has measured peaks
    report = store.import_file(_write(tmp_path, "jobs_only"))
    assert _usage(store) == before
    assert (report.new, report.improved, report.refused_older) == (0, 0, 0)
    assert report.unchanged == len(before)


def test_an_older_dump_is_refused_and_named(store, tmp_path):
    store.import_file(ALL)
    before = _usage(store)
    report = store.import_file(_write(tmp_path, "running"))
    assert _usage(store) == before
    assert all(usage[7] != "RUNNING" for usage in before.values())
    assert report.refused_older == len(before) and report.improved == 0
    assert report.counts.refused_ids[:3] == ["1", "2", "3"]


def test_a_newer_dump_improves_an_older_one_and_names_the_jobs(store, tmp_path):
    store.import_file(_write(tmp_path, "running_jobs_only"))
    report = store.import_file(ALL)
    assert report.improved == len(_usage(store)) and report.refused_older == 0
    assert len(report.counts.improved_ids) == 10
    fresh = tmp_path / "fresh.db"
    with HistoryStore.open(fresh) as other:
        other.import_file(ALL)
        assert _usage(store) == _usage(other)


def test_the_cli_report_counts_and_names_the_outcomes(tmp_path, monkeypatch, capsys):
    from asba.cli.main import main

    monkeypatch.setenv("ASBA_HOME", str(tmp_path / "home"))
    assert main(["history", "import", str(ALL)]) == 0
    assert main(["history", "import", str(_write(tmp_path, "running"))]) == 0
    out = capsys.readouterr().out
    assert "0 improved" in out and "20 refused as older" in out
    assert "jobs refused as older: 1, 2, 3" in out and "..." in out


def test_every_stored_column_has_the_rule(store):
    """Columns other branches add to JobRecord get 'a missing value never erases a present one' unchanged."""
    from asba.history.record import COLUMNS
    from asba.history.upsert import UPDATED, upsert_from

    sql = upsert_from("x")
    assert set(UPDATED) | {"cluster", "job_id", "script_hash"} == set(COLUMNS)
    assert all(f"{c} = CASE" in sql for c in UPDATED)
    assert STEP_DERIVED <= set(COLUMNS)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.lists(st.sampled_from(sorted(DUMPS)), min_size=1, max_size=5).flatmap(
    lambda rest: st.permutations(["full", *rest])))
def test_any_import_order_keeps_the_most_complete_figures(order):
    """For any dumps of the same jobs, in any order: every usage figure is the full capture's (the most
    complete one seen) and no final state goes back."""
    with tempfile.TemporaryDirectory() as folder:
        with HistoryStore.open(Path(folder) / "ref.db") as reference:
            reference.import_file(ALL)
            expected = _usage(reference)
        with HistoryStore.open(Path(folder) / "jobs.db") as store:
            for name in order:
                store.import_file(_write(Path(folder), name))
                if name == "full":
                    finals = {job: usage[7] for job, usage in _usage(store).items()}
            assert _usage(store) == expected
            assert {job: usage[7] for job, usage in _usage(store).items()} == finals


def _snapshot(folder: Path, text: str) -> Path:
    """A --cluster-snapshot answer for sync's sacct call."""
    folder.mkdir()
    (folder / "sacct_sync.out").write_text(text)
    return folder


def test_sync_after_sacct_purged_the_step_rows_keeps_the_measured_figures(store, tmp_path):
    """PurgeStepAfter shorter than PurgeJobAfter: a later sync sees the same jobs without their step rows
    (a real sync capture from the test cluster, its step rows removed)."""
    from asba.inputs.slurm import SlurmRunner
    from history_paths import FIXTURES

    text = (FIXTURES / "live" / "sacct_ended_sync.out").read_text()
    purged = "\n".join(line for line in text.splitlines() if "." not in line.split("\x1f")[1]) + "\n"
    store.sync(SlurmRunner(snapshot_dir=_snapshot(tmp_path / "a", text)), days=3650)
    before = _usage(store)
    assert sum(usage[5] > 0 for usage in before.values()) >= 4  # jobs measured by their steps
    report = store.sync(SlurmRunner(snapshot_dir=_snapshot(tmp_path / "b", purged)), days=3650)
    assert _usage(store) == before
    assert report.improved == 0 and report.unchanged == len(before)


def test_a_50_mb_job_name_is_cut_with_a_note_and_the_history_stays_small(store, tmp_path, capsys):
    from asba.history.merge import FIELD_CAP

    lines = (SAMPLES / "sacct_parsable2_header.psv").read_text().splitlines()
    fields = lines[1].split("|")
    fields[1] = "n" * 50_000_000
    lines[1] = "|".join(fields)
    (tmp_path / "huge.psv").write_text("\n".join(lines) + "\n")
    report = store.import_file(tmp_path / "huge.psv")
    assert report.cut_jobs == 1 and report.malformed == []
    [job] = store.jobs(job_id="1")
    assert len(job.job_name) <= FIELD_CAP and "[... cut ...]" in job.job_name
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert (tmp_path / "jobs.db").stat().st_size < 2_000_000  # was 350 MB
