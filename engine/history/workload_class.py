"""The workload class of a script, with its confidence, as a pure function of its pattern record.

The class is the workload rule pack's conclusion (rules/workload), evaluated on the facts a pattern gives
(asba.facts.history_facts) plus what the classification rests on (asba.history.evidence). Only the pattern
record is read, so the class follows whatever way patterns are aggregated. `asba explain` reaches the same
rules through the same facts, with the efficiency of the successful runs taken from the runs themselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from asba.facts.model import Fact


@dataclass(frozen=True)
class WorkloadClass:
    name: str  # a workload.class value: cpu-bound, memory-bound, io-or-idle, time-limited, ...
    confidence: str | None  # low | medium | high; None for insufficient-evidence
    evidence_runs: int | None  # the runs the class rests on
    basis: str | None  # failure | efficiency
    rule: str  # the rule that concluded it
    reason: str  # that rule's finding, as the user reads it
    evidence: str  # what the efficiency figures cover (successful runs, or all finished runs)

    def as_dict(self) -> dict:
        return asdict(self)


def pattern_facts(pattern: Any) -> list[Fact]:
    from asba.facts.history_facts import history_facts, pattern_source
    from asba.history.evidence import evidence_facts, from_pattern

    facts = history_facts(pattern) + evidence_facts(from_pattern(pattern), pattern_source(pattern))
    return facts + _gpu_request(pattern, pattern_source(pattern))


def _gpu_request(pattern: Any, source: str) -> list[Fact]:
    """The GPUs the runs held (AllocTRES gres/gpu), as the script's request: `asba explain` reads it from the
    script, the listings from the runs; without it a GPU script's runs would be classed by their CPUs alone."""
    gpus = getattr(pattern, "gpus_typical", None)
    if not gpus:
        return []
    return [Fact("job.total_gpus", int(round(gpus)), f"{source}: GPUs the runs held (AllocTRES gres/gpu)")]


def from_evaluation(evaluation: Any, evidence: str = "") -> WorkloadClass:
    """The class an evaluation concluded (any evaluation that ran the workload pack)."""
    concl = evaluation.conclusions

    def value(name: str) -> Any:
        found = concl.get(name)
        return found.value if found else None

    found = concl.get("workload.class")
    rule = found.rule_id if found else ""
    finding = next((f.found for f in evaluation.findings if f.rule_id == rule), "")
    return WorkloadClass(value("workload.class") or "insufficient-evidence", value("workload.confidence"),
                         value("workload.evidence_runs"), value("workload.basis"), rule, finding, evidence)


def classify(pattern: Any, packs: Any = None) -> WorkloadClass:
    """The workload class of one pattern record (asba.history.patterns.Pattern)."""
    from asba.history.evidence import from_pattern
    from asba.rules import evaluate

    packset = packs if packs is not None else _builtin()
    evaluation = evaluate(packset, pattern_facts(pattern), engine="python")
    return from_evaluation(evaluation, from_pattern(pattern).basis)


_PACKS: list[Any] = []


def _builtin() -> Any:
    """The built-in workload pack, the failure pack it reads (failure.oom_risk) and the decision pack that the
    failure pack reads (advice.platform, for platform risks): all the class needs to load."""
    if not _PACKS:
        from asba.paths import packs_dir
        from asba.rules import load_packs

        names = ("workload", "failure", "decision")
        _PACKS.append(load_packs([packs_dir() / name for name in names], builtin=False))
    return _PACKS[0]
