"""Cluster-state facts for the target partition and the burst partition, each with its source and capture time.

``read_cluster`` reads the cluster through the SlurmRunner (live or a snapshot), summarises each partition
(`PartitionSummary`, also used by the wait estimate) and turns it into ``cluster.*`` facts. Whatever could not
be read is listed in ``view.gaps``; the facts that needed it are simply absent.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asba.errors import ExternalCommandError
from asba.facts.model import Fact
from asba.inputs.cluster_parse import PENDING, RUNNING, QueueJob, TestOnlyEstimate, parse_duration
from asba.inputs.cluster_state import ClusterState, read_state, test_only, test_only_key
from asba.inputs.slurm import SlurmRunner

# Pending reasons that mean the job cannot start yet whatever the free capacity: it is not "ahead" of a new job.
_NOT_ELIGIBLE = ("Dependency", "JobHeld", "BeginTime", "AssocGrp", "AssocMax", "QOSGrp", "QOSMax", "PartitionDown",
                 "PartitionInactive", "DependencyNeverSatisfied", "JobArrayTaskLimit")


@dataclass(frozen=True)
class JobNeeds:
    """What the queue model needs to know about the job being planned."""

    cpus: int = 1
    nodes: int = 1
    gpus: int = 0
    time_limit_s: int | None = None
    tasks: int = 1
    mem_per_node_mb: float | None = None


def job_needs(job: Any) -> JobNeeds:
    """Build JobNeeds from a job model (attributes), a dict, or a list of ``job.*`` Facts."""
    if job is None:
        return JobNeeds()
    if isinstance(job, JobNeeds):
        return job
    if isinstance(job, (list, tuple)):
        job = {f.name.removeprefix("job."): f.value for f in job if isinstance(f, Fact)}

    def get(name: str, default: Any) -> Any:
        value = job.get(name) if isinstance(job, dict) else getattr(job, name, None)
        return default if value is None else value

    return JobNeeds(
        cpus=int(get("total_cpus", 1)),
        nodes=int(get("nodes_min", 1)),
        gpus=int(get("total_gpus", 0)),
        time_limit_s=get("time_limit_s", None),
        tasks=int(get("array_task_count", 1)),
        mem_per_node_mb=get("mem_per_node_mb", None),
    )


@dataclass
class PartitionSummary:
    name: str
    exists: bool
    known: bool = True  # False when neither scontrol show partition nor sinfo could be read
    state: str = "UNKNOWN"
    total_cpus: int | None = None
    idle_cpus: int | None = None
    total_nodes: int | None = None
    idle_nodes: int | None = None
    total_gpus: int | None = None
    idle_gpus: int | None = None
    max_node_cpus: int | None = None
    max_node_memory_mb: int | None = None
    settings: dict[str, str] = field(default_factory=dict)
    running: list[QueueJob] = field(default_factory=list)
    pending: list[QueueJob] = field(default_factory=list)  # all pending in this partition, priority order
    ahead: list[QueueJob] = field(default_factory=list)  # eligible pending jobs a new job would queue behind
    held: list[QueueJob] = field(default_factory=list)
    priority_basis: str = ""
    remaining_s: dict[str, float] = field(default_factory=dict)  # running job id -> seconds left (by limit)
    test_only_s: float | None = None  # SLURM's own estimate of this job's wait
    slurm_refusal: str | None = None  # sbatch --test-only refused the job here (e.g. no node is big enough)


@dataclass
class ClusterView:
    facts: list[Fact]
    gaps: list[str]
    source: str  # "live", "snapshot DIR", or "none"
    partition_defaults: dict[str, int | None]
    state: ClusterState
    partitions: dict[str, PartitionSummary]
    now: float

    def summary(self, partition: str) -> PartitionSummary | None:
        return self.partitions.get(partition)

    def as_dict(self) -> dict:
        return {"source": self.source, "slurm_version": self.state.version, "gaps": self.gaps,
                "partition_defaults": self.partition_defaults, "facts": [f.as_dict() for f in self.facts]}


def read_cluster(
    runner: SlurmRunner,
    partition: str | None = None,
    burst_partition: str | None = None,
    job: Any = None,
    script: str | Path | None = None,
    cli_args: list[str] | None = None,
) -> ClusterView:
    """Read the cluster once and summarise ``partition`` (default: the cluster's default) and ``burst_partition``.

    With ``script``, SLURM's own start estimate is asked for on each (``sbatch --test-only --partition=P
    *cli_args script``; nothing is queued). ``job`` is not needed here (the queue model takes it in
    ``estimate_wait``); it is accepted so the advisor can hand over one request.
    """
    del job
    runner.ensure_deadline()
    known = [p for p in (partition, burst_partition) if p and script and not runner.snapshot_dir]
    with ThreadPoolExecutor(max_workers=max(1, len(known))) as pool:  # SLURM's estimate while the rest is read
        early = {name: pool.submit(_ask, runner, Path(str(script)), name, cli_args or []) for name in known}
        state = read_state(runner)
    partition = partition or default_partition(state)
    summaries: dict[str, PartitionSummary] = {}
    for name in dict.fromkeys(p for p in (partition, burst_partition) if p):
        summaries[name] = summarise(state, name)
        if script and summaries[name].exists:
            answer = early[name].result() if name in early else _ask(runner, Path(script), name, cli_args or [])
            _test_only(state, summaries[name], answer)
    facts = cluster_facts(state, summaries, partition, burst_partition)
    defaults = partition_defaults(state, partition) if partition else {}
    return ClusterView(facts, state.gaps, state.source, defaults, state, summaries, state.now)


def default_partition(state: ClusterState) -> str | None:
    for name, info in state.partitions.items():
        if info.get("Default") == "YES":
            return name
    return None


# sbatch's own words when it refuses a job for this partition (as opposed to failing to ask the controller)
_REFUSALS = ("allocation failure", "Batch job submission failed", "Invalid", "not available", "exceeds", "invalid")


def _ask(runner: SlurmRunner, script: Path, partition: str,
         cli_args: list[str]) -> tuple[TestOnlyEstimate | ExternalCommandError, float]:
    try:
        est: TestOnlyEstimate | ExternalCommandError = test_only(runner, script, partition, cli_args)
    except ExternalCommandError as exc:
        est = exc
    key = test_only_key(partition)
    at = next((c.captured_at for c in reversed(runner.calls) if c.key == key), time.time())
    return est, at


def _test_only(state: ClusterState, s: PartitionSummary,
               answer: tuple[TestOnlyEstimate | ExternalCommandError, float]) -> None:
    est, now = answer
    if isinstance(est, ExternalCommandError):
        exc = est
        state.gaps.append(f"sbatch --test-only on {s.name}: {exc.message}")
        if "exited" in exc.message and "contact slurm controller" not in exc.message and any(
                word in exc.message for word in _REFUSALS):
            s.slurm_refusal = exc.message.split(": ", 1)[-1]
            state.captured[f"test_only:{s.name}"] = (now, f"sbatch --test-only --partition={s.name}")
        return
    state.captured[f"test_only:{s.name}"] = (now, f"sbatch --test-only --partition={s.name}")
    s.test_only_s = max(0.0, est.start_epoch - now)


def summarise(state: ClusterState, name: str) -> PartitionSummary:
    info = state.partitions.get(name)
    nodes = [n for n in state.nodes if name in n.partitions]
    summary = PartitionSummary(name=name, exists=bool(info or nodes), settings=dict(info.settings) if info else {})
    if not state.has("partitions") and not state.has("sinfo"):
        summary.known = False  # unknown, which is not the same as absent
        return summary
    if not summary.exists:
        state.gaps.append(f"partition {name!r}: not found in scontrol show partition or sinfo")
        return summary
    summary.state = summary.settings.get("State", "UP" if nodes else "UNKNOWN")
    if state.has("sinfo"):
        usable = [n for n in nodes if n.usable]
        summary.total_cpus = sum(n.cpus for n in nodes)
        summary.idle_cpus = sum(n.idle_cpus for n in usable)
        summary.total_nodes = len(nodes)
        summary.idle_nodes = sum(1 for n in usable if n.idle)
        summary.total_gpus = sum(n.gpus for n in nodes)
        summary.idle_gpus = sum(max(0, n.gpus - n.gpus_used) for n in usable)
        summary.max_node_cpus = max((n.cpus for n in nodes), default=None)
        summary.max_node_memory_mb = max((n.real_memory_mb for n in nodes), default=None)
    elif info:
        summary.total_cpus = _int_or_none(info.get("TotalCPUs"))
        summary.total_nodes = _int_or_none(info.get("TotalNodes"))
    if state.has("squeue"):
        _queue_of(state, summary)
    return summary


def _queue_of(state: ClusterState, summary: PartitionSummary) -> None:
    mine = [j for j in state.jobs if summary.name in j.partition.split(",")]
    summary.running = [j for j in mine if j.state != PENDING]
    # sprio gives the per-partition priority of a multi-partition job; squeue's is the fallback
    sprio = {row.job_id: row.priority for row in state.prio if row.partition == summary.name}

    def priority(job: QueueJob) -> int:
        return sprio.get(job.job_id.split("_[")[0], job.priority)

    pending = sorted((j for j in mine if j.state == PENDING), key=lambda j: -priority(j))
    summary.pending = pending
    summary.held = [j for j in pending if j.reason.startswith("JobHeld")]
    eligible = [j for j in pending if not j.reason.startswith(_NOT_ELIGIBLE)]
    threshold, summary.priority_basis = _new_job_priority(state, summary.name)
    summary.ahead = [j for j in eligible if threshold is None or priority(j) >= threshold]
    max_time = parse_duration(summary.settings.get("MaxTime", ""))
    for job in summary.running:
        limit = job.time_limit_s or max_time
        if limit and job.start_epoch:
            summary.remaining_s[job.job_id] = max(0.0, job.start_epoch + limit - state.now)


def _new_job_priority(state: ClusterState, partition: str) -> tuple[int | None, str]:
    """A new job has age 0: estimate its priority from the user's own pending jobs minus their age factor.

    The lowest such priority is used: the user's own earlier jobs are ahead of a new one of the same size anyway.
    """
    own = [r for r in state.prio if r.user == state.user and r.partition == partition]
    if own:
        return min(r.priority - r.age for r in own), f"sprio: lowest of {state.user}'s pending priorities minus age"
    own_jobs = [j for j in state.jobs
                if j.user == state.user and j.state == PENDING and partition in j.partition.split(",")
                and not j.reason.startswith(_NOT_ELIGIBLE)]
    if own_jobs:
        return min(j.priority for j in own_jobs), f"squeue: lowest priority of {state.user}'s pending jobs"
    return None, "no priority of this user known: every eligible pending job counted as ahead"


def partition_defaults(state: ClusterState, partition: str) -> dict[str, int | None]:
    """DefMemPerCPU/DefMemPerNode/MaxMemPerNode (MB), DefaultTime/MaxTime (s): partition first, then config."""
    settings = state.partitions[partition].settings if partition in state.partitions else {}

    def pick(key: str) -> str:
        value = settings.get(key, "")
        return value if value and value.upper() not in {"UNLIMITED", "(NULL)"} else state.config.get(key, "")

    out: dict[str, int | None] = {}
    for key in ("DefMemPerCPU", "DefMemPerNode", "MaxMemPerNode", "MaxMemPerCPU"):
        out[key] = _int_or_none(pick(key))
    out["DefaultTime_s"] = parse_duration(settings.get("DefaultTime", "")) if settings else None
    out["MaxTime_s"] = parse_duration(settings.get("MaxTime", "")) if settings else None
    return out


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(str(text).split()[0])
    except (ValueError, IndexError):
        return None


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%MZ")


def cluster_facts(
    state: ClusterState, summaries: dict[str, PartitionSummary], partition: str | None, burst: str | None
) -> list[Fact]:
    facts = [Fact("cluster.available", bool(state.captured), _source_of(state, None)),
             Fact("cluster.source", state.source, "asba cluster reader")]
    if state.version:
        facts.append(Fact("cluster.slurm_version", state.version, _source_of(state, "version")))
    facts += _fairshare_facts(state)
    for prefix, name in (("cluster.partition", partition), ("cluster.burst", burst)):
        if name and name in summaries and summaries[name].known:
            facts += partition_facts(state, summaries[name], prefix)
    return facts


def _source_of(state: ClusterState, key: str | None) -> str:
    if key is None:
        return f"cluster reader ({state.source})" + ("" if state.captured else ": " + "; ".join(state.gaps[:2]))
    epoch, command = state.captured.get(key, (state.now, key))
    where = "" if state.source == "live" else f" ({state.source})"
    return f"{command}{where} at {stamp(epoch)}"


def _fairshare_facts(state: ClusterState) -> list[Fact]:
    rows = [r for r in state.shares if r.user == state.user and r.fairshare is not None]
    if not rows:
        return []
    value = min(r.fairshare for r in rows if r.fairshare is not None)  # the account that limits the user most
    return [Fact("cluster.user_fairshare", round(value, 6), _source_of(state, "sshare") + f" user {state.user}")]


def partition_facts(state: ClusterState, s: PartitionSummary, prefix: str) -> list[Fact]:
    src_p, src_n, src_q = (_source_of(state, k) for k in ("partitions", "sinfo", "squeue"))
    facts = [Fact(f"{prefix}.name", s.name, src_p if s.settings else src_n),
             Fact(f"{prefix}.exists", s.exists, src_p if s.settings else src_n)]
    if not s.exists:
        return facts
    values: list[tuple[str, Any, str]] = [
        ("state", s.state, src_p), ("total_cpus", s.total_cpus, src_n), ("idle_cpus", s.idle_cpus, src_n),
        ("total_nodes", s.total_nodes, src_n), ("idle_nodes", s.idle_nodes, src_n),
        ("total_gpus", s.total_gpus, src_n), ("idle_gpus", s.idle_gpus, src_n),
        ("max_node_cpus", s.max_node_cpus, src_n), ("max_node_memory_mb", s.max_node_memory_mb, src_n),
    ]
    if s.settings:
        max_time = parse_duration(s.settings.get("MaxTime", ""))
        values += [("max_time_s", 0 if max_time is None else max_time, src_p),
                   ("max_nodes", _int_or_none(s.settings.get("MaxNodes")) or 0, src_p),
                   ("default_time_s", parse_duration(s.settings.get("DefaultTime", "")), src_p)]
        defaults = partition_defaults(state, s.name)
        values.append(("def_mem_per_cpu_mb", defaults["DefMemPerCPU"], src_p))
    if state.has("squeue"):
        values += _queue_values(s, src_q)
    if s.test_only_s is not None:
        values.append(("slurm_estimate_wait_s", round(s.test_only_s), _source_of(state, f"test_only:{s.name}")))
        values.append(("slurm_accepts_job", True, _source_of(state, f"test_only:{s.name}")))
    elif s.slurm_refusal:
        src = _source_of(state, f"test_only:{s.name}")
        values += [("slurm_accepts_job", False, f"{src}: {s.slurm_refusal}"), ("slurm_refusal", s.slurm_refusal, src)]
    return facts + [Fact(f"{prefix}.{key}", value, src) for key, value, src in values if value is not None]


def _queue_values(s: PartitionSummary, src: str) -> list[tuple[str, Any, str]]:
    ahead_tasks = sum(j.tasks for j in s.ahead)
    unknown = [j for j in s.ahead if j.time_limit_s is None]
    cpu_h = sum(j.cpus * j.tasks * (j.time_limit_s or 0) for j in s.ahead) / 3600
    node_h = sum(j.nodes * j.tasks * (j.time_limit_s or 0) for j in s.ahead) / 3600
    remaining = list(s.remaining_s.values())
    run_cpu_h = sum(j.cpus * s.remaining_s.get(j.job_id, 0) for j in s.running) / 3600
    note = f" ({len(unknown)} without a time limit not counted)" if unknown else ""
    values: list[tuple[str, Any, str]] = [
        ("pending_jobs", sum(j.tasks for j in s.pending), src),
        ("pending_jobs_ahead", ahead_tasks, f"{src}; {s.priority_basis}"),
        ("pending_cpu_hours_ahead", round(cpu_h, 3), f"{src}; requested cpus x time limit{note}"),
        ("pending_node_hours_ahead", round(node_h, 3), f"{src}; requested nodes x time limit{note}"),
        ("held_jobs", sum(j.tasks for j in s.held), src),
        ("running_jobs", len(s.running), src),
        ("running_cpus", sum(j.cpus for j in s.running), src),
        ("running_remaining_cpu_hours", round(run_cpu_h, 3), f"{src}; start + time limit - now"),
    ]
    if remaining:
        values.append(("soonest_end_s", round(min(remaining)), f"{src}; start + time limit - now"))
    return values


__all__ = ["ClusterView", "JobNeeds", "PartitionSummary", "job_needs", "read_cluster", "RUNNING"]
