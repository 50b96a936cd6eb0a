"""A big history stays fast: the summaries kept on import give exactly what going over every job gives, on
every fixture; they follow later imports, updates and renames; explain's queries go through indexes."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asba.cli.main import main
from asba.cli.output import print_json_list, to_json
from asba.history import script_summary
from asba.history.patterns import all_patterns, scan_patterns, user_runtime_limit_ratio
from asba.history.schema import SCHEMA_VERSION
from asba.history.store import HistoryStore, JobQuery, connect
from asba.history.wastes import FIELDS, WasteTally
from history_paths import FIXTURES, REPORTSEFF, SAMPLES, SLURM2SQL
from reference_history import (
    reference_aws_spend,
    reference_runtime_ratio,
    reference_totals,
    reference_waste_rows,
)

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))
from history_dump import write_dump  # noqa: E402


def _reportseff() -> list[tuple[Path, dict]]:
    with (REPORTSEFF / "FIXTURES.tsv").open() as handle:
        return [(REPORTSEFF / f["file"], {"delimiter": f["delimiter"], "fields": f["sacct_format"].split(",")})
                for f in csv.DictReader(handle, delimiter="\t")]


def _has_header(path: Path) -> bool:
    with path.open() as handle:
        return "JobID" in handle.readline().split("|")


def _dumps() -> list[tuple[Path, dict]]:
    """Every sacct dump the tests hold (each as it is imported elsewhere)."""
    header = (SAMPLES / "sacct_parsable2_header.psv").read_text().splitlines()[0].split("|")
    found = [(path, {} if _has_header(path) else {"fields": header}) for path in sorted(SAMPLES.glob("*.psv"))]
    found += [(path, {}) for path in sorted((FIXTURES / "live").glob("*.out"))]
    found += [(path, {}) for path in sorted(SLURM2SQL.glob("*.csv"))]
    found += [(path, {}) for path in sorted((REPO / "examples" / "history").glob("*.psv"))]
    found += [(path, {}) for path in sorted((REPO / "tests" / "fixtures" / "advisor").glob("*.psv"))]
    return found + _reportseff()


def _as_computed(store: HistoryStore) -> tuple[str, str]:
    """What both commands printed before the summaries: patterns and wastes from every job."""
    patterns = to_json([p.as_dict() for p in scan_patterns(store)])
    records = store.jobs()
    return patterns, to_json({"totals": reference_totals(records), "by_script": reference_waste_rows(records)})


def _from_summaries(store: HistoryStore) -> tuple[str, str]:
    assert script_summary.ready(store.conn)
    tally = script_summary.cached_wastes(store.conn)
    return (to_json([p.as_dict() for p in all_patterns(store)]),
            to_json({"totals": tally.totals(), "by_script": tally.rows()}))


def _cli(db: Path, *argv: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main([*argv, "--db", str(db)]) == 0
    return out.getvalue()


@pytest.mark.parametrize(("dump", "options"), _dumps(), ids=lambda v: v.name if isinstance(v, Path) else "")
def test_summaries_give_exactly_what_every_job_gives(store, dump, options):
    store.import_file(dump, **options)
    assert _from_summaries(store) == _as_computed(store)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated history of 3,000 jobs over 2,000 script names (benchmarks/history_dump.py)."""
    path = tmp_path_factory.mktemp("generated") / "dump.psv"
    write_dump(path, 0, max_jobs=3000)
    return path


def test_every_fixture_in_one_history_and_a_generated_one(store, generated):
    for dump, options in _dumps():
        store.import_file(dump, **options)
    store.import_file(generated)
    patterns, wastes = _as_computed(store)
    assert _from_summaries(store) == (patterns, wastes)
    assert _without_class(_cli(store.path, "history", "--patterns", "--json")) == patterns + "\n"
    efficiency = json.loads(_cli(store.path, "insights", "--efficiency", "--json"))
    assert efficiency.pop("gpu_alert")["count"] == 0  # jobstats' under-15 % GPU list: none of these jobs
    assert efficiency == json.loads(wastes)


def _without_class(printed: str) -> str:
    """The CLI adds each pattern's workload class (asba.history.workload_class); the pattern fields are compared."""
    import json

    return to_json([{k: v for k, v in p.items() if k != "workload"} for p in json.loads(printed)]) + "\n"


def test_filtered_efficiency_streams_the_same_figures(store, generated):
    store.import_file(generated)
    for user in ("user3", "user17"):
        records = store.jobs(user=user)
        tally = WasteTally().add_all(store.iter_rows(FIELDS, user=user))
        assert (tally.totals(), tally.rows()) == (reference_totals(records), reference_waste_rows(records))
        assert user_runtime_limit_ratio(store, user=user) == reference_runtime_ratio(store.conn, user)


def test_streamed_json_is_the_json_of_the_whole_list():
    for items in ([], [{"a": [1, 2], "b": {"c": "x\ny"}}], [{"a": 1}, {"b": []}, [{"d": None}]]):
        out = io.StringIO()
        with redirect_stdout(out):
            print_json_list(iter(items))
        assert out.getvalue() == to_json(items) + "\n"


def test_a_later_import_updates_only_what_it_touched(store, tmp_path):
    lines = (SAMPLES / "sacct_parsable2_header.psv").read_text().splitlines()
    running = [line.replace("|TIMEOUT|", "|RUNNING|") if line.startswith("5|") else line for line in lines]
    (tmp_path / "early.psv").write_text("\n".join(running) + "\n")
    store.import_file(tmp_path / "early.psv")
    early = _from_summaries(store)
    assert early == _as_computed(store)
    store.import_file(SAMPLES / "sacct_parsable2_header.psv")  # job 5 ended: its script's figures change
    assert _from_summaries(store) == _as_computed(store) != early
    assert store.conn.execute("SELECT count(*) FROM script_dirty").fetchone()[0] == 0
    store.import_file(SAMPLES / "sacct_parsable2_header.psv")  # nothing changed: nothing to compute
    assert store.conn.execute("SELECT count(*) FROM script_dirty").fetchone()[0] == 0


def test_a_renamed_job_leaves_its_old_scripts_pattern(store, tmp_path):
    store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
    before = {p.script for p in all_patterns(store)}
    assert "queued_work.sbatch" in before
    store.conn.execute("UPDATE jobs SET script_name = 'renamed.sbatch' WHERE script_name = 'queued_work.sbatch'")
    store.conn.execute("UPDATE history_meta SET value = value + 1 WHERE key = 'jobs_generation'")
    store.conn.execute("INSERT OR IGNORE INTO script_dirty VALUES ('renamed.sbatch')")
    assert not script_summary.ready(store.conn)  # a read never writes: it goes over the jobs itself
    renamed = before - {"queued_work.sbatch"} | {"renamed.sbatch"}
    assert {p.script for p in all_patterns(store)} == renamed
    store.refresh_summaries()  # what the next import or sync does
    assert _from_summaries(store) == _as_computed(store)
    assert {p.script for p in all_patterns(store)} == renamed


def test_tracked_jobs_are_grouped_by_hash_from_the_jobs(cluster_store):
    for job in ("14", "16"):
        cluster_store.record_submission("queued_work.sbatch", "cafe", job)
    assert not script_summary.ready(cluster_store.conn)
    hashed = [p for p in all_patterns(cluster_store) if p.script_hash == "cafe"]
    assert [p.job_ids for p in hashed] == [["14", "16"]]


def test_a_read_only_history_is_computed_from_the_jobs(tmp_path):
    db = tmp_path / "jobs.db"
    with HistoryStore.open(db) as store:
        store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
        store.conn.execute("INSERT OR IGNORE INTO script_dirty VALUES ('queued_work.sbatch')")
        expected = _as_computed(store)[0]
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    uri = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    reader = HistoryStore(uri, db)
    assert not script_summary.ready(uri)
    assert to_json([p.as_dict() for p in all_patterns(reader)]) == expected


def test_the_runtime_ratio_summary_follows_the_history(store, generated):
    store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
    assert user_runtime_limit_ratio(store) == reference_runtime_ratio(store.conn)
    store.import_file(generated)
    stored = store.conn.execute("SELECT generation FROM summaries").fetchone()[0]
    assert user_runtime_limit_ratio(store) == reference_runtime_ratio(store.conn)
    assert stored == store.conn.execute("SELECT value FROM history_meta WHERE key = 'jobs_generation'").fetchone()[0]


def test_a_schema_2_history_is_upgraded_in_place_with_its_summaries(store, tmp_path, generated):
    store.import_file(generated)
    before = store.conn.execute("SELECT * FROM jobs ORDER BY job_id").fetchall()
    expected = _as_computed(store)
    for index in ("jobs_base", "jobs_alias", "jobs_waits", "jobs_aws", "submissions_name"):
        store.conn.execute(f"DROP INDEX {index}")
    for table in ("history_meta", "summaries", "script_summary", "script_dirty"):
        store.conn.execute(f"DROP TABLE {table}")
    store.conn.execute("DROP TRIGGER jobs_renamed")
    store.conn.execute("PRAGMA user_version=2")
    store.close()
    with HistoryStore.open(tmp_path / "jobs.db") as upgraded:
        assert upgraded.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert upgraded.conn.execute("SELECT * FROM jobs ORDER BY job_id").fetchall() == before
        assert _from_summaries(upgraded) == expected


def _plan(conn: sqlite3.Connection, sql: str, params) -> str:
    return " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_what_explain_reads_is_found_through_indexes(cluster_store):
    """No full pass over jobs (SCAN) for a script's runs by name or hash, similar jobs' waits, AWS spend."""
    conn = cluster_store.conn
    for query in (JobQuery(script_name="queued_work.sbatch"), JobQuery(script_hash="cafe")):
        plan = _plan(conn, query.sql(), query.params)
        assert "SCAN" not in plan, plan
    waits = ("SELECT queue_wait_s FROM jobs WHERE partition = ? AND alloc_cpus BETWEEN ? AND ? "
             "AND queue_wait_s IS NOT NULL AND submit_ts >= ? ORDER BY submit_ts")
    assert "jobs_waits" in _plan(conn, waits, ["cpu", 1, 4, 0])
    from asba.decide import history_view

    spend = []
    conn.set_trace_callback(spend.append)
    history_view.aws_spend(cluster_store, {}, None, datetime(2026, 11, 28, tzinfo=UTC))
    conn.set_trace_callback(None)
    assert "jobs_aws" in _plan(conn, spend[-1].replace("?", "0"), [])


def test_aws_spend_is_what_summing_every_job_gave(monkeypatch, tmp_path):
    monkeypatch.setenv("ASBA_NOW", "2026-11-28T18:00:00Z")
    monkeypatch.setenv("ASBA_HOME", str(tmp_path))
    from asba.decide import history_view
    from asba.decide.context import Options, load_context

    options = Options(script=REPO / "examples" / "overalloc.sbatch", burst_partition="cpu-aws",
                      cluster_snapshot=REPO / "knowledge" / "cluster-snapshot", record=False,
                      history_dump=REPO / "tests" / "fixtures" / "advisor" / "overalloc_aws_spend.sacct.psv")
    ctx = load_context(options)
    spent, _ = history_view.aws_spend(ctx.store, ctx.bursts, ctx.catalog, ctx.now)
    assert spent > 0
    assert spent == pytest.approx(reference_aws_spend(ctx.store, ctx.bursts, ctx.catalog, ctx.now), rel=1e-12)


def test_opening_a_history_twice_does_not_recompute(tmp_path):
    db = tmp_path / "jobs.db"
    with HistoryStore.open(db) as store:
        store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
    conn = connect(db)
    assert conn.execute("SELECT count(*) FROM script_dirty").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM script_summary").fetchone()[0] > 0


def test_a_job_renamed_by_a_later_import_is_counted_once_and_moves_pattern(store, tmp_path):
    """Jobs first seen running under another script name, then finished: each is one update (the trigger
    that notes the old name is not counted), and the patterns follow the new name."""
    text = (SAMPLES / "sacct_parsable2_ALL.psv").read_text()
    early = text.replace("queued_work.sbatch", "early_name.sbatch").replace("|COMPLETED|", "|RUNNING|")
    (tmp_path / "early.psv").write_text(early)
    store.import_file(tmp_path / "early.psv")
    running = sum(1 for r in store.jobs() if r.state == "RUNNING")
    assert "early_name.sbatch" in {r.script_name for r in store.jobs()}
    report = store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
    assert running >= 2 and (report.new, report.improved) == (0, running)
    assert _from_summaries(store) == _as_computed(store)
    names = {p.script for p in all_patterns(store)}
    assert "queued_work.sbatch" in names and "early_name.sbatch" not in names
