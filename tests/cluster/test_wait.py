"""The queue-wait estimate: the priority-order replay, the combination of methods, and honest gaps."""

from __future__ import annotations

import math
from pathlib import Path

import yaml
from asba.decide.wait import combine, estimate_wait, simulate_start
from asba.facts.cluster_facts import JobNeeds, read_cluster
from asba.inputs.slurm import SlurmRunner

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "cluster"
REPO = Path(__file__).resolve().parents[2]


def loaded(partition="cpu", burst="cpu-aws", script=True):
    return read_cluster(SlurmRunner(snapshot_dir=FIX / "loaded"), partition=partition, burst_partition=burst,
                        script=FIX / "wide.sbatch" if script else None)


def test_fits_now_on_an_idle_partition():
    assert simulate_start(128, 128, [], [], 32, 3600) == 0.0


def test_waits_for_the_first_running_job_that_frees_enough():
    running = [(64, 600.0), (64, 3000.0)]
    assert simulate_start(128, 0, running, [], 32, 3600) == 600.0


def test_jobs_ahead_take_the_freed_cpus_first():
    running = [(64, 600.0), (64, 3000.0)]
    # the 64-CPU job ahead takes the CPUs freed at 600 s and runs 1000 s
    assert simulate_start(128, 0, running, [(64, 1000.0)], 32, 3600) == 1600.0


def test_backfill_when_it_ends_before_the_job_ahead_can_start():
    running = [(100, 5000.0)]
    # 28 CPUs free now; the 64-CPU job ahead cannot start before 5000 s; a 1 h job fits in the gap
    assert simulate_start(128, 28, running, [(64, 1000.0)], 16, 3600) == 0.0
    # a 2 h job would delay it, so it waits its turn (after the job ahead started at 5000 s: 128-100... free)
    assert simulate_start(128, 28, running, [(64, 1000.0)], 16, 7200) == 5000.0


def test_never_when_running_jobs_hold_resources_for_ever():
    assert simulate_start(4, 0, [(4, math.inf)], [], 2, 60) == math.inf


def test_loaded_cluster_estimate_is_a_range_with_every_method_weighted():
    view = loaded()
    est = estimate_wait(view, JobNeeds(cpus=32, time_limit_s=7200), "cpu", past_waits_s=[600, 900, 1200, 4000])
    assert est.p10_s <= est.p50_s <= est.p90_s and est.p50_s > 0
    names = {c.name for c in est.components}
    assert names == {"slurm", "queue_model", "history"}
    assert abs(sum(c.weight for c in est.components) - 1) < 1e-9
    assert est.method == "queue_model"
    assert est.evidence_count == 1 + (6 + 20) + 4  # test-only + running and ahead + past waits


def test_burst_partition_with_free_cpus_gives_zero_wait():
    est = estimate_wait(loaded(), JobNeeds(cpus=32, time_limit_s=7200), "cpu-aws")
    assert est.p50_s == 0 and est.p90_s == 0


def test_longer_runtime_ratio_means_longer_wait():
    view = loaded(script=False)
    short = estimate_wait(view, JobNeeds(cpus=32, time_limit_s=7200), "cpu", runtime_ratio=0.1)
    long = estimate_wait(view, JobNeeds(cpus=32, time_limit_s=7200), "cpu", runtime_ratio=0.8)
    assert long.p50_s > short.p50_s
    assert "your runtime/limit ratio" in long.components[0].detail


def test_gpu_job_is_modelled_on_gpus():
    view = loaded(partition="gpu", burst=None, script=False)
    est = estimate_wait(view, JobNeeds(cpus=8, gpus=2, time_limit_s=3600), "gpu")
    assert "GPUs free" in est.components[0].detail
    # the 8-GPU job ahead needs the 4 GPUs train resnet holds (2 h limit): the job waits for both
    assert est.p50_s > 0


def test_history_alone_when_no_cluster(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    view = read_cluster(SlurmRunner(), partition="cpu")
    est = estimate_wait(view, JobNeeds(cpus=4), "cpu", past_waits_s=[10, 20, 30, 40, 50])
    assert est.method == "history" and est.p50_s == 30
    assert any(g.startswith("queue_model") for g in est.gaps)
    nothing = estimate_wait(view, JobNeeds(cpus=4), "cpu")
    assert nothing.p50_s is None and nothing.method == "none" and nothing.to_facts() == []


def test_job_bigger_than_the_partition_is_a_gap():
    est = estimate_wait(loaded(script=False), JobNeeds(cpus=1000), "cpu")
    assert est.method == "none" and any("needs 1000 CPUs" in g for g in est.gaps)


def test_combine_without_components():
    assert combine("cpu", [], ["x"]).p50_s is None


def _vocabulary() -> dict:
    return yaml.safe_load((REPO / "knowledge" / "vocabulary" / "cluster.yaml").read_text())["facts"]


def _has_type(value, type_name: str) -> bool:
    if type_name == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return {"integer": isinstance(value, int), "number": isinstance(value, (int, float)) and math.isfinite(value),
            "string": isinstance(value, str)}[type_name]


def test_every_emitted_fact_is_declared_with_its_type():
    vocab = _vocabulary()
    view = loaded()
    est = estimate_wait(view, JobNeeds(cpus=32, time_limit_s=7200), "cpu", past_waits_s=[1, 2, 3])
    burst = estimate_wait(view, JobNeeds(cpus=32, time_limit_s=7200), "cpu-aws")
    samples = read_cluster(SlurmRunner(snapshot_dir=FIX / "samples_snapshot"), partition="gpu", burst_partition="x")
    emitted = view.facts + samples.facts + est.to_facts("local") + burst.to_facts("burst")
    for fact in emitted:
        assert fact.name in vocab, fact.name
        assert _has_type(fact.value, vocab[fact.name]["type"]), (fact.name, fact.value)
        assert fact.source



def test_slurm_estimate_is_the_p90_and_scaled_by_the_ratio_below():
    view = loaded()
    est = estimate_wait(view, JobNeeds(cpus=32, time_limit_s=7200), "cpu", runtime_ratio=0.5)
    slurm = next(c for c in est.components if c.name == "slurm")
    test_only = view.summary("cpu").test_only_s
    assert slurm.p90_s == test_only and slurm.p50_s == test_only * 0.5 and slurm.p10_s == test_only * 0.25


def test_a_down_partition_gets_no_queue_model_estimate(tmp_path):
    import shutil

    snap = tmp_path / "snap"
    shutil.copytree(FIX / "loaded", snap, ignore=shutil.ignore_patterns("sbatch_test_only_*"))
    lines = (snap / "partitions.out").read_text().splitlines()
    lines = [line.replace("State=UP", "State=DOWN") if line.startswith("PartitionName=cpu-aws ") else line
             for line in lines]
    (snap / "partitions.out").write_text("\n".join(lines) + "\n")
    view = read_cluster(SlurmRunner(snapshot_dir=snap), partition="cpu-aws")
    assert {f.name: f.value for f in view.facts}["cluster.partition.state"] == "DOWN"
    est = estimate_wait(view, JobNeeds(cpus=4), "cpu-aws")
    assert est.p50_s is None and any("is DOWN" in g for g in est.gaps)


def test_a_job_bigger_than_any_node_gets_no_queue_model_estimate():
    view = loaded(script=False)
    facts = {f.name: f.value for f in view.facts}
    assert facts["cluster.burst.max_node_memory_mb"] == 262144 and facts["cluster.burst.max_node_cpus"] == 64
    big_mem = estimate_wait(view, {"total_cpus": 16, "mem_per_node_mb": 491520}, "cpu-aws")
    assert big_mem.p50_s is None and any("491520 MB per node" in g for g in big_mem.gaps)
    wide = estimate_wait(view, {"total_cpus": 96, "nodes_min": 1}, "cpu-aws")
    assert wide.p50_s is None and any("96 CPUs per node" in g for g in wide.gaps)
    two_nodes = estimate_wait(view, {"total_cpus": 96, "nodes_min": 2}, "cpu-aws")
    assert two_nodes.p50_s is not None
