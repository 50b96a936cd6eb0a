"""What an evaluation returns: conclusions, findings, the ordered trace events, and why-not answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from asba.errors import InputError
from asba.facts.model import Fact
from asba.rules.checks import NAMED_SPECS, PLACEHOLDER, PLURAL_SPEC

MONEY_OR_PLACEHOLDER = re.compile(r"(\$?)" + PLACEHOLDER.pattern)


@dataclass(frozen=True)
class Conclusion:
    name: str
    value: Any
    rule_id: str
    pack: str
    pack_revision: str
    matched: list  # [Fact]

    @property
    def source(self) -> str:
        return f"rule {self.rule_id} ({self.pack}@{self.pack_revision})"

    def as_fact(self) -> Fact:
        return Fact(self.name, self.value, self.source)

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "rule": self.rule_id, "pack": self.pack,
                "pack_revision": self.pack_revision, "matched": [f.as_dict() for f in self.matched]}


@dataclass(frozen=True)
class Finding:
    rule_id: str
    pack: str
    pack_revision: str
    severity: str
    found: str
    why: str
    fix: str

    def as_dict(self) -> dict:
        return {"rule": self.rule_id, "pack": self.pack, "pack_revision": self.pack_revision,
                "severity": self.severity, "found": self.found, "why": self.why, "fix": self.fix}


@dataclass(slots=True)
class Event:
    seq: int
    type: str  # fact_asserted | rule_fired | conclusion_asserted | conclusion_rejected | rule_suppressed
    data: dict

    def as_dict(self) -> dict:
        return {"seq": self.seq, "type": self.type, **self.data}


@dataclass(frozen=True)
class WhyNot:
    target: str
    happened: bool
    summary: str
    rules: list = field(default_factory=list)  # [{rule, pack, alternatives: [[Failure dict, ...], ...]}]

    def as_dict(self) -> dict:
        return {"target": self.target, "happened": self.happened, "summary": self.summary, "rules": self.rules}


def _fmt(value: Any, spec: str | None, money: bool = False) -> str:
    """One placeholder's text. `${x:.2f}` is money and reads as every other amount does (report.units.usd, not
    "$0.00" for a fraction of a cent); `{x:sooner}` is a signed number of hours: "1.5 h sooner" / "0.4 h later";
    `{x:plural task}` is the count with its noun, "1 task" / "3 tasks" (`{x:plural process|processes}`)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and spec and spec.startswith(PLURAL_SPEC):
        from asba.report import units

        noun, _, nouns = spec[len(PLURAL_SPEC):].strip().partition("|")
        return units.plural(value, noun, nouns or None)
    if number and (money or spec in NAMED_SPECS):
        from asba.report import units  # the one number formatter (a leaf module: no imports of its own)

        if money:
            return units.usd(value)
        return f"{abs(value):.1f} h {'sooner' if value >= 0 else 'later'}"
    if money:
        return "$" + _fmt(value, spec)
    if spec and number:
        return format(value, spec)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def placeholders(rule) -> tuple[str, ...]:
    text = rule.message.found + rule.message.why + rule.message.fix
    return tuple(dict.fromkeys(m.group(1) for m in PLACEHOLDER.finditer(text)))


def render_message(rule, wm: dict) -> tuple[str, str, str]:
    def fill(text: str) -> str:
        return MONEY_OR_PLACEHOLDER.sub(
            lambda m: _fmt(wm[m.group(2)], m.group(3), money=bool(m.group(1))) if m.group(2) in wm
            else f"{m.group(1)}({m.group(2)} absent)", text)

    return fill(rule.message.found), fill(rule.message.why), fill(rule.message.fix)


class _PlaceholderCache(dict):
    def get(self, rule):
        key = (rule.id, rule.message)
        if key not in self:
            self[key] = placeholders(rule)
        return self[key]


_PLACEHOLDERS = _PlaceholderCache()


class Evaluation:
    """The result of ``evaluate``: see asba.rules for the public fields."""

    def __init__(self, packset, comp) -> None:
        self.packset, self._comp = packset, comp
        self._events: list[Event] = []
        self._inputs: list = []  # input Facts: their fact_asserted events are built on first read of .events
        self._suppressed: list[tuple[Event, tuple]] = []  # details filled in on first read of .events
        self._wm: dict = {}
        self.conclusions: dict[str, Conclusion] = {}
        self._pending: list[tuple] = []  # (rule, values its message needs): rendered on first access
        self._findings: list[Finding] = []

    def add_finding(self, rule, wm: dict) -> None:
        self._pending.append((rule, {n: wm[n] for n in _PLACEHOLDERS.get(rule) if n in wm}))

    @property
    def findings(self) -> list[Finding]:
        for rule, values in self._pending:
            self._findings.append(Finding(rule.id, rule.pack, rule.pack_revision, rule.severity,
                                          *render_message(rule, values)))
        self._pending.clear()
        return self._findings

    def record(self, type_: str, **data: Any) -> None:
        self._events.append(Event(len(self._inputs) + len(self._events) + 1, type_, data))

    def record_suppressed(self, rule, guards: tuple) -> None:
        """A rule whose facts matched but whose absent:/none: guard failed. The guard's facts are final when
        this happens (strata), so explaining it later against the final working memory gives the same answer."""
        self.record("rule_suppressed", rule=rule.id, pack=rule.pack, pack_revision=rule.pack_revision, failed=[])
        self._suppressed.append((self._events[-1], guards))

    @property
    def events(self) -> list[Event]:
        if self._inputs:
            head = [Event(n, "fact_asserted", {"fact": f.name, "value": f.value, "source": f.source})
                    for n, f in enumerate(self._inputs, 1)]
            self._events[:0] = head
            self._inputs = []
        if self._suppressed:
            from asba.rules.oracle import failures

            for event, guards in self._suppressed:
                event.data["failed"] = [f.as_dict() for g in guards for f in failures(g, self._wm)]
            self._suppressed.clear()
        return self._events

    @property
    def fired(self) -> list[str]:
        return [e.data["rule"] for e in self._events if e.type == "rule_fired"]

    @property
    def working_memory(self) -> dict[str, Any]:
        wm = {e.data["fact"]: e.data["value"] for e in self.events if e.type == "fact_asserted"}
        wm.update({name: c.value for name, c in self.conclusions.items()})
        return wm

    def why_not(self, target: str) -> WhyNot:
        """Why a rule (by id) did not fire, or why a conclusion (by name) was not asserted."""
        from asba.rules.oracle import explain_rule

        wm = self.working_memory
        rule = self.packset.rule(target)
        if rule is not None:
            if target in self.fired:
                return WhyNot(target, True, f"rule {target} fired")
            alts = explain_rule(rule, wm)
            entry = {"rule": rule.id, "pack": rule.pack, "pack_revision": rule.pack_revision,
                     "alternatives": [[f.as_dict() for f in alt] for alt in alts]}
            first = "; ".join(f.text() for f in alts[0]) if alts and alts[0] else "its guards held but it was outranked"
            return WhyNot(target, False, f"rule {target} did not fire: {first}", [entry])
        if target in self.packset.vocabulary:
            return self._why_not_conclusion(target, wm)
        known = [r.id for r in self.packset.rules] + list(self.packset.vocabulary)
        import difflib

        guess = difflib.get_close_matches(target, known, n=1)
        raise InputError(f"'{target}' is neither a loaded rule id nor a declared fact", code="ASBA-ENGINE-007",
                         hint=f"did you mean '{guess[0]}'?" if guess else "see `asba rules list`")

    def _why_not_conclusion(self, name: str, wm: dict) -> WhyNot:
        if name in wm:
            source = self.conclusions[name].source if name in self.conclusions else "the input facts"
            return WhyNot(name, True, f"{name} = {wm[name]!r} (from {source})")
        producers = self.packset.producers(name)
        if not producers:
            return WhyNot(name, False, f"{name} absent: it is not an input fact here and no loaded rule asserts it")
        entries = [self.why_not(rule.id) for rule in producers]
        rules = [entry.rules[0] for entry in entries if entry.rules]
        summary = f"{name} absent: " + " | ".join(e.summary for e in entries)
        return WhyNot(name, False, summary, rules)

    def as_dict(self) -> dict:
        return {"conclusions": {n: c.as_dict() for n, c in self.conclusions.items()},
                "findings": [f.as_dict() for f in self.findings],
                "events": [e.as_dict() for e in self.events],
                "packs": [{"pack": p.name, "revision": p.revision} for p in self.packset.packs]}
