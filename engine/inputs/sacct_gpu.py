"""GPU figures in sacct's TRES strings: the allocation (``AllocTRES``) and the use (``TRESUsageInAve/Max``).

SLURM records GPU use only where the site runs the NVML (or RSMI) GPU plugin and lists the TRES in
``AccountingStorageTRES=gres/gpu,gres/gpumem,gres/gpuutil``. Then each step's usage strings carry
``gres/gpuutil=<percent>`` and ``gres/gpumem=<size>``, per task: ``TRESUsageInAve`` averages them over the
step's tasks, ``TRESUsageInMax`` takes the largest task. Elsewhere the items are missing, and the figures here
are ``None`` (absent), never 0.

Keys are matched exactly. ``gres/gpu`` is the GPU count and ``gres/gpu:<model>`` a typed count; ``gres/gpumem``
and ``gres/gpuutil`` share the prefix but are use, never GPUs (public tools that matched any key containing
"gpu" counted ``gres/gpumem=80G`` as GPUs or crashed on it).

Sizes in a usage string carry sacct's unit suffix (``38888M``); without one (``--noconvert``, or ``0``) they
are bytes, as sacct stores TRES sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from asba.inputs.sacct_formats import quantity, shown

GPU = "gres/gpu"
GPU_UTIL = "gres/gpuutil"
GPU_MEM = "gres/gpumem"
_TYPED = "gres/gpu:"
_SIZE_MB = {"K": 1 / 1024, "M": 1.0, "G": 1024.0, "T": 1024.0**2, "P": 1024.0**3, "E": 1024.0**4}
# A task's utilisation is at most 100 % per GPU it uses; a value beyond this is not a percentage sacct prints.
UTIL_CAP_PCT = 100.0 * 1024


@dataclass(frozen=True, slots=True)
class GpuUse:
    """One step's GPU use. `util_*` in percent of one GPU per task, `mem_max_mb` the largest task's GPU
    memory in MiB; None where the usage string has no such item."""

    util_ave_pct: float | None
    util_max_pct: float | None
    mem_max_mb: float | None

    @property
    def recorded(self) -> bool:
        return self.util_ave_pct is not None or self.util_max_pct is not None or self.mem_max_mb is not None


def _item(text: str, key: str) -> str | None:
    """The value of the item named exactly `key` in a TRES string, or None."""
    for item in text.split(","):
        name, sep, value = item.partition("=")
        if sep and name.strip() == key:
            return value.strip()
    return None


def gpu_size_mb(text: str) -> float:
    """MiB in a TRES size: ``38888M``, ``80G``, ``512K``, or bytes without a suffix (``40777023488``, ``0``)."""
    if not text:
        raise ValueError("an empty GPU memory value")
    factor = _SIZE_MB.get(text[-1].upper())
    if factor is None:
        return quantity(text) / (1024.0 * 1024.0)
    value = quantity(text[:-1], text) * factor
    if value >= math.inf:
        raise ValueError(f"GPU memory too large: {shown(text)}")
    return value


def gpu_util_pct(text: str) -> float:
    """A ``gres/gpuutil`` value: a percentage (``66``, ``72.5``); ValueError for anything else."""
    value = quantity(text)
    if value > UTIL_CAP_PCT:
        raise ValueError(f"not a GPU utilisation: {shown(text)}")
    return value


@lru_cache(maxsize=4096)
def step_gpu_use(ave_text: str, max_text: str) -> GpuUse:
    """A step's GPU use from its TRESUsageInAve and TRESUsageInMax strings (cached: many are equal)."""
    ave_util = _item(ave_text, GPU_UTIL) if GPU_UTIL in ave_text else None
    max_util = _item(max_text, GPU_UTIL) if GPU_UTIL in max_text else None
    mem = _item(max_text, GPU_MEM) if GPU_MEM in max_text else None
    if mem is None and GPU_MEM in ave_text:  # a dump with only the averages: the largest task is unknown
        mem = _item(ave_text, GPU_MEM)
    return GpuUse(
        gpu_util_pct(ave_util) if ave_util is not None else None,
        gpu_util_pct(max_util) if max_util is not None else None,
        gpu_size_mb(mem) if mem is not None else None,
    )


@lru_cache(maxsize=4096)
def gpu_model(alloc_tres: str) -> str:
    """The GPU model of an allocation: the type of its ``gres/gpu:<model>=N`` items (``a100``), several
    joined by ``+`` in the order given, "" for untyped GPUs or none. The count stays `tres_gpus`'s job."""
    if _TYPED not in alloc_tres:
        return ""
    models: list[str] = []
    for item in alloc_tres.split(","):
        name, sep, value = item.partition("=")
        if sep and name.startswith(_TYPED) and value.strip() not in ("", "0"):
            model = name[len(_TYPED):].strip()
            if model and model not in models:
                models.append(model)
    return "+".join(models)
