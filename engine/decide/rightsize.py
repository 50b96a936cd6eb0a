"""Right-sizing (`--optimize`): a request that fits what the script really used, with documented headroom.

memory = peak x (1 + memory_headroom), rounded up to a whole GiB; CPUs = the effective cores the program
demonstrably used in parallel (never fewer); time = p95 runtime x (1 + time_headroom), rounded up to a minute, and
never below the longest successful run (a limit under it would have killed that run).
Never below a floor set by a past failure: a run that went OUT_OF_MEMORY at R MiB sets a floor of
R x (1 + memory_headroom); a run that hit TIMEOUT at L seconds sets L x (1 + time_headroom).
A change is proposed only when it is material: at least MATERIAL_SHARE of the request and the absolute minimum
below (increases forced by a failure floor always are).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from asba.decide.gpu_rightsize import GPU_MEMORY, GPUS, Offer, gpu_sizing
from asba.knowledge.gpu_models import GpuModels, builtin

GPU_RESOURCES = (GPUS, GPU_MEMORY)

MATERIAL_SHARE = 0.20
MIN_CHANGE = {"cpus": 1, "mem_mb": 1024, "time_s": 600}
NOT_ENOUGH = "not-enough-history"
CHANGED = "changed"
UNCHANGED = "no-material-change"


@dataclass(frozen=True)
class Request:
    nodes: int
    ntasks: int
    cpus_per_task: int
    total_cpus: int
    mem_per_node_mb: float | None  # None when the partition default applies and is unknown
    time_limit_s: int
    gpus_per_node: int = 0
    gpu_type: str = ""  # the --gres type asked for, "" when untyped
    partition: str = ""


@dataclass(frozen=True)
class Evidence:
    runs: int
    peak_mem_mb: float | None = None  # largest per-node peak (MaxRSS) of any run
    effective_cores: float | None = None  # typical cores used
    peak_effective_cores: float | None = None  # most cores used in parallel in any run
    runtime_p95_s: float | None = None
    runtime_max_s: float | None = None  # longest successful run: a limit below it would have killed that run
    oom_request_mb: float | None = None  # largest memory request that still ran out of memory
    timeout_limit_s: float | None = None  # largest time limit that was still hit
    gpus_busy: float | None = None  # GPUs the runs kept busy (sacct, steps of 2+ tasks), None when unknown
    gpu_memory_peak_mb: float | None = None  # busiest task's GPU memory peak (sacct gres/gpumem)
    gpu_model: str = ""  # the AllocTRES gres type of the runs
    gpu_recorded: bool = False  # sacct recorded GPU use for the runs


@dataclass(frozen=True)
class Change:
    resource: str  # cpus | mem_mb | time_s | gpus | gpu_memory_gib
    current: float
    proposed: float
    reason: str


@dataclass
class RightSizing:
    status: str
    message: str
    changes: list[Change] = field(default_factory=list)
    sbatch_lines: list[str] = field(default_factory=list)
    cli_args: list[str] = field(default_factory=list)  # sbatch options that apply it (command line beats script)
    notes: list[str] = field(default_factory=list)  # why a GPU resource was left as requested

    def proposed(self, resource: str) -> float | None:
        return next((c.proposed for c in self.changes if c.resource == resource), None)


def format_time(seconds: float) -> str:
    """SLURM time: [D-]HH:MM:SS, rounded up to the next minute (never truncated to whole hours)."""
    minutes = math.ceil(seconds / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    clock = f"{hours:02d}:{minutes:02d}:00"
    return f"{days}-{clock}" if days else clock


def format_mem(mem_mb: float) -> str:
    return f"{int(mem_mb) // 1024}G" if mem_mb % 1024 == 0 else f"{int(math.ceil(mem_mb))}M"


def _material(current: float, proposed: float, resource: str) -> bool:
    delta = abs(proposed - current)
    return delta >= MIN_CHANGE[resource] and (current <= 0 or delta / current >= MATERIAL_SHARE)


def _with_floor(
    resource: str, current: float, need: float, floor: float | None, step: int, headroom: float,
    reason: str, floor_reason: str,
) -> Change | None:
    """need x (1 + headroom), rounded up to `step`; never below a past failure's floor x (1 + headroom).

    A request no larger than one that failed is always raised, however small the step: it would fail again.
    """
    target = math.ceil(need * (1 + headroom) / step) * step
    if floor and target < floor * (1 + headroom):
        target = math.ceil(floor * (1 + headroom) / step) * step
        return Change(resource, current, target, floor_reason) if target > current else None
    if floor and current <= floor:
        return Change(resource, current, target, floor_reason if need <= floor else f"{reason}; {floor_reason}")
    if _material(current, target, resource):
        return Change(resource, current, target, reason)
    return None


def _memory(req: Request, ev: Evidence, headroom: float) -> Change | None:
    if ev.peak_mem_mb is None or req.mem_per_node_mb is None:
        return None
    # an OUT_OF_MEMORY run needed more than it had, whatever was sampled before the kill
    need = max(ev.peak_mem_mb, ev.oom_request_mb or 0.0)
    return _with_floor(
        "mem_mb", req.mem_per_node_mb, need, ev.oom_request_mb, 1024, headroom,
        f"peak {ev.peak_mem_mb / 1024:.1f} GiB + {headroom:.0%} headroom",
        f"a run ran out of memory at {format_mem(ev.oom_request_mb or 0)}; floor + {headroom:.0%}",
    )


def _cpus(req: Request, ev: Evidence) -> Change | None:
    used = max(ev.effective_cores or 0.0, ev.peak_effective_cores or 0.0)
    if used <= 0:
        return None
    target = max(math.ceil(used - 1e-9), 1)
    if req.ntasks > 1 and req.cpus_per_task > 1:  # keep the task count: round up to whole tasks
        target = math.ceil(target / req.ntasks) * req.ntasks
    if target < req.total_cpus and _material(req.total_cpus, target, "cpus"):
        return Change("cpus", req.total_cpus, target, f"at most {used:.1f} cores used in parallel")
    return None


def _time(req: Request, ev: Evidence, headroom: float) -> Change | None:
    if not ev.runtime_p95_s and not ev.timeout_limit_s:
        return None
    # never below the longest success; with only TIMEOUT runs, the limit they hit is all there is
    need = max(ev.runtime_p95_s or ev.timeout_limit_s or 0.0, (ev.runtime_max_s or 0.0) / (1 + headroom))
    return _with_floor(
        "time_s", req.time_limit_s, need, ev.timeout_limit_s, 60, headroom,
        (f"p95 runtime {format_time(ev.runtime_p95_s)} + {headroom:.0%} headroom" if ev.runtime_p95_s
         else "no run finished")
        + (f", at least the longest successful run ({format_time(ev.runtime_max_s)})"
           if ev.runtime_max_s and need > (ev.runtime_p95_s or 0.0) else ""),
        f"a run hit its {format_time(ev.timeout_limit_s or 0)} limit; floor + {headroom:.0%}",
    )


def _slower(seconds: float | None, factor: float) -> float | None:
    return seconds * factor if seconds else seconds


def _options(req: Request, change: Change) -> list[str]:
    if change.resource == "mem_mb":
        return [f"--mem={format_mem(change.proposed)}"]
    if change.resource == "time_s":
        return [f"--time={format_time(change.proposed)}"]
    if req.ntasks > 1 and req.cpus_per_task == 1:
        return [f"--ntasks={int(change.proposed)}"]
    return [f"--cpus-per-task={int(change.proposed) // max(req.ntasks, 1)}"]


def rightsize(
    req: Request,
    ev: Evidence,
    *,
    memory_headroom: float = 0.2,
    time_headroom: float = 0.25,
    min_runs: int = 2,
    gpu_offers: Sequence[Offer] = (),
    gpu_models: GpuModels | None = None,
) -> RightSizing:
    if ev.runs < min_runs:
        floors = _failure_floors(req, ev, memory_headroom, time_headroom)
        if not floors:
            return RightSizing(NOT_ENOUGH, f"not enough history: {ev.runs} run(s) of this script, need {min_runs}")
        return _changed(req, floors, f"raised above the failed run(s) only: {ev.runs} successful run(s), too few "
                                     f"to right-size otherwise (need {min_runs})")
    gpu = gpu_sizing(req, ev, gpu_offers, gpu_models or builtin(), Change)
    timed = replace(ev, runtime_p95_s=_slower(ev.runtime_p95_s, gpu.slowdown),
                    runtime_max_s=_slower(ev.runtime_max_s, gpu.slowdown))  # at the proposed model's speed
    time = _time(req, timed, time_headroom)
    if time is not None and gpu.slowdown != 1:
        time = replace(time, reason=f"{time.reason}, at the proposed GPU model's speed (x{gpu.slowdown:g})")
    changes = [c for c in (_cpus(req, ev), _memory(req, ev, memory_headroom), time) if c]
    changes += gpu.changes
    if not changes:
        return RightSizing(UNCHANGED, f"the request already fits {ev.runs} past runs; no material change",
                           notes=gpu.notes)
    args = [opt for change in changes if change.resource not in GPU_RESOURCES for opt in _options(req, change)]
    args = gpu.options[:-1] + args + gpu.options[-1:] if gpu.options else args
    lines = [f"#SBATCH {opt}" for opt in args]
    return RightSizing(CHANGED, f"right-sized from {ev.runs} past runs", changes, lines, args, gpu.notes)


def _changed(req: Request, changes: list[Change], status: str) -> RightSizing:
    args = [opt for change in changes for opt in _options(req, change)]
    return RightSizing(CHANGED, status, changes, [f"#SBATCH {opt}" for opt in args], args)


def _failure_floors(req: Request, ev: Evidence, memory_headroom: float, time_headroom: float) -> list[Change]:
    """One run killed for memory or time is evidence enough to raise that limit (a repeat fails the same way)."""
    found = []
    if ev.oom_request_mb:
        found.append(_memory(req, replace(ev, peak_mem_mb=ev.peak_mem_mb or ev.oom_request_mb), memory_headroom))
    if ev.timeout_limit_s:
        found.append(_time(req, ev, time_headroom))
    return [c for c in found if c is not None and c.proposed > c.current]
