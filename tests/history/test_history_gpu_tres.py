"""GPU use from sacct's TRES strings, on real published output (tests/fixtures/history/gpu/SOURCE.md), the
live test cluster's fake GPUs (no GPU accounting plugin: absent, never 0 %), and Hypothesis over TRES text."""

from __future__ import annotations

import sqlite3

import pytest
from asba.inputs import sacct_formats as fmt
from asba.inputs import sacct_gpu
from history_paths import FIXTURES, SAMPLES
from hypothesis import given
from hypothesis import strategies as st

GPU = FIXTURES / "gpu"


def _usage_lines(name: str) -> dict[str, str]:
    """JobID -> usage string of a `-pno JobID,<field>` output file."""
    rows = {}
    for line in (GPU / name).read_text().splitlines():
        job, usage, _ = line.split("|")
        rows[job] = usage
    return rows


def test_curc_batch_step_reads_as_printed():
    peak = _usage_lines("curc_18194943_tresusageinmax.psv")
    ave = _usage_lines("curc_18194943_tresusageinave_noconvert.psv")
    batch = sacct_gpu.step_gpu_use(ave["18194943.batch"], peak["18194943.batch"])
    assert (batch.util_ave_pct, batch.util_max_pct, batch.mem_max_mb) == (100.0, 100.0, 38888.0)
    # --noconvert prints bytes: 40777023488 B is the same 38888 MiB the converted peak shows
    only_ave = sacct_gpu.step_gpu_use(ave["18194943.batch"], "")
    assert only_ave.mem_max_mb == 38888.0  # exactly 38888 x 2^20 bytes
    extern = sacct_gpu.step_gpu_use(ave["18194943.extern"], peak["18194943.extern"])
    assert (extern.util_ave_pct, extern.util_max_pct, extern.mem_max_mb) == (0.0, 0.0, 0.0)
    assert extern.recorded  # recorded as zero is not the same as not recorded
    # the job row carries no usage: nothing recorded there
    assert not sacct_gpu.step_gpu_use(ave["18194943"], peak["18194943"]).recorded


def test_aalto_average_line():
    [line] = (GPU / "aalto_triton_tresusageinave.psv").read_text().splitlines()
    use = sacct_gpu.step_gpu_use(line.rstrip("|"), "")
    assert (use.util_ave_pct, use.util_max_pct, use.mem_max_mb) == (66.0, None, 1648.0)
    assert fmt.tres_gpus_of(line.rstrip("|")) == 0  # gpumem/gpuutil are use, not GPUs


def test_curc_dump_imports_with_gpu_columns(store):
    """The published Max output imported as a dump (fields given, as `asba history import --fields` takes)."""
    report = store.import_file(GPU / "curc_18194943_tresusageinmax.psv", delimiter="|",
                               fields=["JobID", "TRESUsageInMax"])
    assert report.malformed == [] and report.jobs == 1
    [job] = store.jobs(job_id="18194943")
    assert job.gpu_utilization_max_pct == 100.0 and job.gpu_memory_peak_mb == 38888.0
    assert job.gpu_utilization_pct is None  # no TRESUsageInAve in this dump: the average is not known


def test_fake_gpus_without_the_plugin_are_absent_not_zero(cluster_store):
    """The live cluster allocates gres/gpu:a100 but records no GPU use: model known, use absent."""
    for job_id, count in (("10", 1), ("18", 2)):
        [job] = cluster_store.jobs(job_id=job_id)
        assert (job.requested_gpus, job.gpu_model) == (count, "a100")
        assert job.gpu_utilization_pct is None and job.gpu_memory_peak_mb is None
        assert job.gpu_utilization_max_pct is None and job.gpu_utilization_spread_pct is None


def test_a_schema_3_history_gets_the_gpu_columns(tmp_path):
    """An older history opens: its rows stay, the GPU columns are added empty."""
    from asba.history import schema
    from asba.history.record import ADDED_COLUMNS, COLUMNS
    from asba.history.store import HistoryStore

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    old = [c for c in COLUMNS if c not in ADDED_COLUMNS]
    hints = {c: schema.column_sql().split(", ")[COLUMNS.index(c)] for c in old}
    conn.execute(f"CREATE TABLE jobs ({', '.join(hints[c] for c in old)}, PRIMARY KEY (cluster, job_id))")
    for table in ("submissions (job_id TEXT PRIMARY KEY, script_path TEXT, script_name TEXT, script_hash TEXT, "
                  "submitted_at INTEGER)", "sync_state (scope TEXT PRIMARY KEY)"):
        conn.execute(f"CREATE TABLE {table}")
    conn.execute("INSERT INTO jobs (cluster, job_id, job_name, requested_gpus, steps) VALUES ('c', '1', 'x', 2, 1)")
    conn.execute("PRAGMA user_version=3")
    conn.commit()
    conn.close()
    with HistoryStore.open(db) as store:
        [job] = store.jobs(job_id="1")
    assert job.requested_gpus == 2 and job.gpu_model == "" and job.gpu_utilization_pct is None


@pytest.mark.parametrize(("alloc", "count", "model"), [
    ("billing=11,cpu=1,gres/gpu:a100=1,gres/gpu=1,mem=500M,node=1", 1, "a100"),  # live cluster, job 10
    ("cpu=8,gres/gpumem=80G,gres/gpuutil=0,gres/gpu=1", 1, ""),
    ("gres/gpumem=80G", 0, ""),
    ("gres/gpu:a100=2,gres/gpu:v100=3", 5, "a100+v100"),
    ("gres/gpu:a100-sxm4-80gb=4", 4, "a100-sxm4-80gb"),
    ("cpu=4,mem=16G", 0, ""),
])
def test_allocation_count_and_model(alloc, count, model):
    assert fmt.tres_gpus_of(alloc) == count
    assert sacct_gpu.gpu_model(alloc) == model


_KEYS = st.sampled_from(["cpu", "mem", "energy", "fs/disk", "node", "billing", "gres/gpumem", "gres/gpuutil",
                         "gres/gpu", "gres/gpu:a100", "gres/gpu:l4", "gres/shard", "pages", "vmem"])
_VALUES = st.one_of(
    st.integers(0, 10**12).map(str),
    st.tuples(st.integers(0, 10**6), st.sampled_from(["K", "M", "G", "T", "P", "k", "m", ""])).map(
        lambda t: f"{t[0]}{t[1]}"),
    st.floats(0, 1e6, allow_nan=False).map(lambda v: f"{v:.2f}"),
    st.sampled_from(["", "00:56:24", "inf", "-1", "1e400", "NaN", "12X", "1-00:00:00"]),
)
_TRES = st.lists(st.tuples(_KEYS, _VALUES), max_size=10).map(lambda items: ",".join(f"{k}={v}" for k, v in items))


@given(_TRES, _TRES)
def test_usage_parsing_never_crashes_otherwise(ave, peak):
    """Any TRES text: a GpuUse, or a ValueError the merge reports with the line; nothing else escapes."""
    try:
        use = sacct_gpu.step_gpu_use(ave, peak)
    except ValueError:
        return
    for value in (use.util_ave_pct, use.util_max_pct, use.mem_max_mb):
        assert value is None or 0 <= value < float("inf")


@given(st.lists(st.tuples(st.sampled_from(["gres/gpumem", "gres/gpuutil", "cpu", "mem"]), _VALUES), max_size=8),
       st.integers(0, 64), st.booleans())
def test_gpumem_and_gpuutil_are_never_counted_as_gpus(items, gpus, typed):
    """Whatever gpumem/gpuutil say, the GPU count is the gres/gpu (or typed) item's, never theirs."""
    extra = [f"gres/gpu:a100={gpus}" if typed else f"gres/gpu={gpus}"]
    text = ",".join([f"{k}={v}" for k, v in items] + extra)
    assert fmt.tres_gpus_of(text) == gpus
    without = ",".join(f"{k}={v}" for k, v in items)
    assert fmt.tres_gpus_of(without) == 0


EXAMPLE = FIXTURES.parent.parent.parent / "examples" / "history" / "training.sacct.psv"


@pytest.fixture
def gpu_history(asba_home, capsys):
    """The training example's GPU-use history beside the live cluster's fake GPUs (use not recorded)."""
    from asba.cli.main import main

    for path in (EXAMPLE, SAMPLES / "sacct_parsable2_ALL.psv"):
        assert main(["history", "import", str(path)]) == 0
    capsys.readouterr()
    return main


def test_insights_totals_count_gpu_efficiency_over_recorded_hours_only(gpu_history, capsys):
    import json

    assert gpu_history(["insights", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    totals = result["totals"]
    # 5 runs x 4 GPUs x (3.3, 3.1, 3.4, 3.2, 3.3 h) at 58, 61, 57, 63, 60 %: hours-weighted 59.8 %
    hours = [3.3, 3.1, 3.4, 3.2, 3.3]
    utils = [58, 61, 57, 63, 60]
    expected = 100 * sum(h * u / 100 for h, u in zip(hours, utils)) / sum(hours)
    assert totals["gpu_efficiency"] == pytest.approx(expected, abs=0.01)
    assert totals["gpu_hours"] > totals["gpu_hours_recorded"] == pytest.approx(4 * sum(hours), abs=0.01)
    fake = {row["script"]: row for row in result["by_script"]}["gpu_fake.sbatch"]
    assert fake["gpu_h"] > 0 and fake["gpu_h_recorded"] == 0 and fake["gpu_efficiency"] is None
    assert gpu_history(["insights"]) == 0
    text = capsys.readouterr().out
    assert "GPU efficiency 59.8% over the" in text  # the fake GPUs' hours are not counted as idle


def test_job_view_shows_gpu_use_or_says_it_is_not_recorded(gpu_history, capsys):
    assert gpu_history(["insights", "--job-id", "41001"]) == 0
    assert "58.0% busy on average, 4 A100 GPUs (busiest task 97.0%), GPU memory peak 12 GiB" in \
        capsys.readouterr().out
    assert gpu_history(["insights", "--job-id", "18"]) == 0
    out = capsys.readouterr().out
    assert "use not recorded for 2 A100 GPUs" in out and "not 0 %" in out and "0.0% busy" not in out


def test_profile_and_script_insights_show_gpu_beside_cpu_and_memory(gpu_history, capsys):
    assert gpu_history(["profile", "--user", "alice"]) == 0
    assert "GPUs 4.0 asked / 60.0 % busy (5 of 5 GPU jobs recorded)" in capsys.readouterr().out
    assert gpu_history(["history", "--script", "training.sbatch"]) == 0
    assert "GPU efficiency: 60.0% typical, GPU memory peak 12 GiB (5 of 5 GPU runs recorded)" in \
        capsys.readouterr().out


def test_live_sync_of_a_fake_gpu_job_reads_model_and_count_and_no_use(store):
    """asba's own sync fields on the live cluster (no GPU accounting plugin): 2 a100, use absent."""
    live = FIXTURES / "live" / "sacct_gpu_job_sync.out"
    report = store.import_file(live, delimiter="\x1f")
    assert report.malformed == [] and report.jobs == 1
    [job] = store.jobs(job_id="122")
    assert (job.requested_gpus, job.gpu_model, job.steps) == (2, "a100", 3)
    assert job.gpu_utilization_pct is None and job.gpu_memory_peak_mb is None


@given(st.integers(0, 16), st.booleans(), _TRES, _TRES)
def test_a_dump_with_any_gpu_usage_text_imports_or_reports_the_line(gpus, typed, ave, peak):
    """Whatever the usage columns hold: the job is merged or the step's line is reported, never a crash; the
    GPU count is AllocTRES's, whatever gres/gpumem or gres/gpuutil say."""
    from asba.history.merge import Merger
    from asba.history.record import JobRecord
    from asba.inputs.sacct import SacctStream

    alloc = f"cpu=4,mem=8G,{'gres/gpu:a100' if typed else 'gres/gpu'}={gpus},node=1"
    lines = ["JobID|State|ElapsedRaw|AllocTRES|NTasks|TRESUsageInAve|TRESUsageInMax",
             f"7|COMPLETED|60|{alloc}|||", f"7.batch|COMPLETED|60||2|{ave}|{peak}"]
    merger = Merger("c")
    rows = list(merger.rows(SacctStream(lines, "dump")))
    [job] = [JobRecord(*row) for row in rows]
    assert job.requested_gpus == gpus
    assert job.steps == 1  # the step's CPU time counts even when its GPU text is bad
    assert all(bad.line_no == 3 and bad.reason.startswith("GPU use: ") for bad in merger.stats.bad_values)
    if not gpus:
        assert job.gpu_utilization_pct is None and job.gpu_memory_peak_mb is None
