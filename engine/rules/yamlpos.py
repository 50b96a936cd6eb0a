"""YAML loading that remembers where every mapping key and value sits (line:col), for error messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from asba.errors import RulePackError, clip
from asba.yaml_limits import YamlLimitError, check_node, read_bounded

MAX_NUMBER = 2**53  # numbers in packs are compared with facts as floats: past this they are not exact


class PosDict(dict):
    """A mapping that knows the position of itself, of each key and of each value."""

    pos: str = ""
    key_pos: dict
    value_pos: dict


class PosList(list):
    pos: str = ""
    item_pos: list


def _mark(path: str, node: Any) -> str:
    return f"{path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _build(node: Any, path: str, constructor: Any) -> Any:
    import yaml

    if isinstance(node, yaml.MappingNode):
        out = PosDict()
        out.pos, out.key_pos, out.value_pos = _mark(path, node), {}, {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise RulePackError("mapping keys must be plain names", where=_mark(path, key_node),
                                    code="ASBA-PACK-002", hint="quote the key or rename it")
            key = str(key)
            if key in out:
                raise RulePackError(f"key '{key}' appears twice in this mapping", where=_mark(path, key_node),
                                    code="ASBA-PACK-003", hint="remove one of them")
            out[key] = _build(value_node, path, constructor)
            out.key_pos[key], out.value_pos[key] = _mark(path, key_node), _mark(path, value_node)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = PosList(_build(item, path, constructor) for item in node.value)
        items.pos, items.item_pos = _mark(path, node), [_mark(path, item) for item in node.value]
        return items
    value = constructor.construct_object(node, deep=True)
    if isinstance(value, int | float) and not isinstance(value, bool) and not -MAX_NUMBER <= value <= MAX_NUMBER:
        raise RulePackError(f"the number {clip(node.value)} is not finite or beyond ±2^53", where=_mark(path, node),
                            code="ASBA-PACK-008", hint="use a finite number a fact can hold")
    return value


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster, same marks


def load_yaml(path: Path) -> Any:
    """Parse one YAML document into PosDict/PosList/scalars; syntax errors become RulePackError."""
    import yaml

    try:
        text = read_bounded(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"cannot read file: {exc}", where=str(path), code="ASBA-PACK-001",
                            hint="check the path and that the file is UTF-8 text") from None
    except YamlLimitError as exc:
        raise RulePackError(f"cannot read file: {exc.message}", where=str(path), code="ASBA-PACK-005",
                            hint="a pack file is a small regular YAML file") from None
    try:
        node = yaml.compose(text, Loader=_loader())
        if node is not None:
            check_node(node)
    except YamlLimitError as exc:
        raise RulePackError(f"refused before expanding it: {exc.message}", where=exc.where(str(path)),
                            code="ASBA-PACK-006", hint="write the values out; packs need no deep nesting, "
                            "many aliases or tags") from None
    except RecursionError:
        raise RulePackError("not valid YAML: nested too deeply", where=str(path), code="ASBA-PACK-006",
                            hint="packs need no deep nesting") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulePackError(f"not valid YAML: {problem}", where=where, code="ASBA-PACK-001",
                            hint="fix the YAML syntax (indentation, quotes, colons)") from None
    if node is None:
        return None
    constructor = yaml.SafeLoader("")
    try:
        return _build(node, str(path), constructor)
    except yaml.YAMLError as exc:
        raise RulePackError(f"not valid YAML: {exc}", where=str(path), code="ASBA-PACK-001",
                            hint="fix the YAML syntax") from None
    finally:
        constructor.dispose()


def position_of(doc: Any, path: Sequence[Any]) -> str:
    """The line:col of the value at ``path`` inside ``doc`` (the closest known ancestor if needed)."""
    where = getattr(doc, "pos", "")
    current = doc
    for step in path:
        if isinstance(current, PosDict) and step in current:
            where = current.value_pos.get(step, where)
            current = current[step]
        elif isinstance(current, PosList) and isinstance(step, int) and 0 <= step < len(current):
            where = current.item_pos[step]
            current = current[step]
        else:
            break
    return where


def key_position(doc: Any, key: str) -> str:
    if isinstance(doc, PosDict) and key in doc:
        return doc.key_pos[key]
    return getattr(doc, "pos", "")
