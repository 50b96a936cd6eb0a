"""Turn the effective sbatch options into the resources SLURM resolves, with SLURM's defaults and semantics.

Checked against ``sbatch --hold`` + ``scontrol show job`` on SLURM 22.05 (tests/script/test_differential.py):

* ``-N2`` alone is 2 tasks (one per node); ``-N2 -n8 -c4`` is 32 CPUs (tasks x cpus-per-task, not nodes x c).
* ``--ntasks-per-node`` without ``-n`` gives nodes x ntasks-per-node tasks; with ``-n`` it is a per-node maximum.
* A job gets at least one CPU per node (``-N2-4`` alone is allocated 2 CPUs); ``--overcommit`` asks for one CPU
  per node whatever the tasks; ``--mincpus`` and ``--cpus-per-gpu`` raise the CPUs the allocation gets (a
  pending job still shows fewer: see the quirks in tests/script/script_compare.py).
* ``--mem`` is per node (``0`` = the whole node), ``--mem-per-cpu`` x CPUs, ``--mem-per-gpu`` x GPUs; with
  none of them the partition's DefMemPerCPU/DefMemPerNode applies.
* ``--gres=gpu:..`` and ``--gpus-per-node`` are per node, ``--gpus`` per job, ``--gpus-per-task`` per task.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from asba.errors import InputError
from asba.inputs.sbatch_options import OptionValue
from asba.inputs.sbatch_values import (
    MAX_COUNT,
    parse_array,
    parse_dependency,
    parse_gpu_count,
    parse_gres,
    parse_nodes,
    positive_int,
)
from asba.inputs.slurm_formats import MAX_MEMORY_MB, parse_memory_mb, parse_time_limit

MEM_FAMILY = ("mem", "mem-per-cpu", "mem-per-gpu")
ORIGINS = ("cli", "env", "script")  # highest precedence first


def effective_options(options: list[OptionValue]) -> dict[str, OptionValue]:
    """Last value wins, in the order script < SBATCH_* env < command line; then sbatch's memory rule."""
    chosen: dict[str, OptionValue] = {}
    for option in sorted(options, key=lambda o: ORIGINS[::-1].index(o.origin)):
        chosen[option.name] = option
    winner = _memory_winner(options)
    for name in MEM_FAMILY:
        chosen.pop(name, None)
    if winner:
        chosen[winner.name] = winner
    return chosen


def _memory_winner(options: list[OptionValue]) -> OptionValue | None:
    """sbatch 22.05: --mem/--mem-per-cpu/--mem-per-gpu from the script and the command line together may name
    only one kind (else sbatch is fatal) and the command line's value wins; SBATCH_MEM_* only apply when
    neither the script nor the command line asks for memory."""
    for origins in (("script", "cli"), ("env",)):
        given = [o for o in options if o.origin in origins and o.name in MEM_FAMILY]
        kinds = list(dict.fromkeys(o.name for o in given))
        if len(kinds) > 1:
            first = next(o for o in given if o.name == kinds[0])
            second = next(o for o in given if o.name == kinds[1])
            raise InputError(
                f"{first.text} ({first.where}) and {second.text} ({second.where}) conflict: sbatch refuses a job "
                "with more than one of --mem, --mem-per-cpu and --mem-per-gpu", where=second.where,
                code="ASBA-SCRIPT-030", hint=f"request memory one way; to override the script use --{kinds[0]}")
        if given:
            return sorted(given, key=lambda o: ORIGINS[::-1].index(o.origin))[-1]
    return None


@dataclass(frozen=True)
class GpuRequest:
    per_node: int | None = None  # --gpus-per-node or --gres=gpu:N
    per_job: int | None = None  # --gpus
    per_task: int | None = None  # --gpus-per-task
    type: str | None = None
    names: tuple[str, ...] = ()  # the options that asked for GPUs


class Resolver:
    """Builds the job dict and its sources from the effective options."""

    def __init__(self, chosen: Mapping[str, OptionValue], defaults: Mapping[str, Any] | None) -> None:
        self.opt = chosen
        self.defaults = dict(defaults or {})
        self.job: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        self.provenance: dict[str, str] = {}  # key -> "job.sbatch:7 --mem=64G; ..." (fact sources)
        self.warnings: list[str] = []

    def value(self, name: str) -> str | None:
        option = self.opt.get(name)
        return option.value if option else None

    def where(self, name: str) -> str:
        return self.opt[name].where

    def put(self, key: str, value: Any, *names: str, default: str = "SLURM default") -> None:
        self.job[key] = value
        given = [self.opt[n] for n in names if n in self.opt]
        if not given:
            self.sources[key] = self.provenance[key] = default
        elif len(given) == 1:
            self.sources[key], self.provenance[key] = given[0].where, f"{given[0].where} {given[0].text}"
        else:
            unique = list({id(o): o for o in given}.values())
            self.sources[key] = ", ".join(dict.fromkeys(o.where for o in unique))
            self.provenance[key] = "; ".join(f"{o.where} {o.text}" for o in unique)

    def resolve(self) -> None:
        self._tasks()
        self._memory()
        self._time()
        self._array_and_dependencies()
        self._placement()
        self._refuse_impossible_totals()

    def _refuse_impossible_totals(self) -> None:
        """Totals that multiply out past what SLURM holds (CPUs, tasks, GPUs in 32 bits; MiB as exact floats)."""
        for key, limit in (("total_cpus", MAX_COUNT), ("ntasks", MAX_COUNT), ("total_gpus", MAX_COUNT),
                           ("nodes_min", MAX_COUNT), ("total_mem_mb", MAX_MEMORY_MB),
                           ("mem_per_node_mb", MAX_MEMORY_MB)):
            value = self.job.get(key)
            if isinstance(value, int | float) and value > limit:
                raise InputError(f"the request adds up to {key} = {value:.4g}, more than SLURM can hold ({limit})",
                                 where=self.sources.get(key) or None, code="ASBA-SCRIPT-032",
                                 hint="check the counts and sizes of the options named")

    def _int(self, name: str) -> int | None:
        text = self.value(name)
        return None if text is None else positive_int(text, f"--{name}", self.where(name))

    def _gpu_request(self) -> GpuRequest:
        """All GPU options together, checked as sbatch checks them (types, --gpus vs GPUs per node)."""
        gres = parse_gres(self.value("gres"), self.where("gres")) if "gres" in self.opt else []
        self.put("gres", [g.text() for g in gres], "gres")
        specs: dict[str, tuple[int, str | None]] = {}
        gres_gpus = [g for g in gres if g.name == "gpu"]
        if gres_gpus:
            specs["gres"] = (sum(g.count for g in gres_gpus),
                             ",".join(dict.fromkeys(g.type for g in gres_gpus if g.type)) or None)
        for name in ("gpus-per-node", "gpus", "gpus-per-task"):
            if name in self.opt:
                specs[name] = parse_gpu_count(self.value(name), f"--{name}", self.where(name))
        if not specs:
            return GpuRequest()
        last = self.opt.get(list(specs)[-1]) or self.opt["gres"]
        typed = [gpu_type is not None for _, gpu_type in specs.values()]
        if any(typed) and not all(typed):
            raise InputError("GPUs requested with and without a type; sbatch refuses this", where=last.where,
                             code="ASBA-SCRIPT-022", hint="give every GPU option a type (e.g. a100:2), or none")
        per_node = specs.get("gpus-per-node", specs.get("gres", (None, None)))[0]
        per_job, per_task = specs.get("gpus", (None,))[0], specs.get("gpus-per-task", (None,))[0]
        if per_job and per_node and per_job % per_node:
            raise InputError(f"--gpus={per_job} is not a multiple of the {per_node} GPUs per node; sbatch refuses "
                             "this", where=last.where, code="ASBA-SCRIPT-023",
                             hint="make --gpus a multiple of --gpus-per-node (or --gres=gpu:N)")
        gpu_type = next((t for _, t in specs.values() if t), None)
        return GpuRequest(per_node, per_job, per_task, gpu_type, tuple(n for n in specs))

    def _nodes(self, gpu: GpuRequest, ntasks: int | None, per_node: int | None) -> tuple[int, int | None]:
        low, high = parse_nodes(self.value("nodes"), self.where("nodes")) if "nodes" in self.opt else (1, None)
        if gpu.per_job and gpu.per_node:  # --gpus with GPUs per node fixes the node count
            low = max(low, gpu.per_job // gpu.per_node)
            high = high if "nodes" in self.opt else low
        if ntasks and per_node:
            need = math.ceil(ntasks / per_node)
            if high is not None and need > high:
                raise InputError(f"{ntasks} tasks at most {per_node} per node need {need} nodes but --nodes allows "
                                 f"{high}; sbatch refuses to run this", where=self.where("nodes"),
                                 code="ASBA-SCRIPT-027", hint="raise --nodes or --ntasks-per-node, or lower --ntasks")
            low = max(low, need)
        if ntasks and low > ntasks:  # sbatch: "can't run 2 processes on 3 nodes, setting nnodes to 2"
            self.warnings.append(f"{self.where('nodes')}: {ntasks} tasks cannot use {low} nodes; SLURM sets the "
                                 f"node count to {ntasks}")
            low = ntasks
        for cap in (ntasks, gpu.per_job):  # no more nodes than tasks, nor than GPUs of --gpus
            if cap and high is not None and high > cap:
                high = max(cap, low)
        return low, high

    def _refuse_combinations(self, gpu: GpuRequest) -> None:
        """Option combinations sbatch 22.05 refuses before submitting (messages checked on the test cluster)."""
        given = set(self.opt)
        pairs = (("cpus-per-gpu", "cpus-per-task"), ("gpus-per-task", "ntasks-per-gpu"),
                 ("ntasks-per-node", "ntasks-per-gpu"))
        for first, second in pairs:
            if {first, second} <= given:
                raise InputError(f"--{first} and --{second} are mutually exclusive; sbatch refuses this",
                                 where=self.where(second), code="ASBA-SCRIPT-028", hint="drop one of them")
        # sbatch counts tasks from --nodes only without --cpus-per-task, and needs a fixed node count for
        # --ntasks-per-gpu (--nodes=1-2 is refused)
        fixed_nodes = "-" not in (self.value("nodes") or "")  # no --nodes, or a single count
        layout = {"threads-per-core", "hint", "cores-per-socket", "sockets-per-node", "extra-node-info"} & given
        tasks_known = bool({"gpus", "ntasks"} & given) or fixed_nodes and (
            "ntasks-per-node" in given or ("nodes" in given and ("cpus-per-task" not in given or bool(layout))))
        fixed_nodes = fixed_nodes and "nodes" in given
        needs = (("gpus-per-task", not tasks_known, "--gpus or --ntasks"),
                 ("ntasks-per-gpu", not (gpu.names or "ntasks" in given or fixed_nodes),
                  "a GPU request, --ntasks or a fixed --nodes"),
                 ("mem-per-gpu", not gpu.names and "ntasks-per-gpu" not in given, "a GPU request"))
        for name, missing, what in needs:
            if name in given and missing:
                raise InputError(f"--{name} without {what}; sbatch refuses this", where=self.where(name),
                                 code="ASBA-SCRIPT-029", hint=f"add {what}")

    def _tasks(self) -> None:
        gpu = self._gpu_request()
        self._refuse_combinations(gpu)
        per_node, ntasks, cpt = self._int("ntasks-per-node"), self._int("ntasks"), self._int("cpus-per-task")
        per_gpu_tasks, cpus_per_gpu = self._int("ntasks-per-gpu"), self._int("cpus-per-gpu")
        low, high = self._nodes(gpu, ntasks, per_node)
        job_gpus = gpu.per_job or (gpu.per_node or 0) * low
        tasks = base_tasks = ntasks or low * (per_node or 1)
        if per_gpu_tasks and job_gpus:  # --ntasks-per-gpu with a GPU request decides the tasks (raises -n)
            tasks = job_gpus * per_gpu_tasks
            if ntasks and ntasks > tasks:
                raise InputError(f"--ntasks={ntasks} is more than {job_gpus} GPUs x --ntasks-per-gpu={per_gpu_tasks};"
                                 " sbatch refuses to run this", where=self.where("ntasks-per-gpu"),
                                 code="ASBA-SCRIPT-027", hint="lower --ntasks or ask for more GPUs")
        elif per_gpu_tasks:  # --ntasks-per-gpu alone: one GPU per that many tasks
            job_gpus = math.ceil(tasks / per_gpu_tasks)
        if cpt is None:  # --cpus-per-gpu with --gpus-per-task sets the CPUs of each task
            cpt = gpu.per_task * cpus_per_gpu if cpus_per_gpu and gpu.per_task else 1
        total_gpus = job_gpus or (gpu.per_task or 0) * tasks
        # CPUs come from the tasks as requested (a run of --ntasks-per-gpu=1 -c3 on 2 GPUs got 2 tasks, 3 CPUs)
        cpus = max(base_tasks * cpt, tasks, low, total_gpus * (cpus_per_gpu or 0))
        if "overcommit" in self.opt:
            cpus = low
        cpus = max(cpus, (self._int("mincpus") or 0) * low)
        self.put("nodes_min", low, "nodes", "ntasks", "ntasks-per-node", *gpu.names)
        self.put("nodes_max", high, "nodes")
        self.put("ntasks", tasks, "ntasks", "nodes", "ntasks-per-node", "ntasks-per-gpu")
        self.put("ntasks_per_node", per_node, "ntasks-per-node")
        self.put("cpus_per_task", cpt, "cpus-per-task", "cpus-per-gpu")
        self.put("total_cpus", cpus, "nodes", "ntasks", "ntasks-per-node", "cpus-per-task", "overcommit", "mincpus",
                 "cpus-per-gpu")
        self.put("gpus_per_node", gpu.per_node or math.ceil(total_gpus / low), *gpu.names)
        self.put("total_gpus", total_gpus, *gpu.names, *(("nodes", "ntasks") if gpu.names else ()))
        self.put("gpu_type", gpu.type, *gpu.names)

    def _memory(self) -> None:
        cpus, nodes, gpus = self.job["total_cpus"], self.job["nodes_min"], self.job["total_gpus"]
        per_cpu = per_gpu = per_node = total = None
        names: tuple[str, ...] = ()
        if "mem" in self.opt:
            per_node, names = parse_memory_mb(self.value("mem"), where=self.where("mem")), ("mem",)
            basis = "per-node"
            if per_node == 0:
                basis, per_node = "whole-node", self.defaults.get("RealMemory")
        elif "mem-per-cpu" in self.opt:
            per_cpu = parse_memory_mb(self.value("mem-per-cpu"), where=self.where("mem-per-cpu"),
                                      option="--mem-per-cpu")
            basis, names = "per-cpu", ("mem-per-cpu", "ntasks", "cpus-per-task", "nodes")
        elif "mem-per-gpu" in self.opt:
            per_gpu = parse_memory_mb(self.value("mem-per-gpu"), where=self.where("mem-per-gpu"),
                                      option="--mem-per-gpu")
            basis, names = "per-gpu", ("mem-per-gpu", "gres", "gpus", "gpus-per-node", "gpus-per-task")
        else:
            basis = "partition-default"
            per_cpu, per_node = self.defaults.get("DefMemPerCPU"), self.defaults.get("DefMemPerNode")
            per_cpu = None if per_node else per_cpu
        if per_cpu is not None:
            total, per_node = per_cpu * cpus, per_cpu * math.ceil(cpus / nodes)
        elif per_gpu is not None:
            total, per_node = per_gpu * gpus, per_gpu * self.job["gpus_per_node"]
        elif per_node is not None:
            total = per_node * nodes
        default = "partition default" if basis == "partition-default" else "SLURM default"
        self.put("mem_basis", basis, *names[:1], default=default)
        self.put("mem_per_node_mb", per_node, *names, default=default)
        self.put("mem_per_cpu_mb", per_cpu, *(names[:1] if basis == "per-cpu" else ()), default=default)
        self.put("mem_per_gpu_mb", per_gpu, *(names[:1] if basis == "per-gpu" else ()), default=default)
        self.put("total_mem_mb", total, *names, "nodes", default=default)

    def _time(self) -> None:
        for key, name in (("time_limit_s", "time"), ("time_min_s", "time-min")):
            if name in self.opt:
                seconds = parse_time_limit(self.value(name), where=self.where(name))
                limit = self.job.get("time_limit_s")
                if key == "time_min_s" and seconds and limit and seconds > limit:
                    raise InputError(f"--time-min ({seconds // 60} min) exceeds the time limit ({limit // 60} min); "
                                     "SLURM refuses the job", where=self.where(name), code="ASBA-SCRIPT-026",
                                     hint="make --time-min at most --time")
                self.put(key, seconds, name)
                if key == "time_limit_s":
                    self.put("time_limit_basis", "unlimited" if seconds is None else "requested", name)
            elif key == "time_limit_s":
                self.put(key, self.defaults.get("DefaultTime_s"), default="partition default")
                self.put("time_limit_basis", "partition-default", default="partition default")
            else:
                self.put(key, None)

    def _array_and_dependencies(self) -> None:
        spec = parse_array(self.value("array"), self.where("array")) if "array" in self.opt else None
        self.put("array", self.value("array"), "array")
        self.put("array_task_count", spec.count if spec else 1, "array")
        self.put("array_max_concurrent", spec.max_concurrent if spec else None, "array")
        deps, mode = ([], None)
        if "dependency" in self.opt and (self.value("dependency") or "").strip():
            deps, mode = parse_dependency(self.value("dependency"), self.where("dependency"))
        self.put("dependencies", deps, "dependency")
        self.put("dependency_mode", mode, "dependency")

    def _placement(self) -> None:
        parts = [p.strip() for p in (self.value("partition") or "").split(",") if p.strip()]
        self.put("partition", parts[0] if parts else None, "partition", default="cluster default")
        self.put("partitions", parts, "partition", default="cluster default")
        for key, name in (("account", "account"), ("qos", "qos"), ("constraint", "constraint"),
                          ("job_name", "job-name"), ("output", "output"), ("error", "error"),
                          ("begin", "begin"), ("hint", "hint"), ("nodelist", "nodelist"),
                          ("exclude", "exclude"), ("reservation", "reservation")):
            self.put(key, self.value(name), name)
        self.put("exclusive", "exclusive" in self.opt, "exclusive")
        threads = self._int("threads-per-core")
        if threads is None and (self.value("hint") or "").strip() == "nomultithread":
            threads = 1  # SLURM applies --hint=nomultithread as one thread per core
        self.put("threads_per_core", threads, "threads-per-core", "hint")
        tmp = self.value("tmp")
        self.put("tmp_mb", parse_memory_mb(tmp, where=self.where("tmp"), option="--tmp") if tmp else None, "tmp")
