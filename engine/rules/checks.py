"""Semantic checks over loaded packs: names, types, namespaces, duplicates, placeholders, strata.

Also the two analyses the compiler and the oracle share: the DNF of a rule's conditions (positive tests
that durable-rules matches, plus guards checked in Python) and the strata that make negation sound.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from asba.errors import RulePackError
from asba.facts.vocabulary import FactSpec, Vocabulary
from asba.rules import expr as exprlang
from asba.rules.model import Absent, Expr, Group, Leaf, Pack, PackSet, Rule
from asba.rules.values import normalise

MAX_ALTERNATIVES = 16
MAX_STRATA = 60
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?::([^{}]*))?\}")
NAMED_SPECS = frozenset({"sooner"})  # {x:sooner}: signed hours read as "1.5 h sooner" / "0.4 h later"
PLURAL_SPEC = "plural "  # {x:plural task}: "1 task" / "3 tasks"; {x:plural process|processes} for an irregular one
NUMERIC = ("integer", "number")
OPS_BY_TYPE = {
    "integer": {"eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in", "exists"},
    "number": {"eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in", "exists"},
    "string": {"eq", "ne", "in", "not_in", "matches", "exists"},
    "boolean": {"eq", "ne", "exists"},
    "string_list": {"contains", "exists"},
}


@dataclass(frozen=True)
class Conjunct:
    """One alternative of a rule: durable matches ``positives``; ``guards`` are re-checked in Python."""

    positives: tuple[Leaf, ...]
    guards: tuple  # Absent | Group(kind="none")


def dnf(cond) -> list[Conjunct]:
    if isinstance(cond, Leaf):
        return [Conjunct((cond,), ())]
    if isinstance(cond, Absent) or cond.kind == "none":
        return [Conjunct((), (cond,))]
    parts = [dnf(item) for item in cond.items]
    if cond.kind == "any":
        return [c for part in parts for c in part]
    result = [Conjunct((), ())]
    for part in parts:
        result = [Conjunct(a.positives + b.positives, a.guards + b.guards) for a in result for b in part]
        if len(result) > MAX_ALTERNATIVES * 4:
            break
    return result


def leaves(cond) -> Iterable[Leaf | Absent]:
    if isinstance(cond, Group):
        for item in cond.items:
            yield from leaves(item)
    else:
        yield cond


def facts_read(cond) -> set[str]:
    names: set[str] = set()
    for leaf in leaves(cond):
        names.add(leaf.fact)
        if isinstance(leaf, Leaf):
            names.update(leaf.refs())
    return names


def _fail(message: str, where: str, code: str, hint: str) -> RulePackError:
    return RulePackError(message, where=where, code=code, hint=hint)


def build_vocabulary(base: Vocabulary, packs: list[Pack]) -> Vocabulary:
    specs: list[FactSpec] = []
    owner: dict[str, str] = {}
    for pack in packs:
        for name, conc in pack.conclusions.items():
            if name in base or name in owner:
                known = base.get(name)
                other = owner.get(name) or (known.origin if known else "?")
                raise _fail(f"conclusion '{name}' of pack '{pack.name}' is already declared by {other}",
                            str(pack.path / "pack.yaml"), "ASBA-PACK-023", "give the conclusion a name of its own")
            owner[name] = f"pack '{pack.name}'"
            specs.append(conc.spec)
    return base.extended(specs)


def check_packset(packs: list[Pack], base: Vocabulary) -> PackSet:
    seen_packs: dict[str, Pack] = {}
    for pack in packs:
        if pack.name in seen_packs:
            raise _fail(f"pack '{pack.name}' is loaded twice ({seen_packs[pack.name].path} and {pack.path})",
                        str(pack.path / "pack.yaml"), "ASBA-PACK-024", "rename one pack or load it once")
        seen_packs[pack.name] = pack
    vocab = build_vocabulary(base, packs)
    conclusions = {n: c for p in packs for n, c in p.conclusions.items()}
    seen_ids: dict[str, str] = {}
    for pack in packs:
        for rule in pack.rules:
            if rule.id in seen_ids:
                raise _fail(f"rule id '{rule.id}' is used twice (first at {seen_ids[rule.id]})", rule.where,
                            "ASBA-PACK-025", "rule ids must be unique across all packs; rename one")
            seen_ids[rule.id] = rule.where
            check_rule(rule, pack, vocab, conclusions)
    packset = PackSet(packs, vocab)
    strata(packset)
    return packset


def check_rule(rule: Rule, pack: Pack, vocab: Vocabulary, conclusions: dict) -> None:
    for leaf in leaves(rule.when):
        _check_fact_name(leaf.fact, leaf.where, vocab)
        if isinstance(leaf, Leaf):
            check_leaf(leaf, vocab, conclusions)
    alternatives = dnf(rule.when)
    if len(alternatives) > MAX_ALTERNATIVES:
        raise _fail(f"rule '{rule.id}' expands to more than {MAX_ALTERNATIVES} alternatives (any: inside all:)",
                    rule.where, "ASBA-PACK-031", "split it into several rules")
    for action in rule.actions:
        check_action(action, rule, pack, vocab, alternatives)
    check_message(rule, vocab)


def _check_fact_name(name: str, where: str, vocab: Vocabulary) -> None:
    if name not in vocab:
        raise _fail(f"unknown fact '{name}'", where, "ASBA-PACK-030", vocab.did_you_mean(name))


def check_leaf(leaf: Leaf, vocab: Vocabulary, conclusions: dict) -> None:
    spec = vocab.spec(leaf.fact)
    if leaf.op not in OPS_BY_TYPE[spec.type]:
        raise _fail(f"'{leaf.op}' cannot test '{leaf.fact}', a {spec.type}", leaf.where, "ASBA-PACK-032",
                    f"tests for a {spec.type}: {', '.join(sorted(OPS_BY_TYPE[spec.type]))}")
    if isinstance(leaf.value, Expr):
        check_condition_expr(leaf, vocab)
        return
    if leaf.op in ("exists", "matches"):
        return
    item_type = "string" if spec.type == "string_list" else spec.type
    item_type = "number" if item_type == "integer" else item_type
    values = leaf.value if leaf.op in ("in", "not_in", "between") else (leaf.value,)
    allowed = conclusions[leaf.fact].values if leaf.fact in conclusions else None
    for value in values:
        try:
            if normalise(value, item_type) != value:
                raise ValueError("the engine would round it; use at most 6 decimals and 0.0001 <= |x| < 1e15")
        except ValueError as exc:
            raise _fail(f"'{leaf.fact}' is a {spec.type}, but the test compares it with {value!r}: {exc}",
                        leaf.where, "ASBA-PACK-033", f"compare it with a {spec.type} value") from None
        if allowed and leaf.op in ("eq", "in") and value not in allowed:
            raise _fail(f"'{leaf.fact}' is never {value!r}; it is one of {list(allowed)}", leaf.where,
                        "ASBA-PACK-034", "use one of the declared values")


def check_condition_expr(leaf: Leaf, vocab: Vocabulary) -> None:
    spec = vocab.spec(leaf.fact)
    if spec.type not in NUMERIC or leaf.op not in ("eq", "ne", "lt", "lte", "gt", "gte"):
        raise _fail(f"only numeric comparisons may compare '{leaf.fact}' with another fact", leaf.where,
                    "ASBA-PACK-035", "compare numeric facts with eq/ne/lt/lte/gt/gte")
    _check_expr_refs(leaf.value, leaf.where, vocab)
    if leaf.fact in leaf.value.refs():
        raise _fail(f"'{leaf.fact}' is compared with itself", leaf.where, "ASBA-PACK-036",
                    "compare it with another fact or a constant")
    if not exprlang.uses_only_durable_arithmetic(leaf.value.node):
        raise _fail(f"functions are not allowed in a condition ('{leaf.value.text}')", leaf.where, "ASBA-PACK-037",
                    "use + - * / in conditions; compute the value in another rule's expr: and test that")


def _check_expr_refs(value: Expr, where: str, vocab: Vocabulary) -> None:
    for name in value.refs():
        _check_fact_name(name, where, vocab)
        if vocab.spec(name).type not in NUMERIC:
            raise _fail(f"'{name}' is a {vocab.spec(name).type} and cannot be used in arithmetic", where,
                        "ASBA-PACK-038", "use only integer or number facts in expressions")


def check_action(action, rule: Rule, pack: Pack, vocab: Vocabulary, alternatives: list[Conjunct]) -> None:
    name = action.conclusion
    if name.split(".")[0] not in pack.namespaces:
        raise _fail(f"rule '{rule.id}' asserts '{name}', outside pack '{pack.name}' namespaces "
                    f"{list(pack.namespaces)}", action.where, "ASBA-PACK-020",
                    "assert only conclusions in the pack's namespaces (pack.yaml namespaces:)")
    if name not in pack.conclusions:
        guess = Vocabulary(c.spec for c in pack.conclusions.values()).suggest(name)
        raise _fail(f"rule '{rule.id}' asserts '{name}', which pack '{pack.name}' does not declare", action.where,
                    "ASBA-PACK-022",
                    f"did you mean '{guess}'?" if guess else "declare it under conclusions: in pack.yaml")
    conc = pack.conclusions[name]
    if isinstance(action.value, Expr):
        _check_expr_refs(action.value, action.where, vocab)
        types = {n: vocab.spec(n).type for n in action.value.refs()}
        produced = exprlang.result_type(action.value.node, types)
        if conc.spec.type not in NUMERIC or (conc.spec.type == "integer" and produced != "integer"):
            raise _fail(f"expr '{action.value.text}' gives a {produced}, but '{name}' is a {conc.spec.type}",
                        action.where, "ASBA-PACK-039",
                        "wrap it in round()/ceil()/floor() or change the conclusion's type")
        for alt in alternatives:
            bound = {leaf.fact for leaf in alt.positives}
            missing = [ref for ref in action.value.refs() if ref not in bound]
            if missing:
                raise _fail(f"expr reads '{missing[0]}', which the rule's conditions do not require", action.where,
                            "ASBA-PACK-040", f"add a condition on it (e.g. exists: {missing[0]}) to every alternative")
        return
    try:
        normalise(action.value, conc.spec.type)
    except ValueError as exc:
        raise _fail(f"'{name}' is a {conc.spec.type}; cannot assert {action.value!r}: {exc}", action.where,
                    "ASBA-PACK-033", f"assert a {conc.spec.type}") from None
    if conc.values and action.value not in conc.values:
        raise _fail(f"'{name}' may only be one of {list(conc.values)}, not {action.value!r}", action.where,
                    "ASBA-PACK-034", "use a declared value or add it to values: in pack.yaml")


def _plural_spec(spec: str) -> bool:
    """{x:plural task} or {x:plural process|processes}: a noun (and its plural) after 'plural '."""
    return spec.startswith(PLURAL_SPEC) and bool(spec[len(PLURAL_SPEC):].strip().partition("|")[0])


def check_message(rule: Rule, vocab: Vocabulary) -> None:
    known = facts_read(rule.when) | {a.conclusion for a in rule.actions}
    for part in ("found", "why", "fix"):
        text = getattr(rule.message, part)
        for match in PLACEHOLDER.finditer(text):
            name, spec = match.group(1), match.group(2)
            if name not in known:
                guess = Vocabulary(vocab.spec(n) for n in known if n in vocab).suggest(name)
                raise _fail(f"message.{part} uses {{{name}}}, a fact this rule does not read or assert", rule.where,
                            "ASBA-PACK-041", f"did you mean {{{guess}}}?" if guess else "add a condition on it")
            if spec and spec not in NAMED_SPECS and not _plural_spec(spec):
                try:
                    format(1.5, spec)
                except ValueError:
                    raise _fail(f"message.{part}: bad number format ':{spec}' for {{{name}}}", rule.where,
                                "ASBA-PACK-042", "use e.g. {x:.1f} or {x:.0f}") from None


def _rule(packset: PackSet, rule_id: str) -> Rule:
    rule = packset.rule(rule_id)
    assert rule is not None
    return rule


def _components(nodes: list[str], edges: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """Strongly connected components (Kosaraju, iterative), in topological order of the condensation."""
    order: list[str] = []
    seen: set[str] = set()
    for root in nodes:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(edges.get(root, ())))]
        while stack:
            node, children = stack[-1]
            child = next((c for c, _ in children if c not in seen), None)
            if child is None:
                order.append(node)
                stack.pop()
            else:
                seen.add(child)
                stack.append((child, iter(edges.get(child, ()))))
    reverse: dict[str, list[str]] = {}
    for src, targets in edges.items():
        for dst, _ in targets:
            reverse.setdefault(dst, []).append(src)
    assigned: set[str] = set()
    components = []
    for root in reversed(order):
        if root in assigned:
            continue
        component, todo = [], [root]
        assigned.add(root)
        while todo:
            node = todo.pop()
            component.append(node)
            for prev in reverse.get(node, ()):
                if prev not in assigned:
                    assigned.add(prev)
                    todo.append(prev)
        components.append(component)
    return components


def _dependency_edges(packset: PackSet) -> dict[str, list[tuple[str, int]]]:
    """producer rule -> [(consumer rule, 1 if the consumer needs the conclusion absent else 0)]."""
    producers: dict[str, list[str]] = {}
    for rule in packset.rules:
        for action in rule.actions:
            producers.setdefault(action.conclusion, []).append(rule.id)
    edges: dict[str, list[tuple[str, int]]] = {}
    for rule in packset.rules:
        alts = dnf(rule.when)
        pos = {n for alt in alts for leaf in alt.positives for n in [leaf.fact, *leaf.refs()]}
        neg = {n for alt in alts for guard in alt.guards for n in facts_read(guard)}
        for names, weight in ((pos, 0), (neg, 1)):
            for name in sorted(names):
                for producer in producers.get(name, ()):
                    edges.setdefault(producer, []).append((rule.id, weight))
    return edges


def strata(packset: PackSet) -> dict[str, int]:
    """Stratum per rule: a rule that negates a conclusion runs after every rule that can assert it."""
    edges = _dependency_edges(packset)
    components = _components([r.id for r in packset.rules], edges)
    component_of = {rid: k for k, members in enumerate(components) for rid in members}
    for members in components:
        inside = set(members)
        if any(w and dst in inside for src in members for dst, w in edges.get(src, ())):
            involved = sorted(members)
            raise _fail(f"rules {involved} depend on the absence of a conclusion they (indirectly) assert",
                        _rule(packset, involved[0]).where, "ASBA-PACK-043",
                        "break the cycle: a rule cannot test absent:/none: on what it leads to")
    level = [0] * len(components)
    for k, members in enumerate(components):  # topological order: every producer's level is final here
        for src in members:
            for dst, weight in edges.get(src, ()):
                target = component_of[dst]
                if target != k:
                    level[target] = max(level[target], level[k] + weight)
    deepest = max(level, default=0)
    if deepest > MAX_STRATA:
        culprit = components[level.index(deepest)][0]
        raise _fail(f"negation chains are {deepest} levels deep (at most {MAX_STRATA})", _rule(packset, culprit).where,
                    "ASBA-PACK-044", "shorten chains of absent:/none: on conclusions")
    return {rid: level[component_of[rid]] for rid in component_of}
