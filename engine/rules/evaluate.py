"""Evaluate facts against loaded packs: durable-rules does the matching, this module keeps the record.

Semantics (the same in the durable path and the Python oracle): facts are single-valued; each rule fires at
most once per evaluation; a conclusion is written once (a later rule asserting a different value is recorded
as ``conclusion_rejected``); rules fire in order of (stratum, priority, definition order); evaluations
share nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asba.errors import EngineError, InputError
from asba.facts.model import Fact
from asba.rules import expr as exprlang
from asba.rules.compiler import ANCHOR, SENTINEL_RULE, Compiled, compile_packset
from asba.rules.model import Expr, PackSet, Rule
from asba.rules.oracle import conjunct_holds, holds, leaf_holds
from asba.rules.result import Conclusion, Evaluation
from asba.rules.values import normalise

_CACHE: dict[str, Any] = {}  # digest -> DurableRuleset: compile each distinct pack set once per process


def compiled(packset: PackSet) -> Compiled:
    if packset._compiled is None:
        packset._compiled = compile_packset(packset)
    return packset._compiled


def durable_ruleset(comp: Compiled):
    from asba.rules.driver import DurableRuleset

    if comp.digest not in _CACHE:
        _CACHE[comp.digest] = DurableRuleset(f"asba_{comp.digest}", comp.durable_json)
    return _CACHE[comp.digest]


def prepare_facts(packset: PackSet, facts: Iterable[Fact]) -> dict[str, Fact]:
    """Check names and types against the vocabulary and normalise values; None means absent."""
    by_name: dict[str, Fact] = {}
    seen: dict[str, str] = {}
    for fact in facts:
        spec = packset.vocabulary.get(fact.name)
        if spec is None:
            raise InputError(f"unknown fact '{fact.name}' (from {fact.source})", code="ASBA-ENGINE-002",
                             hint=packset.vocabulary.did_you_mean(fact.name))
        if fact.name in seen:
            raise InputError(f"fact '{fact.name}' given twice ({seen[fact.name]}; {fact.source})",
                             code="ASBA-ENGINE-003", hint="give each fact once")
        seen[fact.name] = fact.source
        if fact.value is None:
            continue
        try:
            value = normalise(fact.value, spec.type)
        except ValueError as exc:
            raise InputError(f"fact '{fact.name}' = {fact.value!r} (from {fact.source}): {exc}",
                             code="ASBA-ENGINE-004", hint=f"'{fact.name}' is declared as {spec.type}") from None
        by_name[fact.name] = fact if value is fact.value else Fact(fact.name, value, fact.source)
    return dict(sorted(by_name.items()))


class _Run:
    """State of one evaluation, fed by either engine through ``fire``."""

    def __init__(self, packset: PackSet, comp: Compiled, inputs: dict[str, Fact]) -> None:
        self.packset, self.comp = packset, comp
        self.ev = Evaluation(packset, comp)
        self.facts: dict[str, Fact] = dict(inputs)
        self.wm: dict[str, Any] = {name: f.value for name, f in inputs.items()}
        self.ev._wm = self.wm
        self.fired: set[str] = set()
        self.ev._inputs = list(inputs.values())  # recorded as fact_asserted events, built when first read

    def fire(self, branch_name: str, bound: Iterable[str]) -> list[dict]:
        if branch_name == SENTINEL_RULE:
            return []
        branch = self.comp.branches[branch_name]
        rule = branch.rule
        if rule.id in self.fired:
            return []
        if branch.checks and not all(leaf_holds(leaf, self.wm) for leaf in branch.checks):
            return []  # a fact-to-fact comparison the C core only joined (compiler docstring): it does not match
        guards = branch.conjunct.guards
        if guards and not all(holds(g, self.wm) for g in guards):
            self.ev.record_suppressed(rule, guards)
            return []
        self.fired.add(rule.id)
        matched = [self.facts[name] for name in bound]
        return self._apply(rule, matched)

    def _apply(self, rule: Rule, matched: list[Fact]) -> list[dict]:
        source = self.comp.sources[rule.id]
        new_facts, asserted = [], []
        for action in rule.actions:
            value = self._value(rule, action)
            if action.conclusion in self.wm:
                if self.wm[action.conclusion] != value:
                    self.ev.record("conclusion_rejected", name=action.conclusion, value=value, rule=rule.id,
                                   kept=self.wm[action.conclusion], kept_from=self.facts[action.conclusion].source)
                continue
            fact = Fact(action.conclusion, value, source)
            self.wm[fact.name], self.facts[fact.name] = value, fact
            self.ev.conclusions[fact.name] = Conclusion(fact.name, value, rule.id, rule.pack, rule.pack_revision,
                                                        matched)
            asserted.append(fact)
            if fact.name in self.comp.tested:
                new_facts.append({"t": "a", "n": fact.name, "v": value})
        self.ev.record("rule_fired", rule=rule.id, pack=rule.pack, pack_revision=rule.pack_revision,
                       severity=rule.severity, matched=[f.as_dict() for f in matched],
                       asserted=[f.as_dict() for f in asserted])
        for fact in asserted:
            self.ev.record("conclusion_asserted", name=fact.name, value=fact.value, rule=rule.id, source=source)
        self.ev.add_finding(rule, self.wm)
        return new_facts

    def _value(self, rule: Rule, action) -> Any:
        spec = self.packset.vocabulary.spec(action.conclusion)
        if not isinstance(action.value, Expr):
            return normalise(action.value, spec.type)
        try:
            raw = exprlang.evaluate(action.value.node, self.wm)
            return normalise(int(raw) if spec.type == "integer" else raw, spec.type)
        except (ZeroDivisionError, ValueError, OverflowError) as exc:
            values = {n: self.wm.get(n) for n in action.value.refs()}
            raise EngineError(f"rule {rule.id}: expr '{action.value.text}' failed ({exc}) with {values}",
                              where=action.where, code="ASBA-ENGINE-005",
                              hint="guard the rule so the expression is defined (e.g. gt: 0 on the divisor)") from None


def default_budget(comp: Compiled) -> int:
    return len(comp.branches) + 8


def evaluate(packset: PackSet, facts: Iterable[Fact], *, engine: str = "durable",
             max_firings: int | None = None) -> Evaluation:
    """Evaluate ``facts`` (asba.facts.Fact) against the packs; ``engine`` is 'durable' or 'python'."""
    comp = compiled(packset)
    run = _Run(packset, comp, prepare_facts(packset, facts))
    budget = default_budget(comp) if max_firings is None else max_firings
    if engine == "python":
        _python_agenda(run, budget)
    elif engine == "durable":
        _durable_agenda(run, budget)
    else:
        raise InputError(f"unknown engine '{engine}'", code="ASBA-ENGINE-006", hint="use 'durable' or 'python'")
    return run.ev


def _durable_agenda(run: _Run, budget: int) -> None:
    recent: list[str] = []

    branches = run.comp.branches

    def on_fire(name: str, message: str) -> list[dict]:
        recent.append(name)
        # each alias of a compiled branch binds one known fact name, so the match itself need not be parsed
        return run.fire(name, branches[name].aliases.values() if name in branches else ())

    tested = run.comp.tested
    durable_facts = [{"t": "a", "n": f.name, "v": f.value} for f in run.facts.values() if f.name in tested]
    if run.comp.uses_anchor:
        durable_facts.append(dict(ANCHOR))
    try:
        durable_ruleset(run.comp).evaluate(durable_facts, on_fire, budget + 1)
    except EngineError as exc:
        if exc.code == "ASBA-ENGINE-001":
            raise _runaway(recent, budget) from None
        raise


def _runaway(recent: list[str], budget: int) -> EngineError:
    looping = sorted({name.split("#")[0] for name in recent[-20:]})
    return EngineError(f"stopped after {budget} rule firings; still firing: {', '.join(looping)}",
                       code="ASBA-ENGINE-001", hint="these rules keep re-activating each other; fix their conditions")


def _python_agenda(run: _Run, budget: int) -> None:
    """The plain-Python engine: same agenda order as durable (lowest pri, then definition order)."""
    branches = sorted(run.comp.branches.items(), key=lambda kv: (kv[1].pri, kv[1].index))
    recent: list[str] = []
    while True:
        for name, branch in branches:
            if branch.rule.id in run.fired or not conjunct_holds(branch.conjunct, run.wm):
                continue
            recent.append(branch.rule.id)
            if len(recent) > budget:
                raise _runaway(recent, budget)
            run.fire(name, branch.aliases.values())
            break
        else:
            return
