"""The Python reading of rule conditions, with durable-rules' semantics (no coercion, anchored regex).

Used three ways: to check guards (absent:/none:) when a rule fires, to explain why a rule did not fire,
and as the plain-Python baseline engine that the differential test compares with durable-rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from asba.rules import expr as exprlang
from asba.rules.checks import Conjunct, dnf
from asba.rules.model import OP_SYMBOL, Absent, Expr, Leaf
from asba.rules.regex import SafeRegex


@dataclass(frozen=True)
class Failure:
    """One condition that did not hold: what was tested, the actual value, and what was needed."""

    condition: str
    fact: str
    actual: Any  # the value, or None when the fact is absent
    present: bool
    needed: str

    def text(self) -> str:
        if not self.present:
            return f"fact {self.fact} absent (needed {self.needed})"
        return f"{self.fact} = {self.actual!r} (needed {self.needed})"

    def as_dict(self) -> dict:
        return {"condition": self.condition, "fact": self.fact, "present": self.present,
                "actual": self.actual, "needed": self.needed, "text": self.text()}


def _right(leaf: Leaf, wm: Mapping[str, Any]) -> Any:
    """The right-hand value; raises KeyError when a fact it reads is absent."""
    if isinstance(leaf.value, Expr):
        try:
            return exprlang.evaluate(leaf.value.node, wm)
        except ZeroDivisionError:
            raise KeyError("division by zero") from None
    return leaf.value


def leaf_holds(leaf: Leaf, wm: Mapping[str, Any]) -> bool:
    if leaf.fact not in wm:
        return False
    actual, op = wm[leaf.fact], leaf.op
    if op == "exists":
        return True
    try:
        right = _right(leaf, wm)
    except KeyError:
        return False
    if op == "eq":
        return actual == right
    if op == "ne":
        return actual != right
    if op == "lt":
        return actual < right
    if op == "lte":
        return actual <= right
    if op == "gt":
        return actual > right
    if op == "gte":
        return actual >= right
    if op == "between":
        return right[0] <= actual <= right[1]
    if op == "in":
        return actual in right
    if op == "not_in":
        return actual not in right
    if op == "matches":
        return isinstance(right, SafeRegex) and right.fullmatch(actual)
    if op == "contains":
        return right in actual
    raise ValueError(f"unknown op {op}")


def holds(cond, wm: Mapping[str, Any]) -> bool:
    if isinstance(cond, Leaf):
        return leaf_holds(cond, wm)
    if isinstance(cond, Absent):
        return cond.fact not in wm
    results = (holds(item, wm) for item in cond.items)
    if cond.kind == "all":
        return all(results)
    if cond.kind == "any":
        return any(results)
    return not any(results)


def conjunct_holds(conj: Conjunct, wm: Mapping[str, Any]) -> bool:
    return all(leaf_holds(leaf, wm) for leaf in conj.positives) and all(holds(g, wm) for g in conj.guards)


def _needed(leaf: Leaf, wm: Mapping[str, Any]) -> str:
    text = leaf.describe().split(" ", 1)[1]
    if isinstance(leaf.value, Expr):
        try:
            text += f" = {_right(leaf, wm)!r}"
        except KeyError as exc:
            missing = [r for r in leaf.refs() if r not in wm]
            text += f" (cannot compute: {'fact ' + missing[0] + ' absent' if missing else exc.args[0]})"
    return text


def failures(cond, wm: Mapping[str, Any]) -> list[Failure]:
    """The conditions that do not hold, innermost first (empty when ``cond`` holds)."""
    if holds(cond, wm):
        return []
    if isinstance(cond, Leaf):
        return [Failure(cond.describe(), cond.fact, wm.get(cond.fact), cond.fact in wm, _needed(cond, wm))]
    if isinstance(cond, Absent):
        return [Failure(cond.describe(), cond.fact, wm[cond.fact], True, "absent")]
    if cond.kind == "none":
        found = [item for item in cond.items if holds(item, wm)]
        return [Failure(f"none of: {item.describe()}", _first_fact(item), wm.get(_first_fact(item)),
                        _first_fact(item) in wm, f"NOT {item.describe().split(' ', 1)[-1]}") for item in found]
    if cond.kind == "all":
        return [f for item in cond.items for f in failures(item, wm)]
    return [f for item in cond.items for f in failures(item, wm)]


def _first_fact(cond) -> str:
    if isinstance(cond, (Leaf, Absent)):
        return cond.fact
    return _first_fact(cond.items[0])


def explain_rule(rule, wm: Mapping[str, Any]) -> list[list[Failure]]:
    """Per alternative of the rule (its DNF), the failing conditions; nearest miss first."""
    per_alt = []
    for conj in dnf(rule.when):
        fails = [Failure(leaf.describe(), leaf.fact, wm.get(leaf.fact), leaf.fact in wm, _needed(leaf, wm))
                 for leaf in conj.positives if not leaf_holds(leaf, wm)]
        fails += [f for guard in conj.guards for f in failures(guard, wm)]
        per_alt.append(fails)
    return sorted(per_alt, key=len)


__all__ = ["OP_SYMBOL", "Failure", "conjunct_holds", "explain_rule", "failures", "holds", "leaf_holds"]
