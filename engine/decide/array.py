"""A job array as one piece of work: how wide it runs on each side, how long until the last task ends, and what
the whole array costs. Pure functions over plain numbers; the advisor gathers them (engine/decide/array_plan.py).

* **Local width** (tasks running at once) is the smallest of: the throttle ``%N``, the partition's free capacity
  now (idle CPUs, or GPUs for a GPU job, divided by one task's need; only when a task fits now), the partition's
  whole capacity, and a per-user/QOS limit when one is configured (MaxJobsPU, a GrpTRES/MaxTRESPU cpu limit).
* **AWS width** is the smallest of: the throttle (unless the user lifts it on AWS, ``array.lift_throttle_on_aws``),
  the burst partition's nodes (its MaxNodes from partitions.json or the config, and its node count in sinfo)
  divided by one task's nodes, and the vCPU quota when configured.
* **Waves**: ``ceil(tasks / width)``. Local: the first wave waits the queue estimate (p10/p50/p90); each later
  wave starts as the array's own earlier tasks end, so local time to result = wait + waves x runtime. AWS: each
  wave pays the instance start-up, so time to result = waves x (start-up + runtime there).
* **Cost** is per task x tasks on both sides (each task billed for its own runtime on its own allocation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bound:
    """One limit on how many tasks run at once: its name, the tasks it allows, and where it comes from."""

    name: str
    tasks: int
    source: str


@dataclass(frozen=True)
class Width:
    tasks: int
    binding: Bound  # the bound that applies (the smallest; the first listed on a tie)
    bounds: tuple[Bound, ...] = ()

    def as_dict(self) -> dict:
        return {"tasks": self.tasks, "bound": self.binding.name, "bound_source": self.binding.source,
                "bounds": [{"name": b.name, "tasks": b.tasks, "source": b.source} for b in self.bounds]}


def width(task_count: int, bounds: list[Bound]) -> Width:
    """The number of tasks that run at once: the tightest bound, never more than the array nor less than one."""
    everything = Bound("array size", task_count, "the --array range")
    usable = [b for b in bounds if b.tasks is not None] + [everything]
    binding = min(usable, key=lambda b: b.tasks)
    return Width(max(1, min(binding.tasks, task_count)), binding, tuple(usable))


def capacity_bounds(per_task: float, free: float | None, total: float | None, unit: str, partition: str,
                    source: str) -> list[Bound]:
    """Free-now and whole-partition capacity as task counts.

    The free-now bound applies only when at least one task fits now. When none does, the first task waits for
    room (the queue estimate) and the tasks after it take the room that others' jobs leave as they end, so only
    the partition's whole capacity bounds them (optimistic on a queue that stays busy; the p90 wait covers that).
    """
    if per_task <= 0:
        return []
    out = []
    if free is not None and free >= per_task:
        out.append(Bound("partition free capacity", max(1, int(free // per_task)),
                         f"{free:.0f} {unit} idle on {partition} now / {per_task:.0f} per task ({source})"))
    if total is not None:
        out.append(Bound("partition capacity", max(1, int(total // per_task)),
                         f"{total:.0f} {unit} on {partition} / {per_task:.0f} per task ({source})"))
    return out


def waves(task_count: int, tasks_at_once: int) -> int:
    return math.ceil(task_count / max(1, tasks_at_once)) if task_count > 0 else 0


@dataclass(frozen=True)
class Makespan:
    waves: int
    p10_s: float
    p50_s: float
    p90_s: float


def local_makespan(task_count: int, tasks_at_once: int, wait_s: tuple[float, float, float],
                   runtime_s: tuple[float, float, float]) -> Makespan:
    """Time until the last local task ends: first wave's queue wait + waves x runtime, at p10/p50/p90."""
    n = waves(task_count, tasks_at_once)
    if n == 0:
        return Makespan(0, 0.0, 0.0, 0.0)
    (w10, w50, w90), (r10, r50, r90) = wait_s, runtime_s
    return Makespan(n, w10 + n * r10, w50 + n * r50, w90 + n * r90)


def aws_makespan(task_count: int, tasks_at_once: int, startup_s: float, runtime_s: tuple[float, float, float]
                 ) -> Makespan:
    """Time until the last AWS task ends: each wave starts its instances, then runs."""
    n = waves(task_count, tasks_at_once)
    if n == 0:
        return Makespan(0, 0.0, 0.0, 0.0)
    r10, r50, r90 = runtime_s
    return Makespan(n, n * (startup_s + r10), n * (startup_s + r50), n * (startup_s + r90))


@dataclass(frozen=True)
class Usage:
    """What one task allocates while it runs, and for how long (local runtime)."""

    cpus: float
    mem_gb: float
    gpus: float
    runtime_s: float

    def totals(self, task_count: int) -> dict[str, float]:
        hours = self.runtime_s / 3600.0
        return {"core_hours": round(self.cpus * hours * task_count, 3),
                "gb_hours": round(self.mem_gb * hours * task_count, 3),
                "gpu_hours": round(self.gpus * hours * task_count, 3)}


def whole(per_task_usd: float, task_count: int) -> float:
    return per_task_usd * task_count


@dataclass(frozen=True)
class Side:
    """One platform's part of an array: what a task costs there and how wide and long the tasks run."""

    per_task_usd: float
    tasks_at_once: int
    lead_s: float  # local: the first wave's queue wait; AWS: 0 (start-up is paid per wave in wave_s)
    wave_s: float  # local: runtime; AWS: start-up + runtime there

    def makespan_s(self, tasks: int) -> float:
        n = waves(tasks, self.tasks_at_once)
        return self.lead_s + n * self.wave_s if n else 0.0


@dataclass(frozen=True)
class Split:
    local_tasks: int
    aws_tasks: int
    cost_usd: float
    aws_cost_usd: float
    makespan_s: float
    objective_usd: float  # cost + value of an hour x makespan (h)
    within_budget: bool

    def as_dict(self) -> dict:
        return {"local_tasks": self.local_tasks, "aws_tasks": self.aws_tasks, "cost_usd": round(self.cost_usd, 4),
                "aws_cost_usd": round(self.aws_cost_usd, 4), "time_to_result_s": round(self.makespan_s),
                "objective_usd": round(self.objective_usd, 4), "within_budget": self.within_budget}


def price_split(task_count: int, local_tasks: int, local: Side, aws: Side, value_of_hour_usd: float,
                remaining_budget_usd: float | None) -> Split:
    aws_tasks = task_count - local_tasks
    aws_cost = aws.per_task_usd * aws_tasks
    cost = local.per_task_usd * local_tasks + aws_cost
    makespan = max(local.makespan_s(local_tasks), aws.makespan_s(aws_tasks))
    fits = remaining_budget_usd is None or aws_cost <= remaining_budget_usd + 1e-9
    return Split(local_tasks, aws_tasks, cost, aws_cost, makespan, cost + value_of_hour_usd * makespan / 3600.0, fits)


@dataclass(frozen=True)
class SplitChoice:
    best: Split
    all_local: Split
    all_aws: Split
    candidates: int = 0
    considered: list[Split] = field(default_factory=list)


def candidate_counts(task_count: int, local: Side, aws: Side, remaining_budget_usd: float | None = None) -> list[int]:
    """Local task counts worth pricing: both ends, every wave boundary of either side, and the fewest local tasks
    the budget allows (the most AWS tasks it pays for).

    Between two boundaries neither makespan changes, so the objective moves linearly with the count and its best
    feasible point is at a boundary or at the budget's edge: these candidates always include the optimum of the
    full enumeration (a property test checks it).
    """
    counts = {0, task_count}
    if remaining_budget_usd is not None and aws.per_task_usd > 0:
        ratio = (remaining_budget_usd + 1e-9) / aws.per_task_usd
        edge = task_count - (task_count if not math.isfinite(ratio) or ratio >= task_count else int(ratio))
        counts.update((edge - 1, edge, edge + 1))  # neighbours too: the budget check rounds on its own
    counts.update(range(0, task_count + 1, max(1, local.tasks_at_once)))
    counts.update(task_count - k for k in range(0, task_count + 1, max(1, aws.tasks_at_once)))
    return sorted(c for c in counts if 0 <= c <= task_count)


def best_split(task_count: int, local: Side, aws: Side, value_of_hour_usd: float,
               remaining_budget_usd: float | None) -> SplitChoice:
    """The split with the lowest objective among those within budget (all-local always is)."""
    priced = [price_split(task_count, k, local, aws, value_of_hour_usd, remaining_budget_usd)
              for k in candidate_counts(task_count, local, aws, remaining_budget_usd)]
    feasible = [s for s in priced if s.within_budget]
    # lowest objective; ties go to more local tasks (no data leaves the site, no cloud spend)
    best = min(feasible, key=lambda s: (round(s.objective_usd, 9), -s.local_tasks))
    return SplitChoice(best, priced[-1], priced[0], len(priced))
