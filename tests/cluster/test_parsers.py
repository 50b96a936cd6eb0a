"""Parsers over real captured SLURM 22.05 output (tests/fixtures/cluster, see SOURCE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from asba.errors import ExternalCommandError
from asba.inputs.cluster_parse import (
    array_task_count,
    gpus_in_gres,
    parse_duration,
    parse_squeue_json,
    parse_squeue_text,
)
from asba.inputs.cluster_parse_nodes import (
    parse_config,
    parse_partitions,
    parse_sinfo_json,
    parse_sinfo_text,
    parse_sprio,
    parse_sshare,
    parse_test_only,
)

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "cluster"
SAMPLES = FIX / "samples"
LOADED = FIX / "loaded"


def read(path: Path) -> str:
    return path.read_text()


def test_squeue_json_drops_finished_jobs_that_squeue_json_still_lists():
    jobs = parse_squeue_json(read(SAMPLES / "squeue_busy.json"))
    ids = {j.job_id for j in jobs}
    assert "1" not in ids and "2" not in ids  # COMPLETED jobs 1 and 2 are in the JSON, not in the queue
    plain = [line.split()[0] for line in read(SAMPLES / "squeue_busy.txt").splitlines()[1:]]
    assert sorted(ids) == sorted(plain)


def test_squeue_json_pending_array_counts_its_tasks():
    jobs = {j.job_id: j for j in parse_squeue_json(read(SAMPLES / "squeue_busy.json"))}
    array = jobs["7_[1-4]"]
    assert array.tasks == 4 and array.state == "PENDING" and array.reason == "Priority"
    assert array.time_limit_s == 120


def test_squeue_json_states_reasons_and_gpus():
    jobs = {j.job_id: j for j in parse_squeue_json(read(SAMPLES / "squeue_busy.json"))}
    assert jobs["14"].reason == "Resources" and jobs["14"].cpus == 2
    assert jobs["9"].reason == "Dependency"
    assert jobs["18"].state == "RUNNING" and jobs["18"].gpus == 2 and jobs["18"].start_epoch
    assert jobs["11"].nodes == 2


def test_squeue_json_empty_queue_lists_no_active_job():
    jobs = parse_squeue_json(read(SAMPLES / "squeue_empty.json"))
    assert all(j.state in {"PENDING", "RUNNING"} for j in jobs)


def test_squeue_text_keeps_names_with_spaces_and_pipes():
    jobs = {j.job_id: j for j in parse_squeue_text(read(LOADED / "squeue_text.out"))}
    names = {j.name for j in jobs.values()}
    assert "fit | sweep 3" in names and "md equilibrate" in names


def test_squeue_text_and_json_agree_on_the_same_queue():
    text = {j.job_id: j for j in parse_squeue_text(read(LOADED / "squeue_text.out"))}
    json_jobs = {j.job_id: j for j in parse_squeue_json(read(LOADED / "squeue_json.out"))}
    assert set(text) == set(json_jobs)
    for job_id, job in text.items():
        other = json_jobs[job_id]
        assert (job.state, job.cpus, job.time_limit_s, job.tasks, job.gpus) == (
            other.state, other.cpus, other.time_limit_s, other.tasks, other.gpus)


def test_squeue_text_array_with_throttle():
    jobs = {j.job_id: j for j in parse_squeue_text(read(LOADED / "squeue_text.out"))}
    pending_array = [j for j in jobs.values() if "_[" in j.job_id]
    assert len(pending_array) == 1 and pending_array[0].job_id.endswith("%8]")
    assert pending_array[0].tasks == 18  # 3-20; the %8 is a throttle, not a count


def test_squeue_text_rejects_a_line_with_missing_fields():
    with pytest.raises(ExternalCommandError, match="fields"):
        parse_squeue_text("14|cpu|root\n")


def test_sinfo_json_nodes_and_gpus():
    nodes = {n.name: n for n in parse_sinfo_json(read(SAMPLES / "sinfo_busy.json"))}
    assert nodes["aws2"].idle_cpus == 1 and nodes["aws2"].state == "MIXED"
    assert nodes["g1"].gpus == 2 and nodes["g1"].gpus_used == 2
    assert nodes["c1"].partitions == ("cpu",)
    idle = parse_sinfo_json(read(SAMPLES / "sinfo_idle.json"))
    assert all(n.idle for n in idle)


def test_sinfo_text_matches_sinfo_json():
    text = {n.name: n for n in parse_sinfo_text(read(LOADED / "sinfo_text.out"))}
    json_nodes = {n.name: n for n in parse_sinfo_json(read(LOADED / "sinfo_json.out"))}
    assert set(text) == set(json_nodes)
    for name, node in text.items():
        other = json_nodes[name]
        assert (node.cpus, node.alloc_cpus, node.idle_cpus, node.gpus, node.gpus_used) == (
            other.cpus, other.alloc_cpus, other.idle_cpus, other.gpus, other.gpus_used)


def test_partitions_multiline_and_oneliner():
    multi = parse_partitions(read(SAMPLES / "scontrol_show_partition.txt"))
    one = parse_partitions(read(LOADED / "partitions.out"))
    assert set(multi) == set(one) == {"cpu", "highmem", "gpu", "cpu-aws"}
    assert multi["cpu"].get("MaxTime") == "2-00:00:00" and multi["cpu"].get("Default") == "YES"
    assert multi["cpu-aws"].get("TRESBillingWeights") == "CPU=2.0,Mem=0.5G"
    assert one["cpu"].get("TotalCPUs") == "128"


def test_config_values():
    config = parse_config(read(SAMPLES / "scontrol_show_config.txt"))
    assert config["DefMemPerCPU"] == "500" and config["SLURM_VERSION"] == "22.05.8"
    assert config["SchedulerType"] == "sched/backfill"


def test_sprio_default_long_and_custom_formats():
    long_rows = parse_sprio(read(SAMPLES / "sprio_long.txt"))
    short_rows = parse_sprio(read(SAMPLES / "sprio.txt"))
    assert [r.job_id for r in long_rows] == [r.job_id for r in short_rows]
    assert all(r.partition == "cpu" or r.partition == "gpu" for r in long_rows)  # not the PARTITION factor
    assert {r.user for r in long_rows} == {"root"}
    assert parse_sprio(read(SAMPLES / "sprio_weights.txt")) == []
    custom = parse_sprio(read(LOADED / "sprio.out"))
    assert {r.job_id for r in custom} >= {"49", "50"} and all(r.priority > 0 for r in custom)


def test_sshare_rows_by_header():
    rows = parse_sshare(read(SAMPLES / "sshare_all_long.psv"))
    users = [r for r in rows if r.user == "root"]
    assert {r.account for r in users} == {"root", "research", "physics"}
    assert all(r.fairshare == 1.0 for r in users)
    with pytest.raises(ExternalCommandError):
        parse_sshare("root|root|1\n")


def test_test_only_answer_on_stderr():
    est = parse_test_only(read(LOADED / "sbatch_test_only_cpu.err"))
    assert est.cpus == 32 and est.partition == "cpu"
    with pytest.raises(ExternalCommandError, match="no start time"):
        parse_test_only("sbatch: error: Batch job submission failed: Requested node configuration is not available")


@pytest.mark.parametrize(
    "text,seconds",
    [("2-00:00:00", 172800), ("10:00", 600), ("1:00:00", 3600), ("45", 2700), ("1-12", 129600),
     ("UNLIMITED", None), ("N/A", None)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("spec,count", [("1-4", 4), ("[1-4]", 4), ("3-20%8", 18), ("1,3,5-9:2", 5), ("7", 1)])
def test_array_counts(spec, count):
    assert array_task_count(spec) == count


def test_gres_strings():
    assert gpus_in_gres("gpu:a100:2(IDX:0-1)") == 2
    assert gpus_in_gres("(null)") == 0
    assert gpus_in_gres("gpu:a100:4(IDX:0-3)") == 4


def _plain_queue() -> dict[str, tuple[str, str]]:
    """job id -> (state, reason) from the default squeue table of the same moment."""
    out = {}
    for line in read(SAMPLES / "squeue_busy.txt").splitlines()[1:]:
        cols = line.split()
        out[cols[0]] = ({"PD": "PENDING", "R": "RUNNING"}[cols[4]], cols[-1].strip("()") if cols[4] == "PD" else "")
    return out


def test_squeue_with_a_header_is_read_by_column_name():
    plain = _plain_queue()
    fmt = {j.job_id: j for j in parse_squeue_text(read(SAMPLES / "squeue_busy_format.txt"))}
    assert {k: (j.state, j.reason) for k, j in fmt.items()} == plain
    assert fmt["7_[1-4]"].tasks == 4 and fmt["14"].time_limit_s == 600 and fmt["9"].name == "dep_never"


def test_squeue_O_with_header_matches_the_json_of_the_same_moment():
    o_jobs = {j.job_id: j for j in parse_squeue_text(read(SAMPLES / "squeue_busy_O.txt"))}
    json_jobs = {j.job_id.split("_")[0]: j for j in parse_squeue_json(read(SAMPLES / "squeue_busy.json"))}
    assert set(o_jobs) == set(json_jobs)  # -O JobID shows the pending array 7_[1-4] as plain 7
    for job_id, job in o_jobs.items():
        other = json_jobs[job_id]
        assert (job.state, job.reason, job.cpus, job.nodes, job.time_limit_s) == (
            other.state, other.reason, other.cpus, other.nodes, other.time_limit_s)
