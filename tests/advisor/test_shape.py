"""asba.decide.shape: the request's shape placed on a partition's nodes as SLURM would (issue 21)."""

from __future__ import annotations

from asba.decide.shape import NodeKind, Shape, place, runs_mpi

CPU = [NodeKind(64, 262144), NodeKind(64, 262144)]  # the shipped snapshot's cpu partition


def _shape(**job) -> Shape:
    return Shape.of({"nodes_min": 1, "ntasks": 1, "cpus_per_task": 1, "total_cpus": 1, **job})


def test_ntasks_without_nodes_gets_as_many_nodes_as_slurm_gives():
    placed = place(_shape(ntasks=100, total_cpus=100), CPU, "cpu")
    assert placed.feasible and placed.nodes == 2 and placed.cpus_per_node == 50
    too_many = place(_shape(ntasks=200, total_cpus=200), CPU, "cpu")
    assert not too_many.feasible and "needs 4 nodes" in too_many.reason and "cpu has 2" in too_many.reason


def test_a_task_wider_than_a_node_and_a_fixed_node_count_are_refused():
    wide = place(_shape(cpus_per_task=128, total_cpus=128), CPU, "cpu")
    assert wide.reason == "needs 128 CPUs on one node (one task); the largest has 64"
    nodes = place(_shape(nodes_min=8, nodes_max=8, ntasks=8, total_cpus=8), CPU, "cpu")
    assert not nodes.feasible and "needs 8 nodes" in nodes.reason


def test_whole_node_requests_hold_the_whole_node():
    whole = place(_shape(ntasks=4, total_cpus=4, exclusive=True, mem_basis="whole-node"), CPU, "cpu")
    assert whole.feasible and whole.whole_node and whole.cpus_per_node == 64 and whole.mem_per_node_mb == 262144
    mem0 = place(_shape(ntasks=4, total_cpus=4, mem_basis="whole-node"), CPU, "cpu")
    assert mem0.mem_per_node_mb == 262144 and mem0.cpus_per_node == 4


def test_memory_and_gpus_per_node_are_checked_against_the_largest_node():
    mem = place(_shape(mem_per_node_mb=2000 * 1024, mem_basis="per-node"), [NodeKind(64, 1048576)], "highmem")
    assert mem.reason == "needs 2000 GB of memory on one node; the largest has 1024 GB"
    gpu = place(_shape(gpus_per_node=16, total_gpus=16), [NodeKind(64, 524288, 8)], "gpu")
    assert gpu.reason == "needs 16 GPUs on one node; the largest has 8"
    per_cpu = place(_shape(ntasks=80, total_cpus=80, mem_per_cpu_mb=4096, mem_basis="per-cpu"), CPU, "cpu")
    assert per_cpu.feasible and per_cpu.nodes == 2  # 64 x 4 GB fits a 256 GB node


def test_mpi_is_what_the_body_really_runs():
    one = _shape()
    many = _shape(nodes_min=2, nodes_max=2, ntasks=32, total_cpus=32)
    assert runs_mpi(one, ["srun"], []) == (False, "srun of a single task: not MPI")
    assert runs_mpi(many, ["srun"], ["intel-mpi/2019.7"])[0] is True
    assert runs_mpi(many, ["srun"], ["python/3.11"])[0] is False
    assert runs_mpi(many, ["mpirun"], [])[0] is True
