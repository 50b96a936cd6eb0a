"""Compile a checked PackSet into one durable-rules ruleset, inside the C core's safe envelope.

Encoding: every fact is its own durable fact ``{"t": "a", "n": name, "v": value}``; a rule alternative
(one DNF conjunct) is one durable rule whose patterns test one fact each. Negation (absent:/none:) is never
compiled (durable's ``$not`` is order-dependent); it is a guard re-checked in Python when the rule fires,
made sound by strata: ``pri = stratum * 1000 + (999 - priority)``. Known C-core limits are checked
statically; a pack that would cross one is refused with a clear error instead of hanging the process.

A comparison of one fact against another (``{fact: A, lt: {fact: B}}``, or any expression that reads a
fact) is never handed to the C core as a right-side reference. Such a test lives in the join (beta) node,
and when the last test of a join's ``$and`` is false, durable-rules 2.0.28's short-circuit in
``reduceExpressionSequence`` steps past the sequence's OP_END and walks memory until something looks like
one: valgrind shows ~2,300 invalid reads per assert, and the process segfaults when the walk leaves the
heap, which depends on the ruleset's layout (equality joins are hashed and never reach it). So such a
rule joins the facts by name only, and the comparison is checked in Python when the rule fires
(``Branch.checks``); facts are single-valued, so the answer cannot change after the join.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from asba.errors import RulePackError
from asba.rules import expr as exprlang
from asba.rules.checks import Conjunct, dnf, strata
from asba.rules.model import Expr, Leaf, PackSet, Rule

SENTINEL_RULE = "__sentinel"
ANCHOR = {"t": "go"}
STRATUM_BAND = 1000
LIMITS = {  # conservative bounds below the C core's constants (see /work/shared/durable-rules.md section 4)
    "rules": 4000,            # MAX_ACTIONS 4096
    "fact_names": 480,        # NEXT_BUCKET_LENGTH 512 children under the attribute node
    "tests_per_fact": 60,     # MAX_STACK_SIZE 64 sibling tests one fact may satisfy
    "identical_pattern": 200,  # BETA_LIST_LENGTH 256 rules sharing one terminal test
    "patterns_per_rule": 12,  # MAX_MESSAGE_FRAMES 16
}


@dataclass(frozen=True)
class Branch:
    """One compiled durable rule: which asba rule and alternative it is, and which fact each alias binds."""

    rule: Rule
    index: int  # definition index of the asba rule (tie-break after pri)
    conjunct: Conjunct
    aliases: dict  # alias -> fact name
    pri: int
    checks: tuple = ()  # leaves comparing facts with each other: checked in Python when the branch fires


@dataclass
class Compiled:
    durable_json: dict
    branches: dict  # durable rule name -> Branch
    stratum: dict  # rule id -> stratum
    order: dict  # rule id -> (pri, index): the agenda order both engines follow
    digest: str
    tested: frozenset = frozenset()  # fact names some pattern tests: others need not reach the C core
    uses_anchor: bool = False
    sources: dict = field(default_factory=dict)  # rule id -> provenance string of its conclusions


def _test(leaf: Leaf, alias_of: dict) -> list[dict]:
    if leaf.refs():  # never a right-side reference in C (see the module docstring); Branch.checks has it
        return []
    value = leaf.value
    if isinstance(value, Expr):
        value = exprlang.to_durable(value.node, alias_of)
    op = leaf.op
    if op == "exists":
        return []
    if op == "eq":
        return [{"v": value}]
    if op in ("ne", "lt", "lte", "gt", "gte"):
        return [{{"ne": "$neq"}.get(op, "$" + op): {"v": value}}]
    if op == "between":
        return [{"$gte": {"v": value[0]}}, {"$lte": {"v": value[1]}}]
    if op == "in":
        return [{"v": value[0]}] if len(value) == 1 else [{"$or": [{"v": item} for item in value]}]
    if op == "not_in":
        return [{"$neq": {"v": item}} for item in value]
    if op == "matches":
        return [{"$mt": {"v": value.durable}}]
    if op == "contains":
        return [{"$iany": {"v": {"$i": value}}}]
    raise ValueError(op)


def _ordered_facts(conj: Conjunct, rule: Rule) -> list[str]:
    """Facts of the alternative, each after every fact its tests refer to (durable needs earlier aliases)."""
    needs: dict[str, set] = {}
    for leaf in conj.positives:
        needs.setdefault(leaf.fact, set()).update(leaf.refs())
        for ref in leaf.refs():
            needs.setdefault(ref, set())
    ordered: list[str] = []
    while len(ordered) < len(needs):
        ready = sorted(f for f, deps in needs.items() if f not in ordered and deps <= set(ordered))
        if not ready:
            raise RulePackError(f"rule '{rule.id}' compares facts with each other in a circle", where=rule.where,
                                code="ASBA-PACK-050", hint="make one of the comparisons against a constant")
        ordered.append(ready[0])
    return ordered


def _patterns(conj: Conjunct, rule: Rule) -> tuple[list[dict], dict]:
    if not conj.positives:
        return [{"g": dict(ANCHOR)}], {}
    alias_of: dict[str, str] = {}
    patterns = []
    for k, fact in enumerate(_ordered_facts(conj, rule)):
        tests: list[dict] = [{"t": "a"}, {"n": fact}]
        for leaf in conj.positives:
            if leaf.fact == fact:
                tests.extend(_test(leaf, alias_of))
        alias_of[fact] = f"c{k}"
        patterns.append({f"c{k}": {"$and": tests}})
    return patterns, {alias: fact for fact, alias in alias_of.items()}


def compile_packset(packset: PackSet) -> Compiled:
    levels = strata(packset)
    rules_json: dict[str, Any] = {SENTINEL_RULE: {"all": [{"s": {"t": "sentinel"}}], "pri": 0}}
    branches: dict[str, Branch] = {}
    order = {}
    for index, rule in enumerate(packset.rules):
        pri = levels[rule.id] * STRATUM_BAND + (999 - rule.priority) + 1
        order[rule.id] = (pri, index)
        for k, conj in enumerate(dnf(rule.when)):
            patterns, aliases = _patterns(conj, rule)
            name = f"{rule.id}#{k}"
            rules_json[name] = {"all": patterns, "pri": pri}
            checks = tuple(leaf for leaf in conj.positives if leaf.refs())
            branches[name] = Branch(rule, index, conj, aliases, pri, checks)
    check_limits(rules_json, branches)
    text = json.dumps(rules_json, sort_keys=True, ensure_ascii=False)
    tested = frozenset(fact for b in branches.values() for fact in b.aliases.values())
    uses_anchor = any(not b.aliases for b in branches.values())
    sources = {r.id: f"rule {r.id} ({r.pack}@{r.pack_revision})" for r in packset.rules}
    return Compiled(rules_json, branches, levels, order, hashlib.sha256(text.encode()).hexdigest()[:16],
                    tested, uses_anchor, sources)


def check_limits(rules_json: dict, branches: dict) -> None:
    def refuse(what: str, count: int, limit: int, culprit: str) -> RulePackError:
        rule = branches[culprit].rule if culprit in branches else None
        return RulePackError(f"the loaded packs need {count} {what}; the durable-rules core allows at most {limit} "
                             "safely (beyond it the process hangs or crashes)", where=rule.where if rule else None,
                             code="ASBA-PACK-051", hint="split the pack or share thresholds between rules")
    if len(rules_json) > LIMITS["rules"]:
        raise refuse("rules (counting any: alternatives)", len(rules_json), LIMITS["rules"], next(iter(branches)))
    names: dict[str, str] = {}
    children: dict[tuple, dict[str, str]] = {}  # Rete prefix (fact, tests so far) -> distinct next tests
    identical: dict[str, list[str]] = {}
    for name, body in rules_json.items():
        if len(body["all"]) > LIMITS["patterns_per_rule"]:
            raise refuse("facts joined in one rule", len(body["all"]), LIMITS["patterns_per_rule"], name)
        for pattern in body["all"]:
            expression = next(iter(pattern.values()))
            identical.setdefault(json.dumps(expression, sort_keys=True), []).append(name)
            if "$and" not in expression:
                continue
            fact = expression["$and"][1]["n"]
            names.setdefault(fact, name)
            prefix: tuple = (fact,)
            for test in expression["$and"][2:]:
                alternatives = test.get("$or", [test])
                for alt in alternatives:  # each $or branch is its own path in the Rete
                    children.setdefault(prefix, {}).setdefault(json.dumps(alt, sort_keys=True), name)
                prefix = prefix + (json.dumps(test, sort_keys=True),)
    if len(names) > LIMITS["fact_names"]:
        raise refuse("distinct fact names", len(names), LIMITS["fact_names"], next(iter(names.values())))
    for prefix, distinct in children.items():
        if len(distinct) > LIMITS["tests_per_fact"]:
            where = "" if len(prefix) == 1 else " after the same earlier tests"
            raise refuse(f"distinct tests on '{prefix[0]}'{where}", len(distinct), LIMITS["tests_per_fact"],
                         next(iter(distinct.values())))
    for users in identical.values():
        if len(users) > LIMITS["identical_pattern"]:
            raise refuse("rules sharing one identical condition", len(users), LIMITS["identical_pattern"], users[0])
