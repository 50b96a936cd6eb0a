"""Instance matching: which EC2 types can run a job's per-node need, how many nodes, at what cost.

Pure functions over the catalog. A single-node job must fit one instance. A multi-node job (nodes > 1) is
treated as distributed (MPI or similar): it gets at least the nodes it asked for (SLURM allocates them), and
more when one instance is smaller than its per-node share, its total need then spread over the instances.
Memory usable by a job is 95% of the instance's memory (AWS ParallelCluster's default RealMemory-to-EC2-memory
ratio), leaving room for the OS and slurmd.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from asba.knowledge.catalog import Catalog, InstanceType

MEM_USABLE = 0.95
MIN_BILLED_S = 60  # EC2 Linux per-second billing has a 60-second minimum


@dataclass(frozen=True)
class NodeNeed:
    cpus: int  # per node
    mem_mb: int  # per node, MiB (SLURM's M)
    gpus: int = 0  # per node
    gpu_model: str | None = None  # e.g. "a100"; None: any model
    efa: bool = False  # tightly coupled multi-node MPI
    arch: str | None = None  # "x86_64" or "arm64"; None: any
    nodes: int = 1
    task_cpus: int = 1  # CPUs one instance must hold at least: one task (x --ntasks-per-node)
    fixed: bool = True  # the node count is the request's (--nodes); False: SLURM may spread the tasks
    spread: bool = False  # spread the tasks over more instances (only when no type holds one node's share)

    def describe(self) -> str:
        from asba.report import units  # the one number formatter (a leaf module)

        parts = [units.plural(self.cpus, "CPU"), units.mem(self.mem_mb)]
        if self.gpus:
            parts.append(units.plural(self.gpus, f"{self.gpu_model.upper() + ' ' if self.gpu_model else ''}GPU"))
        text = " + ".join(parts) + " per node"
        if self.nodes > 1:
            text += f" x {self.nodes} nodes"
        if self.efa:
            text += ", EFA"
        if self.arch:
            text += f", {self.arch}"
        return text


@dataclass
class InstanceOption:
    instance_type: str
    nodes_needed: int
    vcpus: int
    memory_gib: float
    gpus: int
    gpu_model: str | None
    gpu_memory_gib: float
    efa: bool
    arch: str
    region: str
    on_demand_usd_per_hour: float | None  # per node
    spot_usd_per_hour: float | None  # per node
    spot_estimate: bool
    on_demand_usd: float | None  # all nodes, for the runtime
    spot_usd: float | None
    waste_cpu_pct: float
    waste_mem_pct: float
    waste_gpu_pct: float | None
    packing_waste_pct: float  # 1 - the job's dominant share of what it pays for
    spot_interruption: str | None
    price_source: str
    price_date: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Match:
    need: NodeNeed
    region: str
    runtime_s: float
    options: list[InstanceOption]
    price_label: str
    reason_none: str | None = None
    excluded: dict[str, str] = field(default_factory=dict)  # named types that were left out, and why

    @property
    def best(self) -> InstanceOption | None:
        return self.options[0] if self.options else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "need": asdict(self.need),
            "region": self.region,
            "runtime_s": self.runtime_s,
            "price_label": self.price_label,
            "options": [o.as_dict() for o in self.options],
            "reason_none": self.reason_none,
            "excluded": self.excluded,
        }


def norm_gpu(name: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


def expand_types(catalog: Catalog, allowed: Iterable[str]) -> tuple[list[InstanceType], dict[str, str]]:
    """Catalog entries named by exact types or patterns, and the names that matched nothing."""
    chosen: dict[str, InstanceType] = {}
    missing: dict[str, str] = {}
    for name in allowed:
        if any(ch in name for ch in "*?["):
            hits = [t for t in catalog if fnmatch.fnmatchcase(t.instance_type, name)]
        else:
            hits = [catalog.types[name]] if name in catalog else []
        if not hits:
            missing[name] = "not in the EC2 catalog"
        for t in hits:
            chosen.setdefault(t.instance_type, t)
    return list(chosen.values()), missing


def nodes_needed(t: InstanceType, need: NodeNeed) -> int | None:
    """Instances of type `t` the job needs, or None when it cannot run on `t`.

    Every instance holds at least one whole task. Without spreading, one instance holds one node's share and the
    node count is the request's; spreading (tasks free to move, no type big enough) packs whole tasks.
    """
    mem = t.memory_mib * MEM_USABLE
    if not need.spread:
        fits = t.vcpus >= need.cpus and mem >= need.mem_mb and t.gpus >= need.gpus
        return need.nodes if fits else None
    task_mem = need.mem_mb * need.task_cpus / max(need.cpus, 1)
    if t.vcpus < need.task_cpus or mem < task_mem or (need.gpus and not t.gpus):
        return None
    tasks_per_instance = t.vcpus // need.task_cpus
    counts = [math.ceil(need.cpus * need.nodes / (tasks_per_instance * need.task_cpus)),
              math.ceil(need.mem_mb * need.nodes / mem)]
    if need.gpus:
        counts.append(math.ceil(need.gpus * need.nodes / t.gpus))
    return max(need.nodes, *counts)


_Stage = tuple[str, Callable[[InstanceType], bool]]


def _stages(need: NodeNeed, region: str, named: bool) -> list[_Stage]:
    model = norm_gpu(need.gpu_model)
    stages: list[_Stage] = [
        (f"offered in {region}", lambda t: t.offered),
        ("not a Mac or burstable type", lambda t: "mac" not in t.arch and (named or not t.burstable)),
    ]
    if need.arch:
        stages.append((f"{need.arch} architecture", lambda t: t.arch == need.arch))
    if need.gpus:
        label = f"{need.gpu_model.upper()} GPUs" if need.gpu_model else "GPUs"
        stages.append((label, lambda t: t.gpus > 0 and (not model or norm_gpu(t.gpu_model) == model)))
    else:  # a CPU-only job never pays for GPUs it does not use
        stages.append(("no GPUs (a CPU-only job)", lambda t: t.gpus == 0))
    if need.efa:
        stages.append(("EFA networking", lambda t: t.efa))
    stages.append(("enough CPUs, memory and GPUs per node", lambda t: nodes_needed(t, need) is not None))
    return stages


def match_instances(
    need: NodeNeed,
    catalog: Catalog,
    allowed_types: Iterable[str] | None = None,
    runtime_s: float = 3600.0,
    *,
    max_nodes: int | None = None,
    purchasing: str = "on-demand",
) -> Match:
    """Feasible instance types for `need`, cheapest first (by `purchasing` price, unpriced types last)."""
    found = _match(need, catalog, allowed_types, runtime_s, max_nodes, purchasing)
    if not found.options and not need.fixed and not need.spread:  # no type holds it whole: spread the tasks
        return _match(replace(need, spread=True), catalog, allowed_types, runtime_s, max_nodes, purchasing)
    return found


def _match(need: NodeNeed, catalog: Catalog, allowed_types: Iterable[str] | None, runtime_s: float,
           max_nodes: int | None, purchasing: str) -> Match:
    named = allowed_types is not None
    pool, excluded = expand_types(catalog, allowed_types) if allowed_types is not None else (list(catalog), {})
    scope = "the burst partition's types" if named else "the catalog"
    reason = None
    for label, keep in _stages(need, catalog.region, named):
        survivors = [t for t in pool if keep(t)]
        if named:
            excluded.update({t.instance_type: f"fails: {label}" for t in pool if t not in survivors})
        if not survivors:
            reason = _why_none(need, label, pool, scope, catalog.region)
            break
        pool = survivors
    options = [] if reason else [_option(t, need, runtime_s) for t in pool]
    if options and max_nodes is not None:
        too_many = [o for o in options if o.nodes_needed > max_nodes]
        excluded.update({o.instance_type: f"needs {o.nodes_needed} nodes > max {max_nodes}" for o in too_many})
        options = [o for o in options if o.nodes_needed <= max_nodes]
        if not options:
            reason = f"every type that fits needs more than the partition's {max_nodes} nodes for {need.describe()}"
    options.sort(key=_sort_key(purchasing))
    return Match(need, catalog.region, runtime_s, options, catalog.price_label(), reason, excluded)


def _sort_key(purchasing: str) -> Callable[[InstanceOption], tuple]:
    def key(o: InstanceOption) -> tuple:
        per_hour = o.spot_usd_per_hour if purchasing == "spot" else o.on_demand_usd_per_hour
        total = per_hour * o.nodes_needed if per_hour is not None else math.inf
        # on equal cost, fewer and larger nodes
        # unpriced: smallest first
        return (round(total, 6), o.nodes_needed, o.packing_waste_pct, o.vcpus, o.memory_gib, o.instance_type)

    return key


def _option(t: InstanceType, need: NodeNeed, runtime_s: float) -> InstanceOption:
    n = nodes_needed(t, need) or 0
    hours = max(runtime_s, MIN_BILLED_S) / 3600
    used_cpu = need.cpus * need.nodes / (t.vcpus * n)
    used_mem = need.mem_mb * need.nodes / (t.memory_mib * n)
    used_gpu = need.gpus * need.nodes / (t.gpus * n) if t.gpus else None
    shares = [used_cpu, used_mem] + ([used_gpu] if used_gpu is not None and need.gpus else [])
    return InstanceOption(
        instance_type=t.instance_type,
        nodes_needed=n,
        vcpus=t.vcpus,
        memory_gib=round(t.memory_gib, 3),
        gpus=t.gpus,
        gpu_model=t.gpu_model,
        gpu_memory_gib=round(t.gpu_memory_gib, 3),
        efa=t.efa,
        arch=t.arch,
        region=t.region,
        on_demand_usd_per_hour=t.on_demand_usd_per_hour,
        spot_usd_per_hour=t.spot_usd_per_hour,
        spot_estimate=t.spot_estimate,
        on_demand_usd=_cost(t.on_demand_usd_per_hour, n, hours),
        spot_usd=_cost(t.spot_usd_per_hour, n, hours),
        waste_cpu_pct=_pct(1 - used_cpu),
        waste_mem_pct=_pct(1 - used_mem),
        waste_gpu_pct=_pct(1 - used_gpu) if used_gpu is not None else None,
        packing_waste_pct=_pct(1 - min(1.0, max(shares))),
        spot_interruption=t.spot_interruption,
        price_source=t.price_source,
        price_date=t.price_date,
    )


def _cost(per_hour: float | None, nodes: int, hours: float) -> float | None:
    return None if per_hour is None else round(per_hour * nodes * hours, 4)


def _pct(fraction: float) -> float:
    return round(max(0.0, fraction) * 100, 1)


def _why_none(need: NodeNeed, label: str, pool: list[InstanceType], scope: str, region: str) -> str:
    """Say which requirement nothing met, and what the closest type offers."""
    head = f"no instance type in {scope} ({region}) meets the job's need ({need.describe()}): none has {label}"
    if not pool:
        return head
    if label.startswith("enough"):
        mem = max(pool, key=lambda t: t.memory_mib)
        cpu = max(pool, key=lambda t: t.vcpus)
        from asba.report import units  # the one number formatter (a leaf module)

        parts = [f"most memory: {mem.instance_type} {units.gib(mem.memory_gib * MEM_USABLE)} usable",
                 f"most vCPUs: {cpu.instance_type} {cpu.vcpus}"]
        if need.gpus:
            gpu = max(pool, key=lambda t: t.gpus)
            parts.append(f"most GPUs: {gpu.instance_type} {gpu.gpus}")
        return f"{head} ({'; '.join(parts)})"
    return f"{head} ({len(pool)} types had everything before that)"
