"""Read rule-pack folders into the IR: YAML with positions -> JSON Schema -> Rule/TestCase objects.

Semantic checks across packs (fact names, types, namespaces, duplicate ids, strata, C-core limits) live
in asba.rules.checks; this module only turns well-formed YAML into IR and reports shape errors.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from asba.errors import RulePackError, clip
from asba.facts.vocabulary import FactSpec
from asba.rules import expr as exprlang
from asba.rules.model import LEAF_OPS, Absent, Action, ConclusionSpec, Expr, Group, Leaf, Message, Pack, Rule, TestCase
from asba.rules.regex import RegexError, compile_safe
from asba.rules.yamlpos import key_position, load_yaml, position_of

MANIFEST = "pack.yaml"
TEST_SUFFIX = ".test.yaml"
DEFAULT_PRIORITY = 500


@functools.cache
def _validator(kind: str) -> Any:
    import jsonschema
    from asba.paths import knowledge_dir

    path = knowledge_dir() / "schemas" / f"rulepack-{kind}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def check_schema(kind: str, doc: Any, path: Path) -> None:
    """Validate ``doc`` (the YAML of ``path``) against rulepack-<kind>.schema.json, unless exactly this file
    passed that schema before (asba.checked); the first error names file:line:col."""
    from asba.checked import check_once
    from asba.paths import knowledge_dir

    try:
        content = path.read_bytes()
    except OSError:
        _check_schema(kind, doc, path)
        return
    schema = knowledge_dir() / "schemas" / f"rulepack-{kind}.schema.json"
    check_once(schema, content, lambda: _check_schema(kind, doc, path))


def _check_schema(kind: str, doc: Any, path: Path) -> None:
    import jsonschema

    errors = list(_validator(kind).iter_errors(doc))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors)
    deepest = max(errors, key=lambda e: len(e.absolute_path))
    if len(deepest.absolute_path) > len(error.absolute_path):
        error = deepest
    where = position_of(doc, list(error.absolute_path)) or str(path)
    field = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    message = _schema_message(error)
    raise RulePackError(f"{field}: {message}", where=where, code="ASBA-PACK-010",
                        hint=f"see rules/README.md for the {kind} format")


def _schema_message(error: Any) -> str:
    """jsonschema's message without the repr of a whole subtree."""
    value, kind = error.validator_value, error.validator
    if kind == "maxItems":
        return f"has {len(error.instance)} items; at most {value} allowed (split it over several files)"
    if kind == "minItems":
        return f"needs at least {value} item(s)"
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"unknown key(s) {extra}; allowed: {sorted(error.schema.get('properties', {}))}"
    if kind == "enum":
        return f"{error.instance!r} is not one of {value}"
    text = error.message
    return text if len(text) < 160 else text[:160] + "..."


def find_pack_dirs(path: Path) -> list[Path]:
    """A pack folder itself, or every pack folder directly under ``path``."""
    path = Path(path)
    if (path / MANIFEST).is_file():
        return [path]
    if not path.is_dir():
        raise RulePackError(f"no rule pack at {path}", where=str(path), code="ASBA-PACK-004",
                            hint=f"point at a folder holding {MANIFEST}, or at a folder of such folders")
    found = sorted(p.parent for p in path.glob(f"*/{MANIFEST}"))
    if not found:
        raise RulePackError(f"no {MANIFEST} in {path} or its sub-folders", where=str(path), code="ASBA-PACK-004",
                            hint=f"a pack is a folder with {MANIFEST} and rule files; see rules/README.md")
    return found


def load_pack(directory: Path, with_cases: bool = True) -> Pack:
    manifest_path = directory / MANIFEST
    doc = load_yaml(manifest_path)
    check_schema("manifest", doc, manifest_path)
    pack = Pack(name=doc["pack"], revision=doc["revision"], description=doc["description"], owner=doc["owner"],
                namespaces=tuple(doc["namespaces"]), conclusions={}, path=directory,
                references=tuple(doc.get("references", ())))
    for name, body in (doc.get("conclusions") or {}).items():
        spec = FactSpec(name, body["type"], body.get("unit", ""), body["meaning"], f"{pack.name}/{MANIFEST}")
        values = tuple(body["values"]) if "values" in body else None
        pack.conclusions[name] = ConclusionSpec(spec, values)
        if name.split(".")[0] not in pack.namespaces:
            raise RulePackError(f"conclusion '{name}' is outside the pack's namespaces {list(pack.namespaces)}",
                                where=doc["conclusions"].key_pos[name], code="ASBA-PACK-020",
                                hint=f"rename it to start with one of {', '.join(pack.namespaces)}., "
                                     "or add its first part to namespaces")
    for rule_file in sorted(directory.rglob("*.yaml")):
        if rule_file.name == MANIFEST or rule_file.name.endswith(TEST_SUFFIX):
            continue
        pack.rules.extend(load_rule_file(rule_file, pack))
        test_file = rule_file.with_name(rule_file.name[: -len(".yaml")] + TEST_SUFFIX)
        if with_cases and test_file.is_file():
            pack.cases.extend(load_test_file(test_file))
    return pack


def load_rule_file(path: Path, pack: Pack) -> list[Rule]:
    doc = load_yaml(path)
    check_schema("rules", doc, path)
    rules = []
    for index, body in enumerate(doc["rules"]):
        where = doc["rules"].item_pos[index]
        if not body["id"].startswith(pack.name + "."):
            raise RulePackError(f"rule id '{body['id']}' must start with the pack name '{pack.name}.'",
                                where=body.value_pos["id"], code="ASBA-PACK-021",
                                hint=f"rename it to {pack.name}.{body['id'].split('.', 1)[-1]}")
        message = Message(body["message"]["found"], body["message"]["why"], body["message"]["fix"])
        when = parse_when(body["when"], body.value_pos["when"])
        actions = tuple(parse_action(a) for a in body.get("then", ()))
        rules.append(Rule(id=body["id"], pack=pack.name, pack_revision=pack.revision, severity=body["severity"],
                          priority=body.get("priority", DEFAULT_PRIORITY), message=message, when=when,
                          actions=actions, where=where, references=tuple(body.get("references", ()))))
    return rules


def parse_when(node: Any, where: str) -> Group:
    if isinstance(node, list):
        return Group("all", tuple(parse_condition(c) for c in node), where)
    kind = next(iter(node))
    return Group(kind, tuple(parse_condition(c) for c in node[kind]), where)


def parse_condition(node: Any) -> Leaf | Absent | Group:
    where = node.pos
    keys = set(node)
    for kind in ("all", "any", "none"):
        if kind in keys:
            _only(node, {kind}, f"'{kind}:' must stand alone in its list item")
            return Group(kind, tuple(parse_condition(c) for c in node[kind]), where)
    if "exists" in keys or "absent" in keys:
        key = "exists" if "exists" in keys else "absent"
        _only(node, {key}, f"'{key}:' must stand alone in its list item")
        return Leaf(node[key], "exists", None, where) if key == "exists" else Absent(node[key], where)
    if "fact" not in keys:
        raise RulePackError("a condition needs 'fact:' and one test (or exists/absent/all/any/none)", where=where,
                            code="ASBA-PACK-011", hint="write e.g. {fact: history.cpu_efficiency_pct, gte: 80}")
    ops = sorted(keys - {"fact"})
    if len(ops) != 1:
        raise RulePackError(f"a condition on '{node['fact']}' needs exactly one test, found {ops or 'none'}",
                            where=where, code="ASBA-PACK-012",
                            hint=f"split it into one condition per test; tests: {', '.join(LEAF_OPS)}")
    op = ops[0]
    return Leaf(node["fact"], op, parse_operand(op, node[op], node.value_pos[op]), node.value_pos[op])


def _only(node: Any, allowed: set, message: str) -> None:
    extra = sorted(set(node) - allowed)
    if extra:
        raise RulePackError(message + f" (also found {extra})", where=key_position(node, extra[0]),
                            code="ASBA-PACK-013", hint="move the other keys into their own list item")


def parse_operand(op: str, value: Any, where: str) -> Any:
    if op == "matches":
        try:
            return compile_safe(value)
        except RegexError as exc:
            raise RulePackError(f"pattern {clip(value)}: {exc.message} (column {exc.column} of the pattern)",
                                where=where, code="ASBA-PACK-014",
                                hint="use the regex subset in rules/README.md "
                                     "(literals . [..] (a|b) * + ? {m,n} \\d \\s)") from None
    if op == "between":
        if value[0] > value[1]:
            raise RulePackError(f"between [{value[0]}, {value[1]}] is empty (low > high)", where=where,
                                code="ASBA-PACK-015", hint="write the lower bound first")
        return (value[0], value[1])
    if op in ("in", "not_in"):
        return tuple(value)
    if isinstance(value, dict):
        text = str(value.get("expr", value.get("fact")))
        parsed = parse_expr(text, where)
        try:
            return Expr(parsed.text, exprlang.constant_divisions(parsed.node))
        except exprlang.ExprError as exc:
            raise RulePackError(f"expression '{text}': {exc.message}", where=where, code="ASBA-PACK-045",
                                hint="compare a * b with c instead of a with c / b") from None
    return value


def parse_expr(text: str, where: str) -> Expr:
    try:
        return Expr(text, exprlang.parse(text))
    except exprlang.ExprError as exc:
        raise RulePackError(f"expression '{text}': {exc.message} (column {exc.column} of the expression)",
                            where=where, code="ASBA-PACK-016",
                            hint="use numbers, fact names, + - * / ( ) and min/max/round/ceil/floor/abs") from None


def parse_action(node: Any) -> Action:
    if ("value" in node) == ("expr" in node):
        raise RulePackError(f"assert '{node['assert']}' needs exactly one of value: or expr:", where=node.pos,
                            code="ASBA-PACK-017", hint="value: for a constant, expr: for a computed number")
    if "expr" in node:
        return Action(node["assert"], parse_expr(node["expr"], node.value_pos["expr"]), node.pos)
    return Action(node["assert"], node["value"], node.pos)


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def load_test_file(path: Path) -> list[TestCase]:
    doc = load_yaml(path)
    check_schema("tests", doc, path)
    cases = []
    for index, body in enumerate(doc["cases"]):
        facts = body["facts"]
        cases.append(TestCase(name=body["name"], facts=dict(facts), fires=_as_tuple(body.get("fires")),
                              silent=_as_tuple(body.get("silent")), conclusions=dict(body.get("conclusions", {})),
                              skip=body.get("skip"), where=doc["cases"].item_pos[index],
                              fact_where=dict(getattr(facts, "value_pos", {}))))
    return cases
