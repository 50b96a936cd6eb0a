"""Rules that lint rules: duplicate ids, empty messages, untested rules, conditions that can never hold, and
facts no code produces (a rule that is dead on real input)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from asba.rules.checks import Conjunct, dnf
from asba.rules.model import Absent, Expr, Leaf, Pack, PackSet
from asba.rules.producers import Producers


@dataclass(frozen=True)
class LintIssue:
    level: str  # error | warning
    code: str
    where: str
    message: str

    def as_dict(self) -> dict:
        return {"level": self.level, "code": self.code, "where": self.where, "message": self.message}

    def text(self) -> str:
        return f"{self.where}: {self.level}: {self.message} [{self.code}]"


def duplicate_ids(packs: list[Pack]) -> list[LintIssue]:
    seen: dict[str, str] = {}
    issues = []
    for rule in (r for p in packs for r in p.rules):
        if rule.id in seen:
            issues.append(LintIssue("error", "ASBA-LINT-001", rule.where,
                                    f"rule id '{rule.id}' is also defined at {seen[rule.id]}"))
        seen.setdefault(rule.id, rule.where)
    return issues


def _interval_empty(leaves: list[Leaf]) -> str | None:
    """A reason when the constant numeric tests on one fact cannot all hold together."""
    lo, lo_in, hi, hi_in = -math.inf, True, math.inf, True
    allowed: set | None = None
    for leaf in leaves:
        value = leaf.value
        if isinstance(value, Expr) or leaf.op in ("exists", "ne", "not_in", "matches", "contains"):
            continue
        if leaf.op in ("gt", "gte") and (value > lo or (value == lo and leaf.op == "gt")):
            lo, lo_in = value, leaf.op == "gte"
        elif leaf.op in ("lt", "lte") and (value < hi or (value == hi and leaf.op == "lt")):
            hi, hi_in = value, leaf.op == "lte"
        elif leaf.op == "between":
            lo, lo_in = max(lo, value[0]), lo_in if lo > value[0] else True
            hi, hi_in = min(hi, value[1]), hi_in if hi < value[1] else True
        elif leaf.op in ("eq", "in"):
            values = {value} if leaf.op == "eq" else set(value)
            allowed = values if allowed is None else allowed & values
    numeric = allowed is None or all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in allowed)
    if allowed is not None and numeric:
        allowed = {v for v in allowed if (lo < v or (lo == v and lo_in)) and (v < hi or (v == hi and hi_in))}
    if allowed is not None and not allowed:
        return "no value satisfies its equality/membership tests together with its bounds"
    if lo > hi or (lo == hi and not (lo_in and hi_in)):
        return f"needs a value above {lo} and below {hi} at once"
    return None


def impossible_reason(conj: Conjunct) -> str | None:
    by_fact: dict[str, list[Leaf]] = {}
    for leaf in conj.positives:
        by_fact.setdefault(leaf.fact, []).append(leaf)
    for fact, leaves in by_fact.items():
        reason = _interval_empty(leaves)
        if reason:
            return f"'{fact}' {reason}"
    for guard in conj.guards:
        if isinstance(guard, Absent) and guard.fact in by_fact:
            return f"'{guard.fact}' is required and required absent at once"
    return None


def never_hold(packset: PackSet, pack_names: set[str]) -> list[LintIssue]:
    issues = []
    produced = {a.conclusion for r in packset.rules for a in r.actions}
    declared_conclusions = {n for p in packset.packs for n in p.conclusions}
    for rule in (r for r in packset.rules if r.pack in pack_names):
        alts = dnf(rule.when)
        reasons = [impossible_reason(c) for c in alts]
        if all(reasons):
            issues.append(LintIssue("error", "ASBA-LINT-002", rule.where,
                                    f"rule '{rule.id}' can never fire: {reasons[0]}"))
        else:
            for k, reason in enumerate(reasons):
                if reason:
                    issues.append(LintIssue("warning", "ASBA-LINT-003", rule.where,
                                            f"rule '{rule.id}' alternative {k + 1} can never hold: {reason}"))
        for alt in alts:
            for leaf in alt.positives:
                if leaf.fact in declared_conclusions and leaf.fact not in produced:
                    issues.append(LintIssue("warning", "ASBA-LINT-004", leaf.where,
                                            f"rule '{rule.id}' tests '{leaf.fact}', which no loaded rule asserts"))
    return issues


def messages_and_cases(pack: Pack) -> list[LintIssue]:
    issues = []
    for rule in pack.rules:
        for part in ("found", "why", "fix"):
            if not getattr(rule.message, part).strip():
                issues.append(LintIssue("error", "ASBA-LINT-005", rule.where,
                                        f"rule '{rule.id}' has an empty message.{part}"))
        fires = [c for c in pack.cases if rule.id in c.fires and not c.skip]
        silent = [c for c in pack.cases if rule.id in c.silent and not c.skip]
        if not fires:
            issues.append(LintIssue("warning", "ASBA-LINT-006", rule.where,
                                    f"rule '{rule.id}' has no test case where it must fire"))
        if not silent:
            issues.append(LintIssue("warning", "ASBA-LINT-007", rule.where,
                                    f"rule '{rule.id}' has no test case where it must stay silent"))
    return issues


def dead_facts(packset: PackSet, pack_names: set[str], producers: Producers) -> list[LintIssue]:
    """Rules testing a vocabulary fact that asba never produces and the user is not declared to supply."""
    issues, seen = [], set()
    asserted = {a.conclusion for r in packset.rules for a in r.actions}
    for rule in (r for r in packset.rules if r.pack in pack_names):
        for leaf in (leaf for alt in dnf(rule.when) for leaf in alt.positives):
            spec = packset.vocabulary.get(leaf.fact)
            if spec is None or spec.supplied == "user" or leaf.fact in asserted or producers.produces(leaf.fact) \
                    or (rule.id, leaf.fact) in seen:
                continue  # not a vocabulary fact (a pack conclusion: LINT-004's business), or it can be present
            seen.add((rule.id, leaf.fact))
            issues.append(LintIssue("error", "ASBA-LINT-008", leaf.where,
                                    f"rule '{rule.id}' tests '{leaf.fact}', which asba never produces and the "
                                    f"vocabulary does not declare user-supplied: the rule cannot fire on real input"))
    return issues


def lint(packset: PackSet, only_packs: list[str] | None = None, producers: Producers | None = None) -> list[LintIssue]:
    """Lint a checked pack set (duplicate ids are refused earlier: lint_raw reports them as issues).
    `producers` (default: asba's own, asba.rules.producers) says which facts real input can give."""
    from asba.rules.producers import engine_producers

    packs = [p for p in packset.packs if only_packs is None or p.name in only_packs]
    issues: list[LintIssue] = []
    for pack in packs:
        issues.extend(messages_and_cases(pack))
    issues.extend(never_hold(packset, {p.name for p in packs}))
    issues.extend(dead_facts(packset, {p.name for p in packs}, producers or engine_producers()))
    return issues
