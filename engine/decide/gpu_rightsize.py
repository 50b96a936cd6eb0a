"""GPU right-sizing for `--optimize`, from accounting only (never from the script alone).

* Fewer GPUs: when sacct shows that only N of the requested GPUs did the work (``history.gpus_busy``: GPUs x
  average / busiest task, asba.history.gpu_pattern), propose ``--gres=gpu:N``; N is rounded up, never below
  what the runs kept busy, never below 1.
* A smaller-memory model: when the recorded GPU memory peak (``history.gpu_memory_peak_mb``, the busiest task's
  TRESUsageInMax gres/gpumem) fits a model that the site's partitions offer with the same 10 % free that INSTANCE
  TYPE ANALYSIS keeps (asba.decide.gpu_analysis.FIT_SHARE), propose it. Never a model whose memory is below the
  peak plus that margin, and only a model asba knows (knowledge/gpu_models.yaml); the one with the least memory
  that fits is proposed, the faster on a tie.

A single-task step says nothing about how many of its GPUs worked (no busiest-task spread), so no count is
proposed from it: the GPUs stay as requested and the reason says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from asba.decide.gpu_analysis import FIT_SHARE
from asba.knowledge.gpu_models import GpuModel, GpuModels

GPUS = "gpus"
GPU_MEMORY = "gpu_memory_gib"


@dataclass(frozen=True)
class Offer:
    """GPU nodes of one partition of the site: the gres type its nodes carry and how many per node."""

    partition: str
    gpu_type: str
    gpus_per_node: int


@dataclass(frozen=True)
class GpuSizing:
    changes: list  # rightsize.Change (resource "gpus" or "gpu_memory_gib")
    options: list[str]  # sbatch options that apply them (--gres=..., --partition=...)
    notes: list[str]  # why a GPU resource was left as requested
    slowdown: float = 1.0  # runtime on the proposed model / on the runs' model (peak tensor throughput)


def site_offers(nodes: Iterable, usable_only: bool = True) -> list[Offer]:
    """One Offer per (partition, gres type), with the largest GPU count of its nodes (sinfo Gres)."""
    best: dict[tuple[str, str], int] = {}
    for node in nodes:
        if usable_only and not node.usable:
            continue
        for gpu_type, count in getattr(node, "gpu_types", ()):
            for partition in node.partitions:
                key = (partition, gpu_type)
                best[key] = max(best.get(key, 0), count)
    return [Offer(p, t, n) for (p, t), n in sorted(best.items())]


def gpu_sizing(req: Any, ev: Any, offers: Sequence[Offer], models: GpuModels, change: type) -> GpuSizing:
    """The GPU changes for a request (rightsize.Request) and its evidence (rightsize.Evidence)."""
    gpus = int(getattr(req, "gpus_per_node", 0) or 0)
    if not gpus:
        return GpuSizing([], [], [])
    changes: list[Any] = []
    notes: list[str] = []
    count = _count(gpus, getattr(ev, "gpus_busy", None), getattr(ev, "gpu_recorded", False), notes, change)
    need = int(count.proposed) if count else gpus
    current = models.model_for(getattr(req, "gpu_type", "") or getattr(ev, "gpu_model", ""))
    peak = getattr(ev, "gpu_memory_peak_mb", None)
    smaller = _smaller(current, peak, need, offers, models, notes)
    partition = getattr(req, "partition", "") or ""
    if count:
        changes.append(count)
    if smaller is not None and current is not None and peak is not None:
        offer, model = smaller
        changes.append(change(GPU_MEMORY, current.memory_gib, model.memory_gib,
                              f"GPU memory peak {peak / 1024:.1f} GiB fits a {model.name} "
                              f"({model.memory_gib:.0f} GiB) with {100 * (1 - FIT_SHARE):.0f} % free; "
                              f"partition {offer.partition} offers gres type {offer.gpu_type}"
                              + _speed(current, model)))
    if not changes:
        return GpuSizing([], [], notes)
    slowdown = current.relative_speed / smaller[1].relative_speed if smaller and current else 1.0
    gpu_type = smaller[0].gpu_type if smaller else getattr(req, "gpu_type", "") or ""
    options = [f"--gres=gpu:{gpu_type}:{need}" if gpu_type else f"--gres=gpu:{need}"]
    if smaller and smaller[0].partition != partition:
        options.insert(0, f"--partition={smaller[0].partition}")
    return GpuSizing(changes, options, notes, round(slowdown, 3))


def _speed(current: GpuModel, model: GpuModel) -> str:
    """The time trade-off at the other model's peak tensor throughput (knowledge/gpu_models.yaml)."""
    ratio = current.relative_speed / model.relative_speed
    if abs(ratio - 1) < 0.005:
        return "; same peak speed"
    way = f"about {ratio:.1f}x the time" if ratio > 1 else f"about {100 * (1 - ratio):.0f} % less time"
    return f"; {way} at its peak FP16/BF16 throughput (knowledge/gpu_models.yaml)"


def _count(gpus: int, busy: float | None, recorded: bool, notes: list[str], change: type) -> Any:
    if busy is None:
        notes.append(f"GPUs: kept at {gpus}: " + (
            "sacct recorded GPU use, but each step ran one task, so it cannot tell how many of the GPUs worked"
            if recorded else "sacct recorded no per-task GPU use for these runs"))
        return None
    target = max(math.ceil(busy - 1e-9), 1)
    if target >= gpus:
        notes.append(f"GPUs: kept at {gpus}: sacct shows all {gpus} busy")
        return None
    return change(GPUS, gpus, target, f"sacct: about {busy:g} of {gpus} GPUs did the work (history.gpus_busy)")


def _smaller(current: GpuModel | None, peak_mb: float | None, need: int, offers: Sequence[Offer],
             models: GpuModels, notes: list[str]) -> tuple[Offer, GpuModel] | None:
    if current is None or peak_mb is None:
        if peak_mb is None:
            notes.append("GPU model: kept: no GPU memory peak recorded (sacct gres/gpumem)")
        return None
    peak_gib = peak_mb / 1024
    fits = []
    for offer in offers:
        model = models.model_for(offer.gpu_type)
        if (model is not None and offer.gpus_per_node >= need and model.memory_gib < current.memory_gib
                and peak_gib <= FIT_SHARE * model.memory_gib):
            fits.append((model.memory_gib, -model.relative_speed, offer.partition, offer, model))
    if not fits:
        notes.append(f"GPU model: kept ({current.name}): no partition of the site offers a model with less "
                     f"memory that holds the {peak_gib:.1f} GiB peak with {100 * (1 - FIT_SHARE):.0f} % free")
        return None
    best = min(fits, key=lambda f: f[:3])
    return best[3], best[4]
