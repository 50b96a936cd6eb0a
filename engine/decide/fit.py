"""The request fitted to both sides: its job facts (with the MPI the body really runs), one node's share for an
instance, the cheapest fitting instance type of the burst partition, and the local cost of what SLURM allocates.
"""

from __future__ import annotations

import fnmatch
import math
import re
from typing import Any

from asba.decide import compare
from asba.decide.shape import Placement, Shape
from asba.facts.model import Fact

FAMILY_PATTERNS = {"gpu": r"^(p|g)\d", "memory": r"^(r|x|u|z)\d", "compute": r"^c\d", "general": r"^m\d", "hpc": r"."}


def job_facts(req: Any) -> list[Fact]:
    from asba.facts.body_facts import body_facts
    from asba.facts.job_facts import job_facts as parser_facts

    body = body_facts(req.script)
    return [_mpi_fact(req, body) if f.name == "job.is_mpi" else f for f in parser_facts(req)] + body


def _mpi_fact(req: Any, body: list[Fact]) -> Fact:
    """job.is_mpi as the body really runs it (asba.decide.shape.runs_mpi): an srun is not MPI by itself."""
    from asba.decide.shape import runs_mpi

    values = {f.name: f.value for f in body}
    mpi, why = runs_mpi(Shape.of(req.job), values.get("body.launchers") or [], values.get("body.modules") or [])
    return Fact("job.is_mpi", mpi, f"{req.script}: {why}")


def node_need(req: Any, family_class: str | None, efa: bool, whole_node_mb: int | None = None) -> Any:
    """One node's share of the job for an instance: at least one whole task, the memory per node, the GPUs.

    A request with --nodes keeps its node count; one without may have its tasks spread (asba.knowledge.matching).
    ``--mem=0`` asks for a whole node's memory: the local node's (`whole_node_mb`) when known.
    """
    from asba.knowledge.matching import NodeNeed

    shape = Shape.of(req.job)
    nodes = shape.nodes_min
    cpus = max(math.ceil(shape.total_cpus / nodes), shape.task_cpus)
    mem = shape.node_mem_mb(cpus)
    if shape.whole_node_mem:
        mem = whole_node_mb or mem
    return NodeNeed(cpus=cpus, mem_mb=int(mem or cpus * 1024), gpus=shape.gpus_per_node, gpu_model=shape.gpu_model,
                    efa=efa, nodes=nodes, task_cpus=shape.task_cpus,
                    fixed=shape.nodes_given or shape.tasks_per_node is not None or shape.tasks == 1)


def gb_per_core(req: Any, history: dict[str, Any]) -> tuple[float, str]:
    """Memory per requested core (at least one): the family is chosen from what the job asks per core it holds."""
    shape = Shape.of(req.job)
    typical = history.get("history.memory_typical_mb")
    if typical:
        return (round(float(typical) / 1024 / shape.total_cpus, 3),
                "history: typical peak memory per requested CPU (not per busy core)")
    cpus = max(math.ceil(shape.total_cpus / shape.nodes_min), 1)
    mem = shape.node_mem_mb(cpus) or cpus * 1024
    return round(mem / 1024 / cpus, 3), f"{req.script}: requested memory per requested CPU"


def multi_node_mpi(req: Any) -> bool:
    """EFA only where the body really runs MPI (asba.decide.shape.runs_mpi)."""
    return bool(_value(job_facts(req), "job.is_mpi"))


def whole_node_mb(view: Any, partition: str) -> int | None:
    """The memory of the partition's largest node (what --mem=0 holds), or None when unknown."""
    summary = view.summary(partition) if view is not None else None
    return summary.max_node_memory_mb if summary is not None else None


def pick_offer(ctx: Any, req: Any, burst: Any, family_class: str | None, runtime_s: float,
               notes: list[str], whole_mb: int | None = None) -> tuple[compare.Offer | None, Any]:
    from asba.knowledge.matching import match_instances

    if burst is None:
        return None, None
    efa = family_class == "hpc" and Shape.of(req.job).nodes_min > 1 and multi_node_mpi(req)
    types = burst_types(ctx, burst)
    match = match_instances(node_need(req, family_class, efa, whole_mb), ctx.catalog, types, runtime_s,
                            max_nodes=burst.max_nodes, purchasing=burst.purchasing)
    if efa and not match.options:
        notes.append(f"no EFA instance type in {burst.name} can hold the job ({match.reason_none}); priced without "
                     "EFA, so multi-node MPI will scale worse than on the local cluster")
        match = match_instances(node_need(req, family_class, False, whole_mb), ctx.catalog, types, runtime_s,
                                max_nodes=burst.max_nodes, purchasing=burst.purchasing)
    if not match.options:
        notes.append(f"AWS: {match.reason_none}")
        return None, match
    pattern = re.compile(FAMILY_PATTERNS.get(family_class or "", r"."))
    preferred = [o for o in match.options if pattern.match(o.instance_type)]
    best = min(match.options, key=lambda o: (round(_job_rate(ctx, o), 6), o.nodes_needed))  # cheapest that fits
    if preferred and preferred[0] is not best:
        extra = (_job_rate(ctx, preferred[0]) - _job_rate(ctx, best)) * runtime_s / 3600
        notes.append(f"{best.instance_type} x{best.nodes_needed} is the cheapest type that fits; the {family_class} "
                     f"family's best, {preferred[0].instance_type} x{preferred[0].nodes_needed}, would cost "
                     f"{units_usd(extra)} more for this run")
    return _offer(ctx, burst, best), match


def _job_rate(ctx: Any, option: Any) -> float:
    """What an hour of the job's local runtime costs on `option`: price x nodes x the family's runtime factor."""
    factors = ctx.cfg.get("advisor.performance_factors", None) or {}
    family = option.instance_type.split(".")[0]
    return _hourly(option) * float(factors.get(family, factors.get("default", 1.0)))


def _hourly(option: Any) -> float:
    return (option.on_demand_usd_per_hour or math.inf) * option.nodes_needed


def units_usd(amount: float) -> str:
    from asba.report import units

    return units.usd(amount)


_EXPANDED: dict[tuple, tuple[str, ...]] = {}


def burst_types(ctx: Any, burst: Any) -> tuple[str, ...]:
    """The burst partition's patterns ("c7i.*") expanded once to exact catalog names (matching runs often)."""
    key = (id(ctx.catalog), burst.name, burst.instance_types)
    if key not in _EXPANDED:
        exact = [p for p in burst.instance_types if not any(ch in p for ch in "*?[")]
        patterns = [fnmatch.translate(p) for p in burst.instance_types if p not in exact]
        wanted = re.compile("|".join(patterns)) if patterns else None
        found = [t.instance_type for t in ctx.catalog if wanted is not None and wanted.match(t.instance_type)]
        _EXPANDED[key] = tuple(dict.fromkeys(found + exact))
    return _EXPANDED[key]


def _offer(ctx: Any, burst: Any, option: Any) -> compare.Offer:
    family = option.instance_type.split(".")[0]
    factors = ctx.cfg.get("advisor.performance_factors", None) or {}
    factor = float(factors.get(family, factors.get("default", 1.0)))
    purchasing = burst.purchasing_for(option.instance_type)
    spot_ok = purchasing == "spot" and option.spot_usd_per_hour is not None
    return compare.Offer(
        option.instance_type, family, option.nodes_needed, option.on_demand_usd_per_hour or 0.0,
        option.spot_usd_per_hour if spot_ok else None, option.spot_interruption if spot_ok else None,
        f"{option.price_source} {option.price_date} {option.region}", factor,
    )


GRES_MODEL = re.compile(r"gres/gpu:([A-Za-z0-9_.-]+)=")


def partition_gpu_model(view: Any, partition: str) -> str | None:
    """The partition's one GPU model (scontrol's TRES gres/gpu:a100=8), which an untyped --gres=gpu:N gets."""
    summary = view.summary(partition) if view is not None else None
    models = set(GRES_MODEL.findall(summary.settings.get("TRES", ""))) if summary is not None else set()
    return models.pop() if len(models) == 1 else None


def local_rate(ctx: Any, req: Any, partition: str, placed: Placement | None = None,
               view: Any = None) -> tuple[float, Any]:
    """The local cost per hour of what the job holds: whole nodes when --exclusive or --mem=0 (SLURM's placement)."""
    from asba.knowledge.costs import local_cost

    job = req.job
    shape = Shape.of(job)
    cpus, nodes = shape.total_cpus, shape.nodes_min
    mem_total = job["total_mem_mb"] or cpus * 1024
    if placed is not None and placed.feasible:
        nodes = placed.nodes
        if placed.whole_node:
            cpus, mem_total = placed.total_cpus, placed.total_mem_mb or mem_total
    gpu_type = job["gpu_type"] or (partition_gpu_model(view, partition) if job["total_gpus"] else None)
    cost = local_cost(ctx.cfg, partition, cpus=cpus, mem_mb=mem_total, gpus=job["total_gpus"] or 0,
                      gpu_type=gpu_type, nodes=nodes, runtime_s=3600.0)
    return cost.usd, cost


def _value(facts: list[Fact], name: str) -> Any:
    return next((f.value for f in facts if f.name == name), None)
