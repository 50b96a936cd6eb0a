"""Instance matching against real catalog entries (snapshot 2026-07-20, us-east-1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asba.knowledge.catalog import load_catalog
from asba.knowledge.matching import MEM_USABLE, NodeNeed, match_instances

NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
GIB = 1024


@pytest.fixture
def catalog(asba_home):
    return load_catalog("us-east-1", use_cache=False, now=NOW)


def test_four_a100_job_gets_a100_types_cheapest_first(catalog):
    m = match_instances(NodeNeed(cpus=16, mem_mb=200 * GIB, gpus=4, gpu_model="a100"), catalog, runtime_s=7200)
    types = [o.instance_type for o in m.options]
    assert types[:2] == ["p4d.24xlarge", "p4de.24xlarge"]
    assert all(o.gpu_model == "A100" and o.gpus >= 4 for o in m.options)
    best = m.best
    assert best.nodes_needed == 1
    assert best.on_demand_usd == pytest.approx(21.957642 * 2, abs=1e-3)
    assert best.spot_usd == pytest.approx(21.957642 * 0.33 * 2, abs=1e-3) and best.spot_estimate
    assert best.waste_gpu_pct == 50.0 and best.packing_waste_pct == 50.0
    assert best.spot_interruption == "10-15%"
    assert (best.price_source, best.price_date) == ("snapshot", "2026-07-20")


def test_memory_heavy_job_16_gb_per_core_lands_on_memory_optimised_types(catalog):
    need = NodeNeed(cpus=8, mem_mb=8 * 16 * GIB, arch="x86_64")
    m = match_instances(need, catalog, runtime_s=3600)
    assert m.options, m.reason_none
    assert m.best.instance_type.split(".")[0] in {"x2iedn", "x1e", "r6i", "r7i", "r5", "r6a", "r7a", "x2idn", "r5a"}
    assert all(o.memory_gib * MEM_USABLE >= 128 and o.vcpus >= 8 for o in m.options)
    assert all(o.arch == "x86_64" for o in m.options)
    # the cheapest is cheaper than any general-purpose type that also holds 128 GiB
    assert m.best.on_demand_usd_per_hour <= min(
        o.on_demand_usd_per_hour for o in m.options if o.instance_type.startswith("m6i.")
    )


def test_two_node_mpi_job_needing_efa_gets_two_efa_nodes(catalog):
    need = NodeNeed(cpus=64, mem_mb=100 * GIB, efa=True, nodes=2, arch="x86_64")
    m = match_instances(need, catalog, ["c6i.*", "c7i.*", "c5.*", "m6i.*"], runtime_s=3600)
    assert m.options and all(o.efa for o in m.options)
    assert {o.instance_type for o in m.options}.isdisjoint({"c5.18xlarge", "c6i.16xlarge"})  # no EFA
    assert m.best.instance_type == "c6i.32xlarge" and m.best.nodes_needed == 2
    assert m.best.on_demand_usd == pytest.approx(5.44 * 2)
    assert m.excluded["c5.18xlarge"] == "fails: EFA networking"


def test_a_fixed_node_count_is_kept_and_each_instance_holds_one_nodes_share(catalog):
    # --nodes=2 with 96 CPUs per node: a 64-vCPU type cannot hold one node's share (SLURM would not split it)
    need = NodeNeed(cpus=96, mem_mb=64 * GIB, nodes=2)
    m = match_instances(need, catalog, ["c6i.16xlarge"], runtime_s=3600)
    assert m.best is None and "enough CPUs" in m.reason_none
    # --nodes=2 --ntasks-per-node=1 -c16: two 16-vCPU instances, not sixteen 2-vCPU ones (the same price)
    two = match_instances(NodeNeed(cpus=16, mem_mb=4 * GIB, nodes=2, task_cpus=16), catalog, ["c6i.*"])
    assert (two.best.instance_type, two.best.nodes_needed) == ("c6i.4xlarge", 2)
    assert all(o.vcpus >= 16 and o.nodes_needed == 2 for o in two.options)


def test_tasks_free_to_move_spread_over_more_instances_only_when_none_holds_the_share(catalog):
    need = NodeNeed(cpus=96, mem_mb=64 * GIB, nodes=2, task_cpus=4, fixed=False)
    m = match_instances(need, catalog, ["c6i.16xlarge"], runtime_s=3600)
    assert m.best.nodes_needed == 3  # 192 CPUs in all, whole 4-CPU tasks, over 64-vCPU instances
    same = match_instances(NodeNeed(cpus=8, mem_mb=8 * GIB, nodes=2, fixed=False), catalog, ["c6i.16xlarge"])
    assert same.best.nodes_needed == 2  # never fewer nodes than the job asked for
    big = match_instances(NodeNeed(cpus=8, mem_mb=8 * GIB, nodes=1, task_cpus=8, fixed=False), catalog, ["c6i.*"])
    assert big.best.vcpus >= 8 and big.best.nodes_needed == 1  # holds whole: no spreading


def test_cpu_only_job_never_gets_gpu_types(catalog):
    m = match_instances(NodeNeed(cpus=64, mem_mb=200 * GIB, nodes=4, efa=True), catalog, runtime_s=3600)
    assert m.options and all(o.gpus == 0 for o in m.options)


def test_arm64_job_gets_only_graviton_types(catalog):
    m = match_instances(NodeNeed(cpus=16, mem_mb=32 * GIB, arch="arm64"), catalog, runtime_s=3600)
    assert m.options and all(o.arch == "arm64" for o in m.options)
    assert m.best.instance_type == "m6g.4xlarge" and m.best.on_demand_usd_per_hour == 0.616
    arm_only = match_instances(NodeNeed(cpus=64, mem_mb=100 * GIB, arch="arm64"), catalog, ["hpc7g.16xlarge"])
    assert arm_only.best.instance_type == "hpc7g.16xlarge" and arm_only.best.spot_usd_per_hour is None
    x86 = match_instances(NodeNeed(cpus=64, mem_mb=100 * GIB, arch="x86_64"), catalog, ["hpc7g.16xlarge"])
    assert not x86.options and "x86_64 architecture" in x86.reason_none


def test_job_nothing_can_hold_gets_a_clear_answer(catalog):
    need = NodeNeed(cpus=16, mem_mb=5000 * GIB, gpus=16, gpu_model="h100")
    m = match_instances(need, catalog, runtime_s=3600)
    assert m.options == [] and m.best is None
    assert "none has enough CPUs, memory and GPUs per node" in m.reason_none
    assert "most GPUs: p5" in m.reason_none and "16 H100 GPUs" in m.reason_none


def test_unknown_gpu_model_is_named_in_the_reason(catalog):
    m = match_instances(NodeNeed(cpus=4, mem_mb=16 * GIB, gpus=1, gpu_model="mi300x"), catalog)
    assert not m.options and "none has MI300X GPUs" in m.reason_none


def test_partition_max_nodes_limits_options(catalog):
    need = NodeNeed(cpus=96, mem_mb=64 * GIB, nodes=2, fixed=False)
    m = match_instances(need, catalog, ["c6i.16xlarge", "c6i.32xlarge"], max_nodes=2)
    assert [o.instance_type for o in m.options] == ["c6i.32xlarge"]
    spread = match_instances(need, catalog, ["c6i.16xlarge"], max_nodes=2)  # tasks spread over 3 > max 2
    assert not spread.options and spread.excluded["c6i.16xlarge"] == "needs 3 nodes > max 2"


def test_named_types_missing_from_catalog_are_reported(catalog):
    m = match_instances(NodeNeed(cpus=2, mem_mb=2 * GIB), catalog, ["c6i.large", "zz9.huge", "p3.2xlarge"])
    assert [o.instance_type for o in m.options] == ["c6i.large"]
    assert m.excluded["zz9.huge"] == "not in the EC2 catalog"
    assert m.excluded["p3.2xlarge"] == "fails: offered in us-east-1"


def test_spot_purchasing_sorts_by_spot_price(catalog):
    need = NodeNeed(cpus=4, mem_mb=8 * GIB, arch="x86_64")
    m = match_instances(need, catalog, ["c6i.xlarge", "c5.xlarge", "c7i.xlarge"], purchasing="spot")
    spots = [o.spot_usd_per_hour for o in m.options]
    assert spots == sorted(spots)


def test_runtime_below_a_minute_is_billed_a_minute(catalog):
    m = match_instances(NodeNeed(cpus=2, mem_mb=2 * GIB), catalog, ["c6i.large"], runtime_s=5)
    assert m.best.on_demand_usd == pytest.approx(0.085 / 60, abs=1e-4)
