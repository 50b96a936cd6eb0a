"""The request's shape as one typed value, and its placement on a partition's real nodes as SLURM would place it.

``Shape.of(job)`` reads the resolved request (asba.inputs.sbatch_resolve) once; nobody downstream needs the
``job["…"] or 1`` defaults again. ``place(shape, nodes)`` answers what SLURM's select plugin answers for a
partition: how many nodes the job gets, what it holds on each, and whether any node can hold one node's share.

SLURM semantics used (sbatch(1), SLURM 22.05):
* one task never spans nodes, so a node must hold at least ``cpus_per_task`` CPUs (times ``--ntasks-per-node``);
* without ``--nodes``, ``-n 100`` on 64-CPU nodes gets 2 nodes; with ``--nodes=N`` (or ``N-M``) the count stays
  within it and a job whose tasks do not fit in ``M`` nodes is refused;
* ``--mem`` is per node, ``--mem=0`` is all the node's memory, ``--mem-per-cpu`` scales with the CPUs a node gets;
* ``--exclusive`` allocates whole nodes: the job is charged for every CPU and all the memory of each node.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Shape:
    nodes_min: int
    nodes_max: int | None  # None: SLURM chooses (no --nodes)
    nodes_given: bool  # --nodes (or a GPU layout) fixed the node range
    tasks: int
    tasks_per_node: int | None
    cpus_per_task: int
    total_cpus: int
    mem_per_node_mb: int | None  # --mem (or a partition default per node)
    mem_per_cpu_mb: int | None
    mem_per_gpu_mb: int | None
    whole_node_mem: bool  # --mem=0
    gpus_per_node: int
    gpu_model: str | None
    exclusive: bool

    @classmethod
    def of(cls, job: Mapping[str, Any]) -> Shape:
        nodes_min = max(int(job.get("nodes_min") or 1), 1)
        nodes_max = job.get("nodes_max")
        tasks = max(int(job.get("ntasks") or 1), 1)
        cpt = max(int(job.get("cpus_per_task") or 1), 1)
        total_gpus = int(job.get("total_gpus") or 0)
        return cls(
            nodes_min=nodes_min, nodes_max=int(nodes_max) if nodes_max else None,
            nodes_given=bool(nodes_max), tasks=tasks,
            tasks_per_node=int(job["ntasks_per_node"]) if job.get("ntasks_per_node") else None,
            cpus_per_task=cpt, total_cpus=max(int(job.get("total_cpus") or tasks * cpt), 1),
            mem_per_node_mb=_int(job.get("mem_per_node_mb")) if job.get("mem_basis") != "per-cpu" else None,
            mem_per_cpu_mb=_int(job.get("mem_per_cpu_mb")), mem_per_gpu_mb=_int(job.get("mem_per_gpu_mb")),
            whole_node_mem=job.get("mem_basis") == "whole-node",
            gpus_per_node=int(job.get("gpus_per_node") or 0) if total_gpus else 0,
            gpu_model=job.get("gpu_type") or None, exclusive=bool(job.get("exclusive")),
        )

    @property
    def task_cpus(self) -> int:
        """CPUs one node must hold at least: one task, or --ntasks-per-node tasks."""
        return self.cpus_per_task * (self.tasks_per_node or 1)

    def node_mem_mb(self, cpus_on_node: int) -> int | None:
        """Memory one node needs when it holds `cpus_on_node` of the job's CPUs (None: the partition's default)."""
        if self.mem_per_cpu_mb:
            return self.mem_per_cpu_mb * cpus_on_node
        if self.mem_per_gpu_mb and self.gpus_per_node:
            return self.mem_per_gpu_mb * self.gpus_per_node
        return self.mem_per_node_mb


def _int(value: Any) -> int | None:
    return int(value) if value else None


@dataclass(frozen=True)
class NodeKind:
    """One node of a partition as sinfo shows it."""

    cpus: int
    mem_mb: int
    gpus: int = 0


@dataclass(frozen=True)
class Placement:
    feasible: bool
    reason: str | None  # why no node can hold it ("needs 128 CPUs on one node; the largest has 64")
    nodes: int
    cpus_per_node: int  # what the job holds on each node (the whole node when exclusive)
    mem_per_node_mb: int | None
    gpus_per_node: int
    whole_node: bool

    @property
    def total_cpus(self) -> int:
        return self.cpus_per_node * self.nodes

    @property
    def total_mem_mb(self) -> int | None:
        return None if self.mem_per_node_mb is None else self.mem_per_node_mb * self.nodes


def place(shape: Shape, nodes: Iterable[NodeKind], partition: str = "the partition") -> Placement:
    """Place `shape` on the partition's `nodes` as SLURM would; infeasible when no allocation can hold it."""
    kinds = sorted(nodes, key=lambda n: (n.cpus, n.mem_mb, n.gpus), reverse=True)
    if not kinds:
        return _nowhere(shape, f"{partition} has no nodes")
    biggest = kinds[0]
    why = _one_node_refusal(shape, kinds)
    if why:
        return _nowhere(shape, why)
    per_node = shape.tasks_per_node or _tasks_fitting(shape, biggest)
    count = max(shape.nodes_min, math.ceil(shape.tasks / max(per_node, 1)))
    if shape.nodes_max is not None and count > shape.nodes_max:
        return _nowhere(shape, f"{shape.tasks} tasks of {shape.cpus_per_task} CPU(s) need {count} nodes of "
                               f"{biggest.cpus} CPUs; --nodes allows {shape.nodes_max}")
    fitting = [n for n in kinds if _holds(shape, n, math.ceil(shape.total_cpus / count))]
    if count > len(fitting):
        return _nowhere(shape, f"needs {count} nodes ({shape.tasks} task(s) of {shape.cpus_per_task} CPU(s), at most "
                               f"{per_node} per node); {partition} has {len(fitting)} that can hold them")
    whole = shape.exclusive or shape.whole_node_mem
    cpus = biggest.cpus if shape.exclusive else math.ceil(shape.total_cpus / count)
    mem = biggest.mem_mb if whole else shape.node_mem_mb(cpus)
    return Placement(True, None, count, cpus, mem, shape.gpus_per_node, whole)


def _one_node_refusal(shape: Shape, kinds: list[NodeKind]) -> str | None:
    """Why not even one node can hold one node's share of the job, or None."""
    cpus = max(n.cpus for n in kinds)
    if shape.task_cpus > cpus:
        what = "one task" if not shape.tasks_per_node else f"{shape.tasks_per_node} task(s) per node"
        return f"needs {shape.task_cpus} CPUs on one node ({what}); the largest has {cpus}"
    if shape.nodes_given and not shape.tasks_per_node and shape.nodes_max == shape.nodes_min:
        share = math.ceil(shape.total_cpus / shape.nodes_min)
        if share > cpus:
            return f"needs {share} CPUs on each of {shape.nodes_min} node(s); the largest has {cpus}"
    mem = max(n.mem_mb for n in kinds)
    need = shape.node_mem_mb(shape.task_cpus)
    if need and need > mem:
        return f"needs {_gb(need)} of memory on one node; the largest has {_gb(mem)}"
    gpus = max(n.gpus for n in kinds)
    if shape.gpus_per_node > gpus:
        return f"needs {shape.gpus_per_node} GPUs on one node; the largest has {gpus}"
    return None


def _tasks_fitting(shape: Shape, node: NodeKind) -> int:
    """Tasks SLURM packs on one node of this kind (CPUs, then --mem-per-cpu memory)."""
    fit = node.cpus // shape.cpus_per_task
    if shape.mem_per_cpu_mb:
        fit = min(fit, node.mem_mb // (shape.mem_per_cpu_mb * shape.cpus_per_task))
    return max(min(fit, shape.tasks), 1)


def _holds(shape: Shape, node: NodeKind, cpus: int) -> bool:
    need = shape.node_mem_mb(cpus)
    return node.cpus >= cpus and (need is None or node.mem_mb >= need) and node.gpus >= shape.gpus_per_node


def _nowhere(shape: Shape, reason: str) -> Placement:
    return Placement(False, reason, shape.nodes_min, shape.task_cpus, shape.node_mem_mb(shape.task_cpus),
                     shape.gpus_per_node, shape.exclusive or shape.whole_node_mem)


def _gb(mb: int) -> str:
    return f"{mb / 1024:g} GB"


CONTROLLER_DOWN = re.compile(r"Unable to contact slurm controller(?: \([^)]*\))?|Could not establish a configuration "
                             r"source|Socket timed out on send/recv operation")


def unreachable(view: Any) -> str | None:
    """SLURM's error when its controller could not be reached by the commands asba ran, else None."""
    for gap in getattr(view, "gaps", None) or []:
        found = CONTROLLER_DOWN.search(gap)
        if found:
            return found.group(0)
    return None


def partition_nodes(view: Any, partition: str) -> list[NodeKind] | None:
    """The partition's nodes from sinfo; None when the cluster could not be read (feasibility unknown)."""
    if view is None:
        return None
    summary = view.summary(partition)
    if summary is None or not summary.known:
        return None
    return [NodeKind(n.cpus, n.real_memory_mb, n.gpus) for n in view.state.nodes if partition in n.partitions]


def local_placement(view: Any, shape: Shape, partition: str) -> Placement | None:
    """SLURM's placement on `partition`; an infeasible one when it does not exist; None when unknown."""
    summary = view.summary(partition) if view is not None else None
    if view is not None and unreachable(view):
        return None  # a controller that does not answer says nothing about the partition
    if summary is not None and summary.known and not summary.exists and view.state.has("partitions"):
        return _nowhere(shape, f"partition '{partition}' does not exist on this cluster (sbatch refuses it)")
    nodes = partition_nodes(view, partition)
    if nodes is None:
        return None
    return place(shape, nodes, partition)


MPI_LAUNCHERS = frozenset({"mpirun", "mpiexec", "mpiexec.hydra", "ibrun", "orterun", "horovodrun"})
MPI_MODULE_WORDS = ("mpi", "mpich", "mvapich")


def runs_mpi(shape: Shape, launchers: Iterable[str], modules: Iterable[str]) -> tuple[bool, str]:
    """Does the body really run one program as MPI ranks over several tasks? (and why, for the fact's source)

    ``srun`` alone starts tasks, not necessarily MPI: it counts when the job has several tasks and an MPI library
    is loaded (a module naming mpi/mpich/mvapich); mpirun/mpiexec/ibrun/orterun/horovodrun always count.
    """
    found = [x.lower() for x in launchers]
    mpi = next((x for x in found if x in MPI_LAUNCHERS), None)
    if mpi:
        return shape.tasks > 1 or shape.nodes_min > 1, f"the body launches with {mpi}"
    if "srun" in found and shape.tasks > 1:
        library = next((m for m in modules if any(w in m.lower() for w in MPI_MODULE_WORDS)), None)
        if library:
            return True, f"srun over {shape.tasks} tasks with the MPI module {library}"
        return False, f"srun over {shape.tasks} tasks but no MPI launcher or MPI module: not assumed MPI"
    if "srun" in found:
        return False, "srun of a single task: not MPI"
    return False, "no MPI launcher in the body"
