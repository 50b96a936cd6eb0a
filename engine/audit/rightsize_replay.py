"""Right-sizing replayed in time order on a real usage history (issue 23, item 7).

Every run of a script (user + script name) is taken in submission order. Before it, `--optimize`'s own rule
(asba.decide.rightsize, with the evidence `asba explain --optimize` builds from a script's history) proposes a
request from the runs of that script that had *ended* by the run's submission, never from the run itself or later
ones. The proposal is applied to the run's own request (CPUs, memory per node, time limit):

* requested = CPUs x limit (CPU-hours), memory x limit (GB-hours) and the limit itself (time-hours);
* freed = requested - proposed (negative when a past failure's floor raises the request);
* the run "would have failed" when it succeeded as submitted but its peak memory per node is above the proposed
  memory (out of memory) or its elapsed time above the proposed limit (out of time). Fewer CPUs slow a run but
  do not kill it, so they are not counted as failures. A run that failed as submitted is not blamed on the proposal.

Runs with no earlier ended run of their script get no proposal and count with freed = 0; shares are of everything
requested by the replayed runs, the honest denominator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asba.decide import rightsize
from asba.decide.history_view import ScriptHistory, evidence

RESOURCES = ("cpu_h", "gb_h", "time_h")


@dataclass(frozen=True)
class Rule:
    """The right-sizing settings replayed: the config's advisor.* values unless told otherwise."""

    memory_headroom: float = 0.2
    time_headroom: float = 0.25
    min_runs: int = 2

    @classmethod
    def from_config(cls, cfg: Any) -> Rule:
        return cls(float(cfg.get("advisor.memory_headroom", 0.2)), float(cfg.get("advisor.time_headroom", 0.25)),
                   int(cfg.get("advisor.min_runs", 2)))


@dataclass(frozen=True)
class RunReplay:
    script: str
    job_id: str
    status: str  # no-earlier-run | rightsize.NOT_ENOUGH | rightsize.UNCHANGED | rightsize.CHANGED
    requested: tuple[float, float, float]  # CPU-h, GB-h, time-h
    proposed: tuple[float, float, float]
    failure: str | None  # out-of-memory | out-of-time: the run succeeded as submitted but not under the proposal
    memory_known: bool


@dataclass
class ReplaySummary:
    name: str
    runs: list[RunReplay] = field(default_factory=list)
    skipped: int = 0  # finished runs with no submit time, CPUs or time limit: nothing to replay

    def total(self, which: str, resource: str) -> float:
        pos = RESOURCES.index(resource)
        return sum(getattr(r, which)[pos] for r in self.runs)

    def freed_share(self, resource: str) -> float | None:
        requested = self.total("requested", resource)
        return None if requested <= 0 else (requested - self.total("proposed", resource)) / requested

    @property
    def changed(self) -> int:
        return sum(r.status == rightsize.CHANGED for r in self.runs)

    @property
    def failed(self) -> int:
        return sum(r.failure is not None for r in self.runs)

    def failed_share(self) -> float | None:
        return self.failed / len(self.runs) if self.runs else None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"history": self.name, "runs": len(self.runs), "skipped": self.skipped,
                               "runs_with_proposal": self.changed, "would_fail": self.failed,
                               "would_fail_share": self.failed_share(),
                               "out_of_memory": sum(r.failure == "out-of-memory" for r in self.runs),
                               "out_of_time": sum(r.failure == "out-of-time" for r in self.runs),
                               "runs_memory_unknown": sum(not r.memory_known for r in self.runs)}
        for res in RESOURCES:
            out[f"requested_{res}"] = self.total("requested", res)
            out[f"freed_{res}"] = self.total("requested", res) - self.total("proposed", res)
            out[f"freed_{res}_share"] = self.freed_share(res)
        return out


def load_runs(paths: Iterable[Path]) -> list[Any]:
    """The job records of these sacct dumps, read by the history store's own importer (in memory)."""
    from asba.history.store import HistoryStore, connect

    store = HistoryStore(connect(":memory:"), Path(":memory:"), frozenset({"cpu-aws", "gpu-aws"}))
    for path in paths:
        store.import_file(path)
    return list(store.jobs())


def request_of(run: Any) -> rightsize.Request | None:
    if not run.alloc_cpus or not run.time_limit_s or run.submit_ts is None:
        return None
    nodes = max(int(run.nodes or 1), 1)
    cpus = int(run.alloc_cpus)
    mem = float(run.requested_memory_mb) / nodes if run.requested_memory_mb else None
    return rightsize.Request(nodes=nodes, ntasks=1, cpus_per_task=cpus, total_cpus=cpus, mem_per_node_mb=mem,
                             time_limit_s=int(run.time_limit_s))


def propose(req: rightsize.Request, earlier: list[Any], rule: Rule) -> rightsize.RightSizing | None:
    """`--optimize`'s proposal for `req` from the script's earlier ended runs; None when there are none."""
    from asba.history.patterns import compute, run_view

    if not earlier:
        return None
    last = earlier[-1]
    pattern = compute(last.script_name or last.job_name, "", [run_view(r) for r in earlier])
    hist = ScriptHistory(pattern=pattern, runs=earlier)
    return rightsize.rightsize(req, evidence(hist, req.nodes), memory_headroom=rule.memory_headroom,
                               time_headroom=rule.time_headroom, min_runs=rule.min_runs)


def _hours(req: rightsize.Request, sizing: rightsize.RightSizing | None) -> tuple[float, float, float]:
    cpus = (sizing.proposed("cpus") if sizing else None) or req.total_cpus
    mem = (sizing.proposed("mem_mb") if sizing else None) or req.mem_per_node_mb or 0.0
    limit_h = ((sizing.proposed("time_s") if sizing else None) or req.time_limit_s) / 3600
    return cpus * limit_h, mem * req.nodes / 1024 * limit_h, limit_h


def _failure(run: Any, req: rightsize.Request, sizing: rightsize.RightSizing | None) -> str | None:
    if sizing is None or not run.succeeded:
        return None
    mem = sizing.proposed("mem_mb")
    if mem is not None and run.max_memory_used_mb is not None and run.max_memory_used_mb / req.nodes > mem:
        return "out-of-memory"
    limit = sizing.proposed("time_s")
    if limit is not None and (run.elapsed_s or 0) > limit:
        return "out-of-time"
    return None


def replay_script(runs: list[Any], rule: Rule) -> tuple[list[RunReplay], int]:
    """Each run of one script (submission order) against the proposal from the runs ended before it."""
    out, skipped = [], 0
    for run in runs:
        req = request_of(run)
        if req is None:
            skipped += 1
            continue
        earlier = [r for r in runs if r.end_ts is not None and r.end_ts <= run.submit_ts and r is not run]
        sizing = propose(req, earlier, rule)
        status = sizing.status if sizing else "no-earlier-run"
        used = sizing if sizing and sizing.status == rightsize.CHANGED else None
        out.append(RunReplay(run.script_name or run.job_name, run.job_id, status, _hours(req, None),
                             _hours(req, used), _failure(run, req, used), run.max_memory_used_mb is not None))
    return out, skipped


def scripts(jobs: Iterable[Any]) -> dict[tuple[str, str], list[Any]]:
    """Finished runs per (user, script), in submission order."""
    from asba.history.record import FINISHED_STATES

    grouped: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in jobs:  # a dump with no job name (sacct -X of the wait record's fields) cannot tell scripts apart
        if r.state in FINISHED_STATES and r.elapsed_s is not None and (r.script_name or r.job_name):
            grouped[(r.user, r.script_name or r.job_name)].append(r)
    return {k: sorted(v, key=lambda r: (r.submit_ts or 0, r.job_id)) for k, v in grouped.items()}


def replay(name: str, jobs: Iterable[Any], rule: Rule) -> ReplaySummary:
    summary = ReplaySummary(name)
    for _key, runs in sorted(scripts(jobs).items()):
        done, skipped = replay_script(runs, rule)
        summary.runs += done
        summary.skipped += skipped
    return summary


def pooled(name: str, summaries: list[ReplaySummary]) -> ReplaySummary:
    """All histories as one: shares of everything they requested together."""
    return ReplaySummary(name, [r for s in summaries for r in s.runs], sum(s.skipped for s in summaries))


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.1f} %"


def table(summaries: list[ReplaySummary]) -> list[str]:
    """A Markdown table: one row per history."""
    lines = ["| history | runs replayed | with a proposal | requested CPU-h / GB-h / time-h | freed CPU-h | "
             "freed GB-h | freed time-h | would have failed (OOM + time) |",
             "|---|---:|---:|---|---:|---:|---:|---|"]
    for s in summaries:
        d = s.as_dict()
        lines.append(
            f"| {s.name} | {d['runs']} | {d['runs_with_proposal']} | {d['requested_cpu_h']:.2f} / "
            f"{d['requested_gb_h']:.2f} / {d['requested_time_h']:.2f} | {_pct(d['freed_cpu_h_share'])} | "
            f"{_pct(d['freed_gb_h_share'])} | {_pct(d['freed_time_h_share'])} | {d['would_fail']} of {d['runs']} "
            f"= {_pct(d['would_fail_share'])} ({d['out_of_memory']} + {d['out_of_time']}) |")
    return lines
