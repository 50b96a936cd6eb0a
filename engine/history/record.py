"""One job as asba remembers it: the roadmap's JobExecution, merged from sacct's job and step rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from asba.inputs.sacct_formats import iso

FAILURE_STATES = {
    "OUT_OF_MEMORY": "oom",
    "TIMEOUT": "timeout",
    "DEADLINE": "timeout",
    "NODE_FAIL": "node_fail",
    "BOOT_FAIL": "node_fail",
    "PREEMPTED": "preempted",
    "CANCELLED": "cancelled",
    "FAILED": "failed",
}
FINISHED_STATES = frozenset(FAILURE_STATES) | {"COMPLETED"}


@dataclass(slots=True)
class JobRecord:
    cluster: str
    job_id: str  # as sacct shows it: 42, 7_2 (array task), 99+1 (het component)
    job_id_raw: str
    base_id: str  # the id sbatch printed: 7 for 7_2, 99 for 99+1
    job_name: str
    user: str
    account: str
    partition: str
    qos: str
    state: str  # CANCELLED for "CANCELLED by 0"
    cancelled_by: int | None
    exit_code: int | None
    exit_signal: int | None
    submit_ts: int | None
    start_ts: int | None
    end_ts: int | None
    elapsed_s: int | None
    time_limit_s: int | None
    queue_wait_s: int | None
    requested_cpus: int | None
    alloc_cpus: int | None
    nodes: int | None
    requested_memory_mb: float | None  # allocated memory of the whole job, as seff divides by
    requested_gpus: int
    total_cpu_s: float | None  # TotalCPU summed over steps, exact
    seff_cpu_s: int | None  # seff's rounding: whole seconds per step + rounded sum of fractions
    max_memory_used_mb: float | None  # peak of the largest step (summed over its tasks)
    memory_source: str  # TRESUsageInTot | MaxRSS*NTasks | "" (unknown)
    cpu_efficiency: float | None  # percent
    memory_efficiency: float | None  # percent
    time_efficiency: float | None  # percent: elapsed / time limit
    effective_cpus: float | None
    gb_per_effective_cpu: float | None
    execution_platform: str  # local | aws
    script_name: str
    script_path: str
    script_hash: str
    work_dir: str
    submit_line: str
    steps: int
    # GPU use from the steps' TRESUsageInAve/Max (asba.inputs.sacct_gpu); None where the site records none.
    gpu_model: str  # AllocTRES gres/gpu:<model>, "" when untyped
    gpu_utilization_pct: float | None  # the busiest step's average gres/gpuutil over its tasks
    gpu_utilization_max_pct: float | None  # the busiest task's
    gpu_memory_peak_mb: float | None  # the largest task's gres/gpumem
    gpu_utilization_spread_pct: float | None  # busiest task minus the step's average (steps of 2+ tasks)

    @property
    def failure_kind(self) -> str | None:
        """None for success; 'oom', 'timeout', 'failed', ... otherwise. Unfinished jobs -> None."""
        if self.state == "COMPLETED":
            return None if not self.exit_code else "failed"
        return FAILURE_STATES.get(self.state)

    @property
    def succeeded(self) -> bool:
        return self.state == "COMPLETED" and not self.exit_code

    def as_dict(self) -> dict:
        """JSON shape: the roadmap's JobExecution names plus state, elapsed_s, time_limit_s, queue_wait_s."""
        data = asdict(self)
        for key in ("submit_ts", "start_ts", "end_ts"):
            data[key.replace("_ts", "_time")] = iso(data.pop(key))
        data["requested_time"] = self.time_limit_s
        data["actual_time"] = self.elapsed_s
        data["queue_wait_time"] = self.queue_wait_s
        data["cpu_memory_ratio"] = _ratio(self.requested_memory_mb, self.alloc_cpus)
        data["actual_cpu_mem_ratio"] = self.gb_per_effective_cpu
        data["failure_kind"] = self.failure_kind
        return data


def _ratio(memory_mb: float | None, cpus: int | None) -> float | None:
    if memory_mb is None or not cpus:
        return None
    return round(memory_mb / 1024 / cpus, 3)


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(JobRecord))
# Columns added after schema 3, with the schema that added them: an older history gets them (empty) at open.
ADDED_COLUMNS: dict[str, int] = {
    "gpu_model": 4, "gpu_utilization_pct": 4, "gpu_utilization_max_pct": 4, "gpu_memory_peak_mb": 4,
    "gpu_utilization_spread_pct": 4,
}
