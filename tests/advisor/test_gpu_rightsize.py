"""--optimize's GPU right-sizing, from accounting only: fewer GPUs when sacct shows only some did the work, a
smaller-memory model the site offers when the recorded GPU memory peak fits it with 10 % free; nothing from the
script alone, nothing below what a run used, and the consistency check agrees."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from asba.decide import consistency as cc
from asba.decide import rightsize as rs
from asba.decide.gpu_rightsize import Offer, site_offers
from asba.inputs.cluster_parse_nodes import parse_sinfo_text
from asba.knowledge.gpu_models import builtin

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "history" / "training.sacct.psv"
REQ = rs.Request(nodes=1, ntasks=1, cpus_per_task=32, total_cpus=32, mem_per_node_mb=256 * 1024,
                 time_limit_s=12 * 3600, gpus_per_node=4, gpu_type="a100", partition="gpu")
SITE = [Offer("gpu", "a100", 8), Offer("gpu-l4", "l4", 4), Offer("gpu-l40s", "l40s", 4)]


def _ev(**gpu) -> rs.Evidence:
    return rs.Evidence(runs=5, gpu_model="a100", gpu_recorded=True, **gpu)


def _gpu_changes(sizing: rs.RightSizing) -> dict:
    return {c.resource: c for c in sizing.changes if c.resource in rs.GPU_RESOURCES}


def _multi_task_history(tmp_path: Path, ave: int, top: int) -> Path:
    """The example training history with its batch steps run as 4 tasks (one per GPU), at these utilisations."""
    lines = EXAMPLE.read_text().splitlines()
    out = [lines[0] + "|NTasks"]
    for line in lines[1:]:
        step = line.split("|", 1)[0]
        if step.endswith(".batch"):
            line = re.sub(r"gres/gpuutil=\d+(.*)\|cpu=(.*)gres/gpuutil=\d+",
                          rf"gres/gpuutil={ave}\1|cpu=\2gres/gpuutil={top}", line)
        out.append(line + ("|4" if step.endswith(".batch") else "|1" if "." in step else "|"))
    path = tmp_path / "training.sacct.psv"
    path.write_text("\n".join(out) + "\n")
    return path


def test_example_history_proposes_no_gpu_change_from_the_script_alone(explain):
    """One task drove the 4 GPUs: sacct cannot tell how many worked, so the ml pack's script-body warning is not
    turned into a --gres line; the only GPU model of the site is the A100, so no model change either."""
    result = explain("training.sbatch", "gpu-aws", "--optimize")
    opt = result["optimized"]
    assert not [c for c in opt["changes"] if c["resource"] in rs.GPU_RESOURCES]
    assert not [line for line in opt["sbatch_lines"] if "--gres" in line]
    assert any("one task" in note for note in opt["gpu_notes"])
    assert any("no partition of the site offers" in note for note in opt["gpu_notes"])
    assert any(f["rule"] == "ml.single-process-multi-gpu" for f in result["warnings"])


def test_all_four_gpus_busy_no_proposal(explain, tmp_path):
    dump = _multi_task_history(tmp_path, ave=95, top=98)
    result = explain("training.sbatch", "gpu-aws", "--optimize", "--history-dump", str(dump))
    opt = result["optimized"]
    assert not [c for c in opt["changes"] if c["resource"] in rs.GPU_RESOURCES]
    assert "GPUs: kept at 4: sacct shows all 4 busy" in opt["gpu_notes"]
    # the ml pack's script-body advice (--gres=gpu:1) would contradict accounting: it stays silent
    assert not any(f["rule"] == "ml.single-process-multi-gpu" for f in result["warnings"])
    assert not [p for p in result["consistency"]["pushes"] if p["resource"] == "gpus"]


def test_one_of_four_busy_proposes_one_gpu_and_reruns_the_decision(explain, tmp_path):
    dump = _multi_task_history(tmp_path, ave=25, top=97)  # 4 x 25 / 97 -> about 1 GPU did the work
    result = explain("training.sbatch", "gpu-aws", "--optimize", "--history-dump", str(dump))
    opt = result["optimized"]
    gpus = next(c for c in opt["changes"] if c["resource"] == "gpus")
    assert (gpus["current"], gpus["proposed"]) == (4, 1) and "history.gpus_busy" in gpus["reason"]
    assert "#SBATCH --gres=gpu:a100:1" in opt["sbatch_lines"]
    assert opt["request"]["total_gpus"] == 1  # the re-run decision prices the right-sized request
    assert opt["local"]["cost_usd"] < result["local"]["cost_usd"]
    gpu_pushes = {(p["by"], p["direction"]) for p in result["consistency"]["pushes"] if p["resource"] == "gpus"}
    assert gpu_pushes == {("right-sizing", "lower"), ("workload.gpus-partly-busy", "lower"),
                          ("ml.single-process-multi-gpu", "lower")}  # the packs and --optimize agree


def test_smaller_memory_model_the_site_offers_holds_the_peak_with_ten_percent_free():
    sizing = rs.rightsize(REQ, _ev(gpu_memory_peak_mb=12 * 1024), gpu_offers=SITE)
    slow = rs.rightsize(REQ, replace(_ev(gpu_memory_peak_mb=12 * 1024), runtime_p95_s=3600.0, runtime_max_s=3600.0),
                        gpu_offers=SITE)
    time = next(c for c in slow.changes if c.resource == "time_s")  # 1 h on A100s, 2.6 h on L4s, + 25 %
    assert time.proposed >= 3600 / builtin().models["l4"].relative_speed * 1.25 and "GPU model's speed" in time.reason
    mem = _gpu_changes(sizing)["gpu_memory_gib"]
    assert (mem.current, mem.proposed) == (40, 24) and "NVIDIA L4" in mem.reason and "x the time" in mem.reason
    assert sizing.cli_args[0] == "--partition=gpu-l4" and sizing.cli_args[-1] == "--gres=gpu:l4:4"


def test_a_peak_just_over_ninety_percent_of_24_gib_skips_to_the_next_smaller_model():
    """On an 80 GB A100, a peak of 91 % of 24 GiB does not fit an L4 with 10 % free: the 48 GiB L40S does.
    On a 40 GB A100 nothing smaller holds it (the L40S has more memory than the A100 40 GB)."""
    peak = _ev(gpu_memory_peak_mb=0.91 * 24 * 1024)
    sizing = rs.rightsize(replace(REQ, gpu_type="a100_80gb"), peak, gpu_offers=SITE[1:])
    assert _gpu_changes(sizing)["gpu_memory_gib"].proposed == 48
    with_a100 = rs.rightsize(replace(REQ, gpu_type="a100_80gb"), peak, gpu_offers=SITE)
    assert _gpu_changes(with_a100)["gpu_memory_gib"].proposed == 40  # the least memory that holds it
    assert sizing.cli_args[-1] == "--gres=gpu:l40s:4"
    assert not _gpu_changes(rs.rightsize(REQ, peak, gpu_offers=SITE))


def test_no_model_change_without_a_recorded_peak_or_a_smaller_offer():
    assert not _gpu_changes(rs.rightsize(REQ, _ev(), gpu_offers=SITE))
    only_a100 = rs.rightsize(REQ, _ev(gpu_memory_peak_mb=12 * 1024), gpu_offers=SITE[:1])
    assert not _gpu_changes(only_a100) and any("no partition" in n for n in only_a100.notes)


def test_fewer_gpus_and_a_smaller_model_together_need_a_node_with_that_many():
    sizing = rs.rightsize(REQ, _ev(gpus_busy=2.0, gpu_memory_peak_mb=12 * 1024),
                          gpu_offers=[Offer("gpu", "a100", 8), Offer("small", "t4", 1), Offer("gpu-l4", "l4", 2)])
    changes = _gpu_changes(sizing)
    assert changes["gpus"].proposed == 2 and changes["gpu_memory_gib"].proposed == 24  # T4 nodes have 1 GPU
    assert "--gres=gpu:l4:2" in sizing.cli_args


@pytest.mark.parametrize("busy, proposed", [(1.0, 1), (2.4, 3), (0.0, 1)])
def test_never_fewer_gpus_than_the_runs_kept_busy(busy, proposed):
    changes = _gpu_changes(rs.rightsize(REQ, _ev(gpus_busy=busy), gpu_offers=SITE[:1]))
    assert changes["gpus"].proposed == proposed


def test_consistency_flags_fewer_gpus_than_busy_and_a_gpu_too_small_for_the_peak():
    record = cc.Record(gpus_busy=2.0, gpu_memory_peak_mb=22 * 1024)
    found = cc.impossible({"gpus": 1, "gpu_memory_gib": 24}, record)
    assert len(found) == 2 and "fewer than the 2" in found[0] and "22.0 GiB" in found[1]
    assert cc.impossible({"gpus": 2, "gpu_memory_gib": 48}, record) == []


def test_site_offers_come_from_sinfo_gres_types():
    text = ("g1|gpu|mixed|64|8/56/0/64|524288|gpu:a100:8|gpu:a100:4(IDX:0-3)|\n"
            "g2|gpu-l4|idle|32|0/32/0/32|262144|gpu:l4:4(S:0)|gpu:0|\n"
            "g3|gpu-l4|down|32|0/32/0/32|262144|gpu:l4:8|gpu:0|\n"
            "c1|cpu*|idle|64|0/64/0/64|262144|(null)|gpu:0|\n")
    assert site_offers(parse_sinfo_text(text)) == [Offer("gpu", "a100", 8), Offer("gpu-l4", "l4", 4)]


def _site_with_l4(tmp_path: Path) -> Path:
    """The shipped cluster snapshot plus one idle node of 4 L4 GPUs in a partition gpu-l4 (sinfo and scontrol)."""
    import json
    import shutil

    snap = tmp_path / "snapshot"
    shutil.copytree(Path(__file__).resolve().parents[2] / "knowledge" / "cluster-snapshot", snap)
    data = json.loads((snap / "sinfo_json.out").read_text())
    g1 = next(n for n in data["nodes"] if n["name"] == "g1")
    data["nodes"].append({**g1, "name": "l1", "partitions": ["gpu-l4"], "gres": "gpu:l4:4", "gres_used": "gpu:l4:0",
                          "alloc_cpus": 0, "idle_cpus": g1["cpus"], "state": "idle", "state_flags": []})
    (snap / "sinfo_json.out").write_text(json.dumps(data))
    with (snap / "sinfo_text.out").open("a") as text:
        text.write("l1|gpu-l4|idle|64|0/64/0/64|524288|gpu:l4:4|gpu:l4:0(IDX:N/A)|\n")
    parts = (snap / "partitions.out").read_text().splitlines()
    gpu = next(line for line in parts if line.startswith("PartitionName=gpu "))
    l4 = gpu.replace("PartitionName=gpu ", "PartitionName=gpu-l4 ").replace("Nodes=g1", "Nodes=l1")
    (snap / "partitions.out").write_text("\n".join([*parts, l4.replace("a100=8", "l4=4").replace("gpu=8", "gpu=4")])
                                         + "\n")
    return snap


def test_example_history_on_a_site_with_l4_nodes_proposes_the_l4(explain, tmp_path):
    """The example's 12.3 GiB GPU memory peak fits a 24 GiB L4 with 10 % free: --optimize moves the job to the
    partition that has them, with the time trade-off in the reason, and re-runs the decision there."""
    result = explain("training.sbatch", "gpu-aws", "--optimize", snapshot=_site_with_l4(tmp_path))
    opt = result["optimized"]
    mem = next(c for c in opt["changes"] if c["resource"] == "gpu_memory_gib")
    assert (mem["current"], mem["proposed"]) == (40, 24) and "NVIDIA L4" in mem["reason"]
    assert "x the time" in mem["reason"]
    assert opt["sbatch_lines"][0] == "#SBATCH --partition=gpu-l4" and "#SBATCH --gres=gpu:l4:4" in opt["sbatch_lines"]
    assert opt["request"]["partition"] == "gpu-l4" and opt["request"]["gpu_type"] == "l4"
    # priced at the L4's speed: the history's 3h 18m on A100s takes 2.6x as long, and no time limit under it
    l4 = builtin().models["l4"].relative_speed
    assert opt["local"]["runtime_s"] == pytest.approx(result["local"]["runtime_s"] / l4, rel=0.01)
    assert opt["request"]["time_limit_s"] >= opt["local"]["runtime_s"]
