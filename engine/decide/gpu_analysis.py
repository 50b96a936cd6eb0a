"""The GPU part of INSTANCE TYPE ANALYSIS: GPU use from the history, GPU right-sizing (fewer GPUs, a smaller-
memory model) and the GPU instance types that fit, each with cost per hour, cost of the job and the time at the
other model's speed (knowledge/gpu_models.yaml, every factor with its datasheet), and a risk line.

Facts in (history.gpu_*, history.peak_memory_mb, the request's GPUs and CPUs), a dict out: no rule runs here.
GPU use a site does not record is said to be unknown, never taken as 0 %.
"""

from __future__ import annotations

import math
from typing import Any

from asba.knowledge.gpu_models import GpuModel, GpuModels, builtin

SHOWN = 5
# The GPU memory peak is one run's: asba keeps 10 % of a GPU's memory free for run-to-run variation (the
# allocator's caching and a larger batch), so a model fits when the peak is at most 90 % of its memory.
FIT_SHARE = 0.90
# Host memory on the instance: the history's peak plus 20 % (the margin asba's right-sizing keeps).
HOST_MEMORY_MARGIN = 1.20


def gpu_block(catalog: Any, a: Any, models: GpuModels | None = None) -> dict | None:
    """The block for a GPU job, None for a job without GPUs."""
    job = a.req.job
    gpus = int(job["gpus_per_node"] or 0)
    if not gpus:
        return None
    models = models or builtin()
    facts = {f.name: f.value for f in a.facts}
    peak_gib = facts["history.gpu_memory_peak_mb"] / 1024 if "history.gpu_memory_peak_mb" in facts else None
    source = _source_model(models, job["gpu_type"] or facts.get("history.gpu_model"), peak_gib)
    use = _use(facts, gpus, source, peak_gib)
    need_gpus = int(facts["history.gpus_busy"]) if use["fewer_gpus"] else gpus
    runtime_s = float(a.runtime.p50_s)
    rows = _options(catalog, models, a, need_gpus, peak_gib, facts, source, runtime_s)
    current = _current(a, models, source, runtime_s)
    for row in rows:
        if current and current["usd_per_hour"]:
            row["vs_current_cost_pct"] = round(100 * (row["usd_per_hour"] / current["usd_per_hour"] - 1), 1)
    return {"use": use, "current": current, "options": rows[:SHOWN], "risk": _risk(peak_gib, rows, source),
            "need_gpus": need_gpus, "speed_basis": _basis(models)}


def _source_model(models: GpuModels, name: str | None, peak_gib: float | None) -> GpuModel | None:
    """The model the runs used; a variant with more memory when the recorded peak cannot fit the base one."""
    model = models.model_for(name)
    if model is None or peak_gib is None or peak_gib <= model.memory_gib:
        return model
    bigger = [m for m in models.models.values() if m.key.startswith(model.key) and m.memory_gib >= peak_gib]
    return min(bigger, key=lambda m: m.memory_gib) if bigger else model


def _use(facts: dict, gpus: int, model: GpuModel | None, peak_gib: float | None) -> dict:
    recorded = facts.get("history.gpu_usage_recorded")
    use: dict[str, Any] = {"recorded": recorded, "utilization_pct": facts.get("history.gpu_utilization_pct"),
                           "utilization_peak_pct": facts.get("history.gpu_utilization_peak_pct"),
                           "memory_peak_gib": round(peak_gib, 1) if peak_gib is not None else None,
                           "spread_pct": facts.get("history.gpu_utilization_spread_pct"),
                           "gpus_busy": facts.get("history.gpus_busy"), "model": model.name if model else None,
                           "fewer_gpus": False}
    busy = use["gpus_busy"]
    use["fewer_gpus"] = busy is not None and 0 < busy < gpus
    use["text"] = _use_text(use, gpus, model, facts.get("history.run_count"))
    return use


def _use_text(use: dict, gpus: int, model: GpuModel | None, runs: Any) -> str:
    if use["recorded"] is None:
        return "GPU use: no past runs of this script with GPUs in the history"
    if not use["recorded"]:
        return ("GPU use: not recorded on this cluster (sacct has no gres/gpuutil or gres/gpumem: the site runs no "
                "GPU accounting plugin), so utilisation is unknown, not 0 %")
    parts = []
    if use["utilization_pct"] is not None:
        parts.append(f"utilisation {use['utilization_pct']:.0f} % typical"
                     + (f" (busiest task {use['utilization_peak_pct']:.0f} %)"
                        if use["utilization_peak_pct"] is not None else ""))
    if use["memory_peak_gib"] is not None:
        of = f" of {model.memory_gib:.0f} GiB per {model.name}" if model else ""
        parts.append(f"GPU memory peak {use['memory_peak_gib']:.1f} GiB{of}")
    if use["fewer_gpus"]:
        parts.append(f"about {use['gpus_busy']:.0f} of {gpus} GPUs busy (tasks' spread {use['spread_pct']:.0f} points)")
    return f"GPU use ({runs} runs, sacct TRESUsageInAve/Max): " + "; ".join(parts)


def _options(catalog: Any, models: GpuModels, a: Any, need_gpus: int, peak_gib: float | None, facts: dict,
             source: GpuModel | None, runtime_s: float) -> list[dict]:
    job = a.req.job
    nodes = max(int(job["nodes_min"] or 1), 1)
    cpus = math.ceil((job["total_cpus"] or 1) / nodes)
    host_mb = (facts["history.peak_memory_mb"] * HOST_MEMORY_MARGIN if "history.peak_memory_mb" in facts
               else job["mem_per_node_mb"] or cpus * 1024)
    cheapest: dict[str, dict] = {}
    for t in catalog:
        model = models.for_instance(t.instance_type)
        if model is None or t.gpus < need_gpus or t.vcpus < cpus or t.memory_mib < host_mb or not t.offered:
            continue
        if not t.on_demand_usd_per_hour or not _holds(model, peak_gib, source):
            continue
        row = _row(t, model, source, runtime_s, nodes)
        if model.key not in cheapest or row["job_usd"] < cheapest[model.key]["job_usd"]:
            cheapest[model.key] = row
    return sorted(cheapest.values(), key=lambda r: r["job_usd"])


def _holds(model: GpuModel, peak_gib: float | None, source: GpuModel | None) -> bool:
    """The model's memory holds the recorded peak with 10 % free; without a peak, it has at least the memory of
    the model the job asked for (no smaller-memory model is proposed on no evidence)."""
    if peak_gib is not None:
        return peak_gib <= FIT_SHARE * model.memory_gib
    return source is None or model.memory_gib >= source.memory_gib


def _row(t: Any, model: GpuModel, source: GpuModel | None, runtime_s: float, nodes: int) -> dict:
    speed = model.relative_speed / source.relative_speed if source else None
    hours = runtime_s / speed / 3600 if speed else runtime_s / 3600
    return {"instance_type": t.instance_type, "nodes": nodes, "gpus": t.gpus, "gpu_model": model.name,
            "gpu_memory_gib": model.memory_gib, "usd_per_hour": round(t.on_demand_usd_per_hour * nodes, 3),
            "hours": round(hours, 2), "job_usd": round(t.on_demand_usd_per_hour * nodes * hours, 2),
            "speed_vs_history": round(speed, 2) if speed else None, "speed_source": model.source}


def _current(a: Any, models: GpuModels, source: GpuModel | None, runtime_s: float) -> dict | None:
    if a.offer is None:
        return None
    model = models.for_instance(a.offer.instance_type)
    speed = model.relative_speed / source.relative_speed if model and source else None
    hours = runtime_s / speed / 3600 if speed else runtime_s / 3600
    hourly = a.offer.on_demand_usd_per_hour * a.offer.nodes
    return {"instance_type": a.offer.instance_type, "nodes": a.offer.nodes,
            "gpu_model": model.name if model else None, "usd_per_hour": round(hourly, 3), "hours": round(hours, 2),
            "job_usd": round(hourly * hours, 2), "speed_vs_history": round(speed, 2) if speed else None}


def _risk(peak_gib: float | None, rows: list[dict], source: GpuModel | None) -> str:
    if peak_gib is None:
        return ("GPU memory: no recorded peak, so no smaller-memory model is proposed; every option keeps the "
                "GPU memory of the model asked for or more")
    if not rows:
        return f"GPU memory peak {peak_gib:.1f} GiB: no GPU instance type holds it with 10 % free"
    smallest = min(rows, key=lambda r: r["gpu_memory_gib"])
    free = smallest["gpu_memory_gib"] - peak_gib
    line = (f"GPU memory peak {peak_gib:.1f} GiB: fits a {smallest['gpu_memory_gib']:.0f} GiB "
            f"{smallest['gpu_model']} with {free:.1f} GiB ({100 * free / smallest['gpu_memory_gib']:.0f} %) free; "
            "a larger batch or model than in the recorded runs may not")
    if source and peak_gib > FIT_SHARE * source.memory_gib:
        line += f"; it already nearly fills the {source.memory_gib:.0f} GiB of the {source.name} it ran on"
    return line


def _basis(models: GpuModels) -> str:
    ref = models.models[models.reference]
    return (f"time at each model's speed = history runtime x ({ref.name} = 1.00) factor of the model it ran on / the "
            "option's: peak dense FP16/BF16 tensor throughput from vendor datasheets (knowledge/gpu_models.yaml); "
            "an estimate for a GPU-bound job, less for one bound by data loading or memory bandwidth")
