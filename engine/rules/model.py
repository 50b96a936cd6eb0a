"""The rule-pack IR: what a loaded, checked pack is, independent of YAML and of durable-rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asba.facts.vocabulary import FactSpec, Vocabulary

COMPARISONS = ("eq", "ne", "lt", "lte", "gt", "gte")
LEAF_OPS = COMPARISONS + ("between", "in", "not_in", "matches", "contains", "exists")
OP_SYMBOL = {"eq": "==", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "between": "between",
             "in": "in", "not_in": "not in", "matches": "matches", "contains": "contains", "exists": "exists"}


@dataclass(frozen=True)
class Expr:
    """A parsed arithmetic expression (see asba.rules.expr); ``text`` is what the author wrote."""

    text: str
    node: tuple

    def refs(self) -> list[str]:
        from asba.rules.expr import fact_refs

        return [name for name, _ in fact_refs(self.node)]


@dataclass(frozen=True)
class Leaf:
    """A positive test on one fact: ``fact op value``. ``exists`` has no value."""

    fact: str
    op: str
    value: Any  # literal | list | (lo, hi) | SafeRegex | Expr | None
    where: str

    def refs(self) -> list[str]:
        return self.value.refs() if isinstance(self.value, Expr) else []

    def describe(self) -> str:
        from asba.rules.regex import SafeRegex

        if self.op == "exists":
            return f"{self.fact} exists"
        value = self.value
        if isinstance(value, Expr):
            value = value.text
        elif isinstance(value, SafeRegex):
            value = f"/{value.source}/"
        elif self.op == "between":
            value = f"[{value[0]}, {value[1]}]"
        return f"{self.fact} {OP_SYMBOL[self.op]} {value!r}" if isinstance(value, str) and self.op in (
            "eq", "ne", "contains") else f"{self.fact} {OP_SYMBOL[self.op]} {value}"


@dataclass(frozen=True)
class Absent:
    fact: str
    where: str

    def describe(self) -> str:
        return f"{self.fact} absent"


@dataclass(frozen=True)
class Group:
    kind: str  # all | any | none
    items: tuple
    where: str

    def describe(self) -> str:
        return f"{self.kind}({', '.join(item.describe() for item in self.items)})"


Condition = Leaf | Absent | Group


@dataclass(frozen=True)
class Action:
    conclusion: str
    value: Any  # literal or Expr
    where: str


@dataclass(frozen=True)
class Message:
    found: str
    why: str
    fix: str


@dataclass(frozen=True)
class Rule:
    id: str
    pack: str
    pack_revision: str
    severity: str
    priority: int
    message: Message
    when: Group
    actions: tuple[Action, ...]
    where: str
    references: tuple[str, ...] = ()

    def summary(self) -> dict:
        return {"id": self.id, "pack": self.pack, "pack_revision": self.pack_revision,
                "severity": self.severity, "priority": self.priority, "where": self.where,
                "when": self.when.describe(), "asserts": [a.conclusion for a in self.actions],
                "message": {"found": self.message.found, "why": self.message.why, "fix": self.message.fix},
                "references": list(self.references)}


@dataclass(frozen=True)
class TestCase:
    name: str
    facts: dict
    fires: tuple[str, ...]
    silent: tuple[str, ...]
    conclusions: dict
    skip: str | None
    where: str
    fact_where: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ConclusionSpec:
    spec: FactSpec
    values: tuple | None


@dataclass
class Pack:
    name: str
    revision: str
    description: str
    owner: str
    namespaces: tuple[str, ...]
    conclusions: dict[str, ConclusionSpec]
    path: Path
    rules: list[Rule] = field(default_factory=list)
    cases: list[TestCase] = field(default_factory=list)
    references: tuple[str, ...] = ()

    def summary(self) -> dict:
        return {"pack": self.name, "revision": self.revision, "description": self.description,
                "owner": self.owner, "namespaces": list(self.namespaces), "path": str(self.path),
                "rules": len(self.rules), "cases": len(self.cases),
                "conclusions": {n: c.spec.as_dict() for n, c in self.conclusions.items()}}


@dataclass
class PackSet:
    """Packs loaded together: they share one vocabulary and are evaluated as one ruleset."""

    packs: list[Pack]
    vocabulary: Vocabulary
    _compiled: Any = None

    @property
    def rules(self) -> list[Rule]:
        return [rule for pack in self.packs for rule in pack.rules]

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def pack(self, name: str) -> Pack | None:
        return next((p for p in self.packs if p.name == name), None)

    def producers(self, conclusion: str) -> list[Rule]:
        return [r for r in self.rules if any(a.conclusion == conclusion for a in r.actions)]
