"""The consistency check over one run's findings and advice: advice a consultant could sign.

Four things are checked, on data (never on message text):

* no two pieces of advice push one resource in opposite directions: the rules' ``*_advice`` conclusions
  (``workload.memory_advice = lower``, ``failure.memory_advice = raise``, ...) and the right-sizing changes;
* a failure-based conclusion outranks an efficiency-based one on the same resource: an efficiency rule that a
  failure silenced (its absent:/none: guard on a ``failure.*`` conclusion) is listed as resolved, with the
  rule that won and why, and the output shows it;
* the headline agrees with feasibility and the failures: never local where no node can hold the job, never
  options priced at a memory or time limit a run already failed with (asba.decide.carryover raises them);
* no impossible value is proposed: fewer than 1 CPU, memory at or below what a run that died
  OUT_OF_MEMORY had, memory below a successful run's peak, a time limit below a successful run's elapsed
  time or at or below a limit a run hit (TIMEOUT).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

RESOURCES = {"cpus_advice": "cpus", "memory_advice": "mem_mb", "time_advice": "time_s", "gpus_advice": "gpus"}
FAILURE_PACK = "failure"


@dataclass(frozen=True)
class Push:
    resource: str  # cpus | mem_mb | time_s
    direction: str  # lower | raise
    by: str  # rule id, or "right-sizing"
    basis: str  # failure | efficiency | right-sizing


@dataclass(frozen=True)
class Record:
    """What the runs allow, per node: the limits no proposal may cross."""

    oom_request_mb: float | None = None  # largest memory request that still ran out of memory
    ok_peak_mb: float | None = None  # largest peak of a successful run
    ok_elapsed_s: float | None = None  # longest successful run
    timeout_limit_s: float | None = None  # largest time limit a run hit
    gpus_busy: float | None = None  # GPUs the runs kept busy (sacct, history.gpus_busy)
    gpu_memory_peak_mb: float | None = None  # largest GPU memory of a run's busiest task (sacct gres/gpumem)


@dataclass
class Consistency:
    pushes: list[Push] = field(default_factory=list)
    resolved: list[dict] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"pushes": [asdict(p) for p in self.pushes], "resolved": self.resolved,
                "violations": self.violations}


def rule_pushes(evaluation: Any) -> list[Push]:
    """The pushes the fired rules concluded (``*.cpus_advice`` and the like)."""
    pushes = []
    for name, concl in sorted(evaluation.conclusions.items()):
        resource = RESOURCES.get(name.split(".", 1)[-1])
        if resource:
            basis = "failure" if concl.pack == FAILURE_PACK else "efficiency"
            pushes.append(Push(resource, str(concl.value), concl.rule_id, basis))
    return pushes


def sizing_pushes(changes: Iterable[Any]) -> list[Push]:
    return [Push(c.resource, "raise" if c.proposed > c.current else "lower", "right-sizing", "right-sizing")
            for c in changes if c.proposed != c.current]


def resolutions(evaluation: Any) -> list[dict]:
    """Efficiency advice that a failure silenced, or that lost to an earlier conclusion: who won and why."""
    rules = {r.id: r for r in evaluation.packset.rules}
    found = []
    for event in evaluation.events:
        rule = rules.get(event.data.get("rule", ""))
        if rule is None or not (advice := [a.conclusion for a in rule.actions if _resource(a.conclusion)]):
            continue
        if event.type == "rule_suppressed":
            for winner in _failure_winners(evaluation, event):
                found.append({"resource": _resource(advice[0]), "lost": rule.id, "won": winner,
                              "why": "failure outranks efficiency: a past run failed on this resource"})
        elif event.type == "conclusion_rejected" and _resource(event.data["name"]):
            kept = evaluation.conclusions.get(event.data["name"])
            found.append({"resource": _resource(event.data["name"]), "lost": rule.id,
                          "won": kept.rule_id if kept else event.data["kept_from"],
                          "why": f"{event.data['name']} was already {event.data['kept']!r}"})
    return found


def _resource(conclusion: str) -> str | None:
    return RESOURCES.get(conclusion.split(".", 1)[-1])


def _failure_winners(evaluation: Any, event: Any) -> list[str]:
    failed = [f["fact"] for f in event.data.get("failed", [])]
    return [evaluation.conclusions[name].rule_id for name in failed
            if name in evaluation.conclusions and evaluation.conclusions[name].pack == FAILURE_PACK]


def contradictions(pushes: Sequence[Push]) -> list[str]:
    found = []
    for resource in sorted({p.resource for p in pushes}):
        ways = {p.direction for p in pushes if p.resource == resource}
        if len(ways) > 1:
            who = ", ".join(f"{p.by} ({p.direction})" for p in pushes if p.resource == resource)
            found.append(f"contradiction on {resource}: {who}")
    return found


def impossible(proposed: dict[str, float], record: Record, cpus_needed: int | None = None) -> list[str]:
    """Proposed values (cpus, mem_mb per node, time_s) that the runs prove impossible."""
    found = []
    cpus = proposed.get("cpus")
    for label, value in (("right-sizing", cpus), ("workload.cpus_needed", cpus_needed)):
        if value is not None and value < 1:
            found.append(f"impossible: {label} proposes {value} CPUs")
    mem = proposed.get("mem_mb")
    if mem is not None and record.oom_request_mb and mem <= record.oom_request_mb:
        found.append(f"impossible: memory {mem:.0f} MB is not above {record.oom_request_mb:.0f} MB, "
                     "which a run had when it ran out of memory")
    if mem is not None and record.ok_peak_mb and mem < record.ok_peak_mb:
        found.append(f"impossible: memory {mem:.0f} MB is below a successful run's peak {record.ok_peak_mb:.0f} MB")
    found += _gpu_impossible(proposed, record)
    time_s = proposed.get("time_s")
    if time_s is not None and record.ok_elapsed_s and time_s < record.ok_elapsed_s:
        found.append(f"impossible: time limit {time_s:.0f} s is below a successful run's {record.ok_elapsed_s:.0f} s")
    if time_s is not None and record.timeout_limit_s and time_s <= record.timeout_limit_s:
        found.append(f"impossible: time limit {time_s:.0f} s is not above the {record.timeout_limit_s:.0f} s "
                     "limit a run hit")
    return found


def _gpu_impossible(proposed: dict[str, float], record: Record) -> list[str]:
    """Fewer GPUs than the runs kept busy, or a GPU whose memory cannot hold the recorded peak with 10 % free."""
    from asba.decide.gpu_analysis import FIT_SHARE

    found = []
    gpus = proposed.get("gpus")
    if gpus is not None and (gpus < 1 or (record.gpus_busy and gpus < record.gpus_busy)):
        found.append(f"impossible: right-sizing proposes {gpus:g} GPUs, fewer than the {record.gpus_busy or 1:g} "
                     "the runs kept busy")
    memory = proposed.get("gpu_memory_gib")
    if memory is not None and record.gpu_memory_peak_mb and FIT_SHARE * memory * 1024 < record.gpu_memory_peak_mb:
        found.append(f"impossible: a {memory:g} GiB GPU does not hold the recorded GPU memory peak "
                     f"{record.gpu_memory_peak_mb / 1024:.1f} GiB with 10 % free")
    return found


@dataclass(frozen=True)
class Advice:
    """What the headline advises: the platform, whether a local node can hold the job, the memory it is priced at."""

    platform: str
    local_feasible: bool | None = None  # None: the cluster could not be read
    priced_mem_mb: float | None = None  # per node, of the request every option was sized and priced with
    priced_time_s: float | None = None


def advice_conflicts(advice: Advice, record: Record) -> list[str]:
    """The headline against feasibility and the failures: local where no node can hold it, an option at a
    memory or time limit that a run already failed with."""
    found = []
    if advice.platform == "local" and advice.local_feasible is False:
        found.append("contradiction: platform local, but no node of the partition can hold the job")
    mem = advice.priced_mem_mb
    if mem and record.oom_request_mb and mem <= record.oom_request_mb:
        found.append(f"impossible: the options are priced at {mem:.0f} MB per node, not above the "
                     f"{record.oom_request_mb:.0f} MB a run ran out of memory with")
    limit = advice.priced_time_s
    if limit and record.timeout_limit_s and limit <= record.timeout_limit_s:
        found.append(f"impossible: the options are priced with a {limit:.0f} s limit, not above the "
                     f"{record.timeout_limit_s:.0f} s limit a run hit")
    return found


def check(evaluation: Any, changes: Sequence[Any], record: Record, advice: Advice | None = None) -> Consistency:
    pushes = rule_pushes(evaluation) + sizing_pushes(changes)
    needed = evaluation.conclusions.get("workload.cpus_needed")
    proposed = {c.resource: float(c.proposed) for c in changes}
    violations = contradictions(pushes) + impossible(proposed, record, needed.value if needed else None)
    violations += advice_conflicts(advice, record) if advice is not None else []
    return Consistency(pushes, resolutions(evaluation), violations)


def record_of(runs: Iterable[Any], nodes: int = 1) -> Record:
    """The limits set by JobRecord-like runs (state, exit_code, requested_memory_mb, max_memory_used_mb, ...)."""
    runs = list(runs)

    def per_node(r: Any, mb: float | None) -> float | None:
        return None if mb is None else mb / max(int(getattr(r, "nodes", None) or nodes or 1), 1)

    ok = [r for r in runs if r.state == "COMPLETED" and not r.exit_code]
    ooms = [per_node(r, r.requested_memory_mb) for r in runs if r.state == "OUT_OF_MEMORY"]
    peaks = [per_node(r, r.max_memory_used_mb) for r in ok]
    return Record(
        oom_request_mb=_max(ooms), ok_peak_mb=_max(peaks),
        ok_elapsed_s=_max([r.elapsed_s for r in ok]),
        timeout_limit_s=_max([r.time_limit_s for r in runs if r.state in ("TIMEOUT", "DEADLINE")]),
        gpu_memory_peak_mb=_max([getattr(r, "gpu_memory_peak_mb", None) for r in runs]),
    )


def _max(values: Iterable[float | None]) -> float | None:
    known = [float(v) for v in values if v]
    return max(known) if known else None
