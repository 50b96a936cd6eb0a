"""sacct's formats and the step-row merge, on real captured output."""

from __future__ import annotations

import csv

import pytest
from asba.inputs import sacct_formats as fmt
from asba.inputs.slurm_formats import parse_duration_s, parse_size_mb
from history_paths import REPORTSEFF, SAMPLES, SLURM2SQL


@pytest.mark.parametrize(("text", "seconds"), [
    ("00:19.623", 19.623), ("00:00:40", 40), ("01:27:29", 5249), ("6-23:59:00", 604740),
    ("451-06:00:24", 451 * 86400 + 6 * 3600 + 24), ("", None), ("UNLIMITED", None), ("Partition_Limit", None),
])
def test_durations(text, seconds):
    assert fmt.duration_s(text) == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize(("text", "mb"), [
    ("516.31M", 516.31), ("140K", 140 / 1024), ("1764224K", 1764224 / 1024), ("2G", 2048), ("0", 0.0),
    ("", None), ("0.14M", 0.14),
])
def test_memory(text, mb):
    assert fmt.memory_mb(text) == (pytest.approx(mb) if mb is not None else None)


@pytest.mark.parametrize(("text", "expected"), [
    ("1Gn", (1024.0, "n")), ("4000Mc", (4000.0, "c")), ("0n", (0.0, "n")), ("20000Mn", (20000.0, "n")),
    ("1024M", (1024.0, "")), ("312.50G", (320000.0, "")), ("", (None, "")),
])
def test_reqmem_scope(text, expected):
    assert fmt.req_mem(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("0:0", (0, 0)), ("3:0", (3, 0)), ("0:125", (0, 125)),
                                                ("0:15", (0, 15)), ("", (None, None))])
def test_exit_codes_are_code_and_signal(text, expected):
    assert fmt.exit_code(text) == expected


def test_states_and_times():
    assert fmt.state("CANCELLED by 0") == ("CANCELLED", 0)
    assert fmt.state("CANCELLED by 129319") == ("CANCELLED", 129319)
    assert fmt.state("OUT_OF_MEMORY") == ("OUT_OF_MEMORY", None)
    assert fmt.timestamp("None") is None and fmt.timestamp("Unknown") is None
    assert fmt.iso(fmt.timestamp("2026-11-28T17:20:56")) == "2026-11-28T17:20:56"


def _fixture_values(column_names: set[str]):
    from asba.inputs.sacct import SacctStream

    for name in ("sacct_parsable2_header.psv", "sacct_parsable2_ALL.psv"):
        with (SAMPLES / name).open() as handle:
            stream = SacctStream(handle, name)
            for _, parts in stream.rows():
                assert stream.columns is not None
                for column in column_names:
                    pos = stream.columns.pos(column)
                    if pos >= 0 and parts[pos]:
                        yield column, parts[pos]


def test_durations_agree_with_slurm_formats_on_every_captured_value():
    """asba.inputs.slurm_formats (the shared parser) and the fast sacct path give the same seconds."""
    values = list(_fixture_values({"TotalCPU", "Elapsed", "CPUTime", "Timelimit", "UserCPU", "SystemCPU"}))
    assert len(values) > 100
    for _, text in values:
        assert fmt.duration_s(text) == pytest.approx(parse_duration_s(text))


def test_memory_agrees_with_slurm_formats_on_every_captured_value():
    values = [v for _, v in _fixture_values({"MaxRSS", "AveRSS", "MaxVMSize"}) if v[-1] in "KMG"]
    assert len(values) > 40
    for text in values:
        assert fmt.memory_mb(text) == pytest.approx(parse_size_mb(text))


def test_every_state_of_the_real_cluster(cluster_store):
    by_name = {r.job_name: r for r in cluster_store.jobs()}
    oom, timeout, failed, cancelled = (by_name[n] for n in ("mem_exceed", "timeout", "fail_exit3", "to_cancel"))
    assert (oom.state, oom.exit_code, oom.exit_signal, oom.failure_kind) == ("OUT_OF_MEMORY", 0, 125, "oom")
    assert (timeout.state, timeout.failure_kind, timeout.elapsed_s) == ("TIMEOUT", "timeout", 87)
    assert timeout.time_efficiency > 100  # 1:27 against a 1:00 limit
    assert (failed.state, failed.exit_code, failed.failure_kind) == ("FAILED", 3, "failed")
    assert (cancelled.state, cancelled.cancelled_by) == ("CANCELLED", 0)
    assert by_name["cpu_burn"].succeeded


def test_array_tasks_and_steps_are_merged(cluster_store):
    tasks = [r for r in cluster_store.jobs() if r.base_id == "7"]
    assert sorted(t.job_id for t in tasks) == ["7_1", "7_2", "7_3", "7_4"]
    assert all(t.steps == 2 for t in tasks)  # .batch and .extern
    [multinode] = cluster_store.jobs(job_id="11")
    assert (multinode.steps, multinode.nodes, multinode.execution_platform) == (4, 2, "aws")


def test_a_field_with_a_newline_does_not_split_the_row(store):
    """In --format=ALL the SubmitLine of `srun python3 -c "..."` spans lines; the row is joined again."""
    report = store.import_file(SAMPLES / "sacct_parsable2_ALL.psv")
    assert report.malformed == [] and report.jobs == 20
    [multinode] = store.jobs(job_id="11")
    assert multinode.script_name == "multinode.sbatch"


def test_job_that_never_started(store):
    fields = ("JobID,JobName,User,Partition,ReqCPUS,ReqMem,AllocTRES,TotalCPU,CPUTime,MaxRSS,Elapsed,Timelimit,"
              "State,ExitCode,Submit,Start,End,NNodes,NCPUS").split(",")
    report = store.import_file(SAMPLES / "sacct_parsable2_with_never_started.psv", fields=fields)
    assert report.malformed == []
    [never] = store.jobs(job_id="9")
    assert never.start_ts is None and never.queue_wait_s is None
    assert never.cpu_efficiency is None and never.memory_efficiency is None
    assert never.state == "CANCELLED" and never.requested_memory_mb == 100


def _reportseff_fixtures():
    with (REPORTSEFF / "FIXTURES.tsv").open() as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.mark.parametrize("fixture", _reportseff_fixtures(), ids=lambda f: f["file"])
def test_every_reportseff_fixture_loads(store, fixture):
    report = store.import_file(REPORTSEFF / fixture["file"], delimiter=fixture["delimiter"],
                               fields=fixture["sacct_format"].split(","))
    assert report.rows == int(fixture["rows"])
    assert report.jobs >= 1 and report.orphan_steps == 0


@pytest.mark.parametrize(("name", "job", "cpu", "mem", "time"), [
    # expected values asserted by reportseff's own tests (tests/test_reportseff.py)
    ("conftest__console_jobs__24418435.txt", "24418435", 99.8, 47.6, 48.7),
    ("conftest__console_jobs__25569410_notime.txt", "25569410", 91.7, 1.5, None),
    ("conftest__console_jobs__23000233.txt", "23000233", None, None, 0.0),
])
def test_reportseff_expected_values(store, name, job, cpu, mem, time):
    [fixture] = [f for f in _reportseff_fixtures() if f["file"] == name]
    store.import_file(REPORTSEFF / name, delimiter="^|^", fields=fixture["sacct_format"].split(","))
    [record] = store.jobs(job_id=job)
    for value, expected in ((record.cpu_efficiency, cpu), (record.memory_efficiency, mem),
                            (record.time_efficiency, time)):
        assert value == (pytest.approx(expected, abs=0.05) if expected is not None else None)


def test_reqmem_per_cpu_and_per_node(store):
    """4000Mc x 16 CPUs and 191846Mn x 20 nodes (reportseff's multinode job)."""
    store.import_file(REPORTSEFF / "conftest__console_jobs__23000233.txt", delimiter="^|^", fields=(
        "AdminComment,AllocCPUS,Elapsed,JobID,JobIDRaw,MaxRSS,NNodes,NTasks,ReqMem,State,Timelimit,TotalCPU").split(","))
    store.import_file(REPORTSEFF / "conftest__multinode_job.txt", delimiter="|", fields=(
        "AdminComment,AllocCPUS,Elapsed,JobID,JobIDRaw,MaxRSS,NNodes,ReqMem,State,Timelimit,TotalCPU").split(","))
    assert store.jobs(job_id="23000233")[0].requested_memory_mb == 4000 * 16
    assert store.jobs(job_id="6196869")[0].requested_memory_mb == 191846 * 20


@pytest.mark.parametrize("name", ["test-data1.csv", "test-data2.csv"])
def test_slurm2sql_dumps(store, name):
    report = store.import_file(SLURM2SQL / name)
    assert report.malformed == [] and report.jobs == 2 and report.step_rows == 3
    by_id = {r.job_id: r for r in store.jobs()}
    spawner = by_id["43974388"]
    assert (spawner.state, spawner.cancelled_by, spawner.elapsed_s) == ("CANCELLED", 1300204, 3 * 3600 + 33 * 60 + 25)
    assert spawner.time_limit_s == 5 * 86400


def test_live_sync_capture_with_unit_separator_and_a_job_cancelled_while_held(store):
    """sacct prints Start = End = Submit for a job cancelled while pending; nothing was allocated."""
    from history_paths import FIXTURES

    report = store.import_file(FIXTURES / "live" / "sacct_ended_sync.out")
    assert report.malformed == [] and report.jobs == 5
    [held] = [r for r in store.jobs() if r.job_name == "asba_hist_held"]
    assert held.state == "CANCELLED" and held.start_ts is None and held.queue_wait_s is None
    [timeout] = [r for r in store.jobs() if r.job_name == "asba_hist_timeout"]
    assert timeout.state == "TIMEOUT" and timeout.start_ts is not None


def test_heterogeneous_job_components_are_separate_records(store):
    from history_paths import FIXTURES

    report = store.import_file(FIXTURES / "live" / "sacct_hetjob.out")
    assert report.malformed == [] and report.orphan_steps == 0
    parts = {r.job_id: r for r in store.jobs()}
    assert set(parts) == {"15282+0", "15282+1"}
    assert [parts[k].base_id for k in sorted(parts)] == ["15282", "15282"]
    assert (parts["15282+0"].alloc_cpus, parts["15282+0"].steps) == (1, 3)   # batch, extern, srun step 0
    assert (parts["15282+1"].alloc_cpus, parts["15282+1"].requested_memory_mb, parts["15282+1"].steps) == (2, 200, 2)
