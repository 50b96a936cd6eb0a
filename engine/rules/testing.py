"""Run the test cases that sit beside each rule file (``<name>.test.yaml``): PASS / FAIL / ERROR / SKIP.

Each case is evaluated against every loaded pack (as the advisor would) on durable-rules, and again on the
plain-Python engine: the two must fire the same rules in the same order, or the case fails.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from asba.errors import AsbaError
from asba.facts.model import Fact
from asba.rules.evaluate import evaluate
from asba.rules.model import Pack, PackSet, TestCase


@dataclass
class CaseResult:
    pack: str
    case: str
    where: str
    status: str  # PASS | FAIL | ERROR | SKIP
    problems: list[str] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"pack": self.pack, "case": self.case, "where": self.where, "status": self.status,
                "problems": self.problems, "fired": self.fired}


def _unknown_ids(case: TestCase, packset: PackSet) -> list[str]:
    ids = [r.id for r in packset.rules]
    problems = []
    for rule_id in case.fires + case.silent:
        if packset.rule(rule_id) is None:
            guess = difflib.get_close_matches(rule_id, ids, n=1)
            problems.append(f"unknown rule id '{rule_id}'" + (f" (did you mean '{guess[0]}'?)" if guess else ""))
    return problems


def run_case(case: TestCase, pack: Pack, packset: PackSet) -> CaseResult:
    result = CaseResult(pack.name, case.name, case.where, "PASS")
    if case.skip:
        result.status, result.problems = "SKIP", [case.skip]
        return result
    result.problems = _unknown_ids(case, packset)
    if result.problems:
        result.status = "ERROR"
        return result
    facts = [Fact(name, value, f"test case '{case.name}' ({case.fact_where.get(name, case.where)})")
             for name, value in case.facts.items()]
    try:
        ev = evaluate(packset, facts)
        oracle = evaluate(packset, facts, engine="python")
    except AsbaError as exc:
        result.status, result.problems = "ERROR", [exc.one_line()]
        return result
    result.fired = ev.fired
    result.problems = expectation_problems(case, ev)
    if oracle.fired != ev.fired:
        result.problems.append(f"engines disagree: durable fired {ev.fired}, python fired {oracle.fired}")
    if result.problems:
        result.status = "FAIL"
    return result


def _why_not(ev, target: str) -> str:
    try:
        return ev.why_not(target).summary
    except AsbaError as exc:
        return exc.one_line()


def expectation_problems(case: TestCase, ev) -> list[str]:
    problems = []
    fired = set(ev.fired)
    for rule_id in case.fires:
        if rule_id not in fired:
            problems.append(f"expected {rule_id} to fire; {_why_not(ev, rule_id)}")
    for rule_id in case.silent:
        if rule_id in fired:
            problems.append(f"expected {rule_id} to stay silent, but it fired")
    for name, expected in case.conclusions.items():
        got = ev.conclusions.get(name)
        if got is None:
            problems.append(f"expected {name} = {expected!r}; {_why_not(ev, name)}")
        elif got.value != expected:
            problems.append(f"expected {name} = {expected!r}, got {got.value!r} (from {got.rule_id})")
    return problems


def run_tests(packset: PackSet, only_packs: list[str] | None = None) -> list[CaseResult]:
    results = []
    for pack in packset.packs:
        if only_packs is not None and pack.name not in only_packs:
            continue
        for case in pack.cases:
            results.append(run_case(case, pack, packset))
    return results
