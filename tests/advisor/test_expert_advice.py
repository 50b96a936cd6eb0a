"""Issue 21: advice an HPC consultant would sign, on the reproducers of tests/fixtures/expert and the shipped
cluster snapshot (cpu: 2 nodes x 64 CPUs / 256 GB; highmem: 1 x 64 / 1 TB; gpu: 1 x 8 A100)."""

from __future__ import annotations

from advisor_support import REPO

EXPERT = REPO / "tests" / "fixtures" / "expert"
CORPUS = REPO / "tests" / "fixtures" / "script" / "corpus"  # real third-party scripts, with their sources
UIT_VASP = CORPUS / "uit-no-hpc-doc" / "applications" / "chemistry" / "files" / "job_vasp.sh"
PRINCETON_SPARK = CORPUS / "princeton" / "spark_big_data" / "job.slurm"
SHIPPED = REPO / "knowledge" / "cluster-snapshot"


def _run(explain, name, *args: str) -> dict:
    return explain(EXPERT / name, "cpu-aws", *args, snapshot=SHIPPED)


def test_a_task_wider_than_any_node_is_not_run_locally_and_the_headline_says_why(explain):
    result = _run(explain, "one_task_128.sbatch")
    rec = result["recommendation"]
    assert rec["platform"] == "aws" and rec["rule"] == "decision.aws-only-local-cannot"
    assert rec["local_cannot"] == "cannot run on cpu: needs 128 CPUs on one node (one task); the largest has 64"
    assert rec["reasons"][0].startswith(rec["local_cannot"])
    assert result["local"]["feasible"] is False
    assert result["aws"]["instance_type"] == "c6i.32xlarge" and result["aws"]["nodes"] == 1  # 128 vCPUs


def test_more_nodes_than_the_partition_has_is_not_local(explain):
    result = _run(explain, "eight_nodes.sbatch")
    assert result["recommendation"]["platform"] == "aws"
    assert "needs 8 nodes" in result["recommendation"]["local_cannot"] and "cpu has 2" in \
        result["recommendation"]["local_cannot"]
    assert result["aws"]["nodes"] == 8  # --nodes=8 is kept


def test_memory_and_gpus_no_node_has_leave_nowhere_to_run(explain):
    mem = _run(explain, "mem_2000g.sbatch")
    assert mem["recommendation"]["platform"] == "none" and mem["recommendation"]["rule"] == "decision.nowhere"
    assert "needs 2000 GB of memory on one node; the largest has 1024 GB" in mem["recommendation"]["local_cannot"]
    gpu = explain(EXPERT / "gpu_16.sbatch", "gpu-aws", snapshot=SHIPPED)
    assert gpu["recommendation"]["platform"] == "none"
    assert "needs 16 GPUs on one node; the largest has 8" in gpu["recommendation"]["local_cannot"]


def test_a_partition_that_does_not_exist_is_refused_like_sbatch_refuses_it(explain):
    result = _run(explain, UIT_VASP)
    assert result["recommendation"]["platform"] == "aws"
    assert "partition 'multinode' does not exist" in result["recommendation"]["local_cannot"]
    assert result["aws"]["nodes"] == 2 and result["local"]["wait_p50_s"] is None


def test_ntasks_without_nodes_is_placed_on_two_nodes_not_refused(explain):
    result = _run(explain, "ntasks_80.sbatch")
    assert result["local"]["feasible"] is True and result["recommendation"]["local_cannot"] is None
    assert result["aws"]["nodes"] == 1 and result["aws"]["instance_type"].endswith(("24xlarge", "32xlarge"))


def test_unknown_wait_is_never_zero_and_lowers_the_confidence(explain):
    result = _run(explain, "ntasks_80.sbatch")
    assert result["local"]["wait_known"] is False and result["local"]["wait_p50_s"] is None
    assert result["recommendation"]["platform"] == "local"
    assert result["recommendation"]["confidence"] <= 0.5


def test_whole_node_requests_cost_the_whole_node_and_size_the_whole_node_on_aws(explain):
    from asba.inputs.config import load_config
    from asba.knowledge.costs import local_cost

    whole = _run(explain, "exclusive_whole.sbatch")
    runtime_s = whole["local"]["runtime_s"]
    node = local_cost(load_config(None, env={}), "cpu", cpus=64, mem_mb=262144, nodes=1, runtime_s=runtime_s).usd
    four = local_cost(load_config(None, env={}), "cpu", cpus=4, mem_mb=4096, nodes=1, runtime_s=runtime_s).usd
    assert whole["local"]["cost_usd"] >= round(node, 4) > 5 * four  # the 64-CPU, 256 GB node, not 4 CPUs
    gib = {"r6i.12xlarge": 384, "r7i.12xlarge": 384, "m6i.16xlarge": 256}
    assert gib.get(whole["aws"]["instance_type"], 0) * 0.95 >= 256 or whole["aws"]["instance_type"].endswith(
        ("24xlarge", "32xlarge", "48xlarge"))  # sized for the node's 256 GB, not 4 GiB


def test_a_fixed_multi_node_request_gets_instances_that_hold_one_task(explain):
    result = _run(explain, "two_by_16.sbatch")
    assert (result["aws"]["instance_type"], result["aws"]["nodes"]) == ("c6i.4xlarge", 2)
    facts = {f["name"]: f for f in result["facts"]}
    assert facts["job.is_mpi"]["value"] is False  # srun of a Python script is not MPI: no EFA premium
    spark = _run(explain, PRINCETON_SPARK)  # 2 nodes x 3 tasks x 4 CPUs, 12G per node
    assert spark["aws"]["nodes"] == 2
    assert spark["aws"]["instance_type"] in {"c6i.4xlarge", "m6i.4xlarge", "c7i.4xlarge"}


def test_an_oom_history_is_carried_to_every_option(explain):
    from asba.knowledge.catalog import load_catalog

    result = explain("oom.sbatch", "cpu-aws", snapshot=SHIPPED)  # 2 of 3 runs OUT_OF_MEMORY at 32G
    rec = result["recommendation"]
    assert rec["carried_over"].startswith("raise --mem to 50G first: 2 of 3 past run(s) ran out of memory at 32G")
    assert rec["reasons"][0] == rec["carried_over"] and rec["confidence"] <= 0.8
    assert result["request"]["mem_per_node_mb"] == 50 * 1024  # what every option is sized and priced with
    types = load_catalog().types
    rows = [r for r in result["considered"] if r["platform"] == "aws"]
    assert rows and all(types[r["instance_type"]].memory_mib * 0.95 >= 50 * 1024 for r in rows)


def test_the_consistency_check_knows_feasibility_and_failures():
    from asba.decide.consistency import Advice, Record, advice_conflicts

    record = Record(oom_request_mb=32768, timeout_limit_s=3600)
    assert advice_conflicts(Advice("local", False), record) == [
        "contradiction: platform local, but no node of the partition can hold the job"]
    found = advice_conflicts(Advice("aws", True, priced_mem_mb=32768, priced_time_s=3600), record)
    assert len(found) == 2 and "ran out of memory" in found[0] and "limit a run hit" in found[1]
    assert advice_conflicts(Advice("aws", False, priced_mem_mb=51200, priced_time_s=4800), record) == []


def test_aws_bills_the_start_up_too(explain):
    from asba.knowledge.catalog import load_catalog

    result = explain("tiny.sbatch", "cpu-aws", snapshot=SHIPPED)  # a 5-minute boot + a 6-minute job
    aws = result["aws"]
    rate = load_catalog().types[aws["instance_type"]].on_demand_usd_per_hour
    billed_h = (aws["startup_s"] + aws["runtime_s"]) / 3600
    assert aws["on_demand_usd"] == round(rate * aws["nodes"] * billed_h, 4)
    assert aws["on_demand_usd"] > round(rate * aws["nodes"] * aws["runtime_s"] / 3600, 4)


def test_an_untyped_gpu_on_an_a100_partition_costs_the_a100_rate(explain):
    untyped = explain(EXPERT / "neutral.sbatch", "gpu-aws", "--partition=gpu", "--gres=gpu:1", "--mem=8G",
                      snapshot=SHIPPED)
    typed = explain(EXPERT / "neutral.sbatch", "gpu-aws", "--partition=gpu", "--gres=gpu:a100:1", "--mem=8G",
                    snapshot=SHIPPED)
    assert untyped["local"]["cost_usd"] == typed["local"]["cost_usd"]
    # the a100 rate ($1.20/h) x 1.25 overhead, not the default GPU rate ($0.60/h), for the 1 h limit
    assert untyped["local"]["cost_usd"] > 1.20 * 1.25 * untyped["local"]["runtime_s"] / 3600


def test_an_unreachable_controller_is_one_line_and_lowers_the_confidence(asba_home, monkeypatch, capsys, tmp_path):
    import json
    import shutil
    from pathlib import Path

    import pytest
    from advisor_support import EXAMPLES, NOW
    from asba.cli.main import main

    conf = Path("/etc/slurm/slurm.conf")
    if not conf.is_file() or shutil.which("sinfo") is None:
        pytest.skip("needs the SLURM clients and their slurm.conf")
    bad = tmp_path / "slurm.conf"  # the real config with a port no controller listens on
    bad.write_text("\n".join("SlurmctldPort=6999" if line.startswith("SlurmctldPort=") else line
                             for line in conf.read_text().splitlines()) + "\nSlurmctldPort=6999\n")
    monkeypatch.setenv("SLURM_CONF", str(bad))
    monkeypatch.setenv("ASBA_NOW", NOW)
    assert main(["explain", str(EXAMPLES / "tiny.sbatch"), "cpu-aws", "--json", "--no-log"]) == 0
    result = json.loads(capsys.readouterr().out)
    cluster = result["data_sources"]["cluster"]
    assert cluster.count("Unable to contact slurm controller") == 1 and "controller unreachable" in cluster
    assert result["local"]["feasible"] is None  # unknown, not "the partition does not exist"
    assert result["recommendation"]["confidence"] <= 0.5


def test_array_optimize_insight_speaks_of_the_split_it_recommends(explain):
    result = explain("blast_array.sbatch", "cpu-aws", "--optimize", snapshot=SHIPPED)
    insight = result["optimized"]["key_insight"]
    split_before = result["recommendation"].get("array_split")
    if split_before:  # both plans are splits: the insight names them and their costs, not "local"
        assert "keeps the recommendation (local)" not in insight
        assert f"{split_before['local_tasks']} local / {split_before['aws_tasks']} on AWS" in insight


def test_cluster_wait_takes_sbatch_options_like_explain(asba_home, monkeypatch, capsys):
    import json

    from advisor_support import EXAMPLES, NOW
    from asba.cli.main import main

    monkeypatch.setenv("ASBA_NOW", NOW)
    base = ["cluster", "wait", str(EXAMPLES / "tiny.sbatch"), "--cluster-snapshot", str(SHIPPED), "--json"]
    assert main([*base, "-c", "36", "--mem=154G"]) == 0
    wide = json.loads(capsys.readouterr().out)
    assert main(base) == 0
    narrow = json.loads(capsys.readouterr().out)
    assert wide["estimates"] and narrow["estimates"]
    assert wide["estimates"] != narrow["estimates"]  # 36 CPUs queue differently from the script's one


def test_memory_per_core_is_per_requested_core_not_per_busy_core():
    from types import SimpleNamespace

    from asba.decide.analysis import gb_per_core

    # 1 CPU, --mem=1G, 6 % busy, 0.95 GB typical peak: 0.95 GB per requested core (not 0.95 / 0.06 = 15.8)
    req = SimpleNamespace(script="one_cpu.sbatch", job={"nodes_min": 1, "ntasks": 1, "cpus_per_task": 1,
                                                        "total_cpus": 1, "mem_per_node_mb": 1024,
                                                        "mem_basis": "per-node"})
    hist = {"history.memory_typical_mb": 0.95 * 1024, "history.gb_per_effective_core": 15.8}
    value, source = gb_per_core(req, hist)
    assert value == 0.95 and "per requested CPU" in source


def test_multi_node_memory_is_shown_per_node_like_the_request(explain):
    result = explain("mpi_cfd.sbatch", "cpu-aws", "--with-history", snapshot=SHIPPED)
    patterns = result["history"]["patterns"]
    memory = next(p for p in patterns if p.startswith("memory"))
    assert memory.startswith("memory per node: peak 43 GiB") and "over 4 nodes" in memory
    assert "you request 200 GiB per node" in memory
