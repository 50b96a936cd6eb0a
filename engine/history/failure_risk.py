"""Failure patterns of a script keyed by where they happened, and whether this request would repeat one
(roadmap 3.1, `CheckFailureRisk`). The rules in rules/failure/platform_risk.yaml turn them into warnings.

A pattern is one kind of failure (sacct state: OUT_OF_MEMORY -> oom, TIMEOUT -> timeout, FAILED, NODE_FAIL, ...)
at one place: a local partition, or a burst partition with the instance type the followed decision advised
(asba.audit.outcomes) when known. Its bound is what the failing runs had: the largest memory per node that ran
out (oom), the largest time limit that was hit (timeout). The request *repeats* the pattern when it is no
bigger than that bound (oom, timeout); other failures repeat when they happened at least twice there.
Confidence = the failing runs / all runs at that place within the bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asba.facts.model import Fact
from asba.report import units

BOUNDED = {"oom": "requested_memory_per_node", "timeout": "time_limit_s"}
UNBOUNDED_MIN = 2  # an unexplained failure is a pattern from its second occurrence (as failure.repeated-*)


@dataclass(frozen=True)
class FailurePattern:
    where: str  # "cpu" or "cpu-aws (r6i.large)"
    partition: str
    platform: str  # local | aws
    kind: str
    occurrences: int
    runs_within: int  # runs at that place no bigger than the bound (all runs there when unbounded)
    bound: float | None  # MB per node (oom) or seconds (timeout)

    @property
    def confidence(self) -> float:
        return self.occurrences / max(self.runs_within, 1)

    def describe(self) -> str:
        label = {"oom": "OUT_OF_MEMORY", "timeout": "TIMEOUT"}.get(self.kind, self.kind.upper())
        text = f"{label} on {self.where} x{self.occurrences} of {self.runs_within} runs"
        if self.kind == "oom" and self.bound:
            text += f" with at most {units.mem(self.bound)} per node"
        elif self.kind == "timeout" and self.bound:
            text += f" with a time limit of at most {units.duration(self.bound)}"
        return text


def _per_node_mb(run: Any) -> float | None:
    if run.requested_memory_mb is None:
        return None
    return float(run.requested_memory_mb) / max(int(run.nodes or 1), 1)


def _measure(run: Any, kind: str) -> float | None:
    return _per_node_mb(run) if kind == "oom" else (float(run.time_limit_s) if run.time_limit_s else None)


def _where(run: Any, instances: dict[tuple[str, str], str]) -> str:
    if run.execution_platform == "aws" and (run.cluster, run.job_id) in instances:
        return f"{run.partition} ({instances[(run.cluster, run.job_id)]})"
    return run.partition


def patterns(runs: Sequence[Any], instances: dict[tuple[str, str], str]) -> list[FailurePattern]:
    groups: dict[tuple[str, str], list[Any]] = {}
    for run in runs:
        if run.failure_kind and run.failure_kind != "cancelled":
            groups.setdefault((_where(run, instances), run.failure_kind), []).append(run)
    found = []
    for (where, kind), failed in sorted(groups.items()):
        there = [r for r in runs if _where(r, instances) == where]
        bound = None
        if kind in BOUNDED:
            values = [v for v in (_measure(r, kind) for r in failed) if v is not None]
            bound = max(values) if values else None
            if bound is not None:
                there = [r for r in there if (_measure(r, kind) or 0) <= bound]
        first = failed[0]
        found.append(FailurePattern(where, first.partition, first.execution_platform, kind, len(failed), len(there),
                                    bound))
    return found


def repeats(pattern: FailurePattern, mem_per_node_mb: float | None, limit_s: float | None) -> bool:
    if pattern.kind == "oom":
        return pattern.bound is not None and mem_per_node_mb is not None and mem_per_node_mb <= pattern.bound
    if pattern.kind == "timeout":
        return pattern.bound is not None and limit_s is not None and limit_s <= pattern.bound
    return pattern.occurrences >= UNBOUNDED_MIN


def prevention(pattern: FailurePattern, runs: Sequence[Any]) -> str:
    ok = [r for r in runs if r.succeeded]
    if pattern.kind == "oom":
        peaks = [r.max_memory_used_mb / max(int(r.nodes or 1), 1) for r in ok if r.max_memory_used_mb]
        seen = f"; the successful runs peaked at {units.mem(max(peaks))} per node" if peaks else ""
        return (f"request more than {units.mem(pattern.bound)} per node{seen} (asba explain --optimize gives the "
                "line), or choose the other platform")
    if pattern.kind == "timeout":
        longest = max((r.elapsed_s for r in ok if r.elapsed_s), default=None)
        seen = f"; the longest successful run took {units.duration(longest)}" if longest else ""
        return f"raise --time above {units.duration(pattern.bound)}{seen}, or add checkpointing"
    return (f"read the failed jobs' output on {pattern.where} (asba history --script) and fix the cause before "
            "resubmitting there, or choose the other platform")


def risk_facts(runs: Sequence[Any], job: dict, partition: str, burst: str | None, conn: Any) -> list[Fact]:
    """``risk.<side>_repeat_*`` facts for the strongest pattern this request would repeat on each side."""
    from asba.history.profile import instance_of_jobs

    if not any(r.failure_kind for r in runs):
        return []
    found = patterns(runs, instance_of_jobs(conn) if conn is not None else {})
    facts: list[Fact] = []
    for side, place in (("local", partition), ("aws", burst)):
        hits = [p for p in found if place and p.partition == place
                and repeats(p, job.get("mem_per_node_mb"), job.get("time_limit_s"))]
        if not hits:
            continue
        worst = max(hits, key=lambda p: (p.confidence, p.occurrences))
        src = f"sacct history of this script: {worst.describe()}"
        facts += [Fact(f"risk.{side}_repeat_pattern", worst.describe(), src),
                  Fact(f"risk.{side}_repeat_kind", worst.kind, src),
                  Fact(f"risk.{side}_repeat_occurrences", worst.occurrences, src),
                  Fact(f"risk.{side}_repeat_confidence", round(worst.confidence, 3), src),
                  Fact(f"risk.{side}_repeat_prevention", prevention(worst, runs), src)]
    return facts
