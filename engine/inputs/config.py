"""Configuration: discovery, validation against the JSON Schema, and where every value came from.

Layers, each overriding the one before: the embedded defaults (``knowledge/defaults/config.yaml``),
``/etc/asba/config.yaml``, ``$ASBA_HOME/config.yaml`` (``~/.asba/config.yaml``), ``$ASBA_CONFIG``, then
``--config FILE``. The two system/user files are optional; a file named by ``$ASBA_CONFIG`` or ``--config`` must
exist. Each file is validated on its own, so an error points at the file and line that caused it.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from asba.errors import ConfigError, InputError, clip
from asba.paths import asba_home, knowledge_dir
from asba.yaml_limits import YamlLimitError, check_node, read_bounded

SYSTEM_CONFIG = Path("/etc/asba/config.yaml")
DEFAULT_LABEL = "default"
# Keys whose relative paths are taken relative to the file that sets them.
PATH_KEYS = (("partitions_json",), ("history", "db"))
_MISSING = object()
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Layer:
    label: str  # "default" or the file path
    data: dict[str, Any]
    lines: dict[tuple, int] = field(default_factory=dict)  # key path -> 1-based line of the key

    def where(self, path: tuple) -> str:
        if self.label == DEFAULT_LABEL:
            return DEFAULT_LABEL
        line = self.lines.get(path)
        return f"{self.label}:{line}" if line else self.label


class Config:
    """The effective configuration: ``get("advisor.memory_headroom")``, ``source_of(key)``, ``used_defaults``."""

    def __init__(self, layers: list[Layer]) -> None:
        self.layers = layers
        self.data: dict[str, Any] = {}
        self._sources: dict[tuple, str] = {}
        for layer in layers:
            self._apply(layer)

    @property
    def files(self) -> list[str]:
        return [layer.label for layer in self.layers if layer.label != DEFAULT_LABEL]

    @property
    def used_defaults(self) -> bool:
        """True when no config file was found: every value is asba's embedded default."""
        return not self.files

    def _apply(self, layer: Layer) -> None:
        if layer.label != DEFAULT_LABEL and ({"burst_partitions", "partitions_json"} & layer.data.keys()):
            # the shipped example partitions give way to a site's own definitions
            if any(path[0] == "burst_partitions" and src == DEFAULT_LABEL for path, src in self._sources.items()):
                self.data.pop("burst_partitions", None)
                self._sources = {p: s for p, s in self._sources.items() if p[0] != "burst_partitions"}
        _merge(self.data, layer.data, (), layer, self._sources)

    def get(self, key: str, default: Any = _MISSING) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is _MISSING:
                    raise ConfigError(f"no config key '{key}'", hint="see `asba config show`", code="ASBA-CONFIG-006")
                return default
            node = node[part]
        return node

    def source_of(self, key: str) -> str:
        """Where the value of `key` came from: "default", "FILE:LINE", or several of these for a section."""
        path = tuple(key.split("."))
        found = {src for p, src in self._sources.items() if p[: len(path)] == path}
        if not found:
            raise ConfigError(f"no config key '{key}'", hint="see `asba config show`", code="ASBA-CONFIG-006")
        if len(found) == 1:
            return found.pop()
        by_file: dict[str, int] = {}
        for src in found:  # a section: each file that set part of it, at its first line
            name, _, line = src.rpartition(":")
            if not name or not line.isdigit():
                by_file.setdefault(src, 0)
            else:
                by_file[name] = min(by_file.get(name, int(line)), int(line))
        return ", ".join(f"{name}:{line}" if line else name for name, line in sorted(by_file.items()))

    def is_default(self, key: str) -> bool:
        return self.source_of(key) == DEFAULT_LABEL

    def leaves(self) -> Iterator[tuple[str, Any, str]]:
        """Every leaf value as (dotted key, value, source), in the order of the defaults file."""
        yield from self._walk(self.data, ())

    def _walk(self, node: dict, prefix: tuple) -> Iterator[tuple[str, Any, str]]:
        for key, value in node.items():
            path = (*prefix, key)
            if isinstance(value, dict) and value:
                yield from self._walk(value, path)
            else:
                yield ".".join(map(str, path)), value, self._sources.get(path, DEFAULT_LABEL)

    def as_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)


def _merge(target: dict, incoming: dict, prefix: tuple, layer: Layer, sources: dict[tuple, str]) -> None:
    for key, value in incoming.items():
        path = (*prefix, key)
        if isinstance(value, dict) and value and isinstance(target.get(key), dict):
            _merge(target[key], value, path, layer, sources)
            continue
        for old in [p for p in sources if p[: len(path)] == path]:
            del sources[old]
        target[key] = copy.deepcopy(value)
        if isinstance(value, dict) and value:
            _record_leaves(value, path, layer, sources)
        else:
            sources[path] = layer.where(path)


def _record_leaves(value: dict, prefix: tuple, layer: Layer, sources: dict[tuple, str]) -> None:
    for key, sub in value.items():
        path = (*prefix, key)
        if isinstance(sub, dict) and sub:
            _record_leaves(sub, path, layer, sources)
        else:
            sources[path] = layer.where(path)


def load_config(path: str | os.PathLike | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """The effective config: embedded defaults, then every config file found (see the module docstring)."""
    env = os.environ if env is None else env
    layers = [_default_layer()]
    for candidate, required in _candidates(path, env):
        try:
            present = candidate.is_file() or required and candidate.exists()
        except OSError as exc:  # a folder on the way this user may not enter
            if required:
                raise InputError(f"cannot read config file: {exc.strerror}", where=str(candidate),
                                 code="ASBA-CONFIG-004") from None
            continue
        if present:  # a FIFO or folder given is refused by name
            layers.append(_file_layer(candidate))
        elif required:
            raise InputError(
                f"config file not found: {candidate}",
                hint="check the path given with --config or $ASBA_CONFIG",
                code="ASBA-CONFIG-004",
            )
    return Config(layers)


def _candidates(path: str | os.PathLike | None, env: Mapping[str, str]) -> list[tuple[Path, bool]]:
    found = [(SYSTEM_CONFIG, False), (asba_home() / "config.yaml", False)]
    if env.get("ASBA_CONFIG"):
        found.append((Path(env["ASBA_CONFIG"]).expanduser(), True))
    if path:
        found.append((Path(path).expanduser(), True))
    return found


def defaults_path() -> Path:
    return knowledge_dir() / "defaults" / "config.yaml"


def _default_layer() -> Layer:
    with open(defaults_path(), encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)
    return Layer(DEFAULT_LABEL, data)


def _schema() -> dict[str, Any]:
    with open(knowledge_dir() / "schemas" / "config.schema.json", encoding="utf-8") as fh:
        return json.load(fh)


def _file_layer(path: Path) -> Layer:
    try:
        text = read_bounded(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read config file: {exc}", where=str(path), code="ASBA-CONFIG-004") from None
    except YamlLimitError as exc:
        raise InputError(f"cannot read config file: {exc.message}", where=str(path), code="ASBA-CONFIG-004",
                         hint="a config is a small regular YAML file") from None
    data, lines = _parse_yaml(text, str(path))
    layer = Layer(str(path), data, lines)
    from asba.checked import check_once

    check_once(knowledge_dir() / "schemas" / "config.schema.json", text.encode(), lambda: validate(layer))
    from asba.inputs.bounds import check_config

    check_config(list(_numbers(layer, data, ())))  # the bounds the command line has too (asba.inputs.bounds)
    _resolve_paths(data, path.resolve().parent)
    return layer


def _numbers(layer: Layer, node: dict, prefix: tuple) -> Iterator[tuple[str, Any, str]]:
    """A layer's leaves as (dotted key, value, FILE:LINE)."""
    for key, value in node.items():
        path = (*prefix, key)
        if isinstance(value, dict):
            yield from _numbers(layer, value, path)
        elif not isinstance(value, list):
            yield ".".join(map(str, path)), value, layer.where(path)


def _parse_yaml(text: str, label: str) -> tuple[dict[str, Any], dict[tuple, int]]:
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                check_node(node)
                _refuse_unsafe_values(node, label)
            data = loader.construct_document(node) if node is not None else {}
        finally:
            loader.dispose()
    except YamlLimitError as exc:
        raise ConfigError(f"config refused before expanding it: {exc.message}", where=exc.where(label),
                          hint="write the values out; a config needs no deep nesting, many aliases or tags",
                          code="ASBA-CONFIG-007") from None
    except RecursionError:
        raise ConfigError("config is nested too deeply", where=label, code="ASBA-CONFIG-007",
                          hint="a config needs no deep nesting") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark else label
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"config is not valid YAML: {problem}", where=where,
            hint="check indentation and quoting", code="ASBA-CONFIG-003",
        ) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            "config must be a mapping of keys to values", where=f"{label}:1",
            hint="start with a key such as `region: us-east-1`", code="ASBA-CONFIG-005",
        )
    lines: dict[tuple, int] = {}
    if node is not None:
        _key_lines(node, (), lines)
    return data, lines


def _refuse_unsafe_values(node: yaml.Node, label: str) -> None:
    """A key given twice in one mapping (YAML keeps the last silently, which hides a typo or a paste), and
    .nan/.inf, which no setting means and which compare false with every bound."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.ScalarNode) and _not_a_setting_number(current):
            raise ConfigError(f"{clip(current.value, 30)} is not a number a setting can take",
                              where=f"{label}:{current.start_mark.line + 1}", code="ASBA-CONFIG-009",
                              hint="give a finite number")
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value in seen:
                    raise ConfigError(f"key {key_node.value!r} appears twice in this mapping",
                                      where=f"{label}:{key_node.start_mark.line + 1}", code="ASBA-CONFIG-008",
                                      hint="keep one of them")
                if isinstance(key_node, yaml.ScalarNode):
                    seen.add(key_node.value)
                stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _not_a_setting_number(node: yaml.ScalarNode) -> bool:
    """.nan, .inf, 1.0e+400 (infinite once read) or an integer of more than 20 digits."""
    if node.tag == "tag:yaml.org,2002:int":
        return len(node.value) > 20
    if node.tag != "tag:yaml.org,2002:float":
        return False
    text = node.value.lower().replace("_", "")
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return text.lstrip("+-") in (".nan", ".inf")


def _key_lines(node: yaml.Node, prefix: tuple, lines: dict[tuple, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = (*prefix, key_node.value)
            lines[path] = key_node.start_mark.line + 1
            _key_lines(value_node, path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*prefix, index)] = item.start_mark.line + 1
            _key_lines(item, (*prefix, index), lines)


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    for path in PATH_KEYS:
        parent: Any = data
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and isinstance(parent.get(path[-1]), str):
            value = Path(parent[path[-1]]).expanduser()
            parent[path[-1]] = str(value if value.is_absolute() else (base / value).resolve())


def validate(layer: Layer) -> None:
    """Check one layer against the schema; raise ConfigError for the first problem in file order."""
    from jsonschema import Draft202012Validator

    schema = _schema()
    errors = list(Draft202012Validator(schema).iter_errors(layer.data))
    if not errors:
        return
    first = min(errors, key=lambda e: layer.lines.get(tuple(e.absolute_path), 0))
    raise _explain(first, layer, schema)


def _resolve(root: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _description(root: dict, path: tuple) -> str | None:
    """The schema's description for the value at `path` (a $ref's neighbour description wins)."""
    node: Any = root
    for part in path:
        node = _resolve(root, node)
        if isinstance(part, int):
            node = node.get("items", {})
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return None
    if not isinstance(node, dict):
        return None
    return node.get("description") or _resolve(root, node).get("description")


def _explain(error: Any, layer: Layer, root: dict) -> ConfigError:
    path = tuple(error.absolute_path)
    dotted = ".".join(str(p) for p in path) or "(top level)"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        key = extra[0] if extra else "?"
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed keys here: {', '.join(allowed)}"
        where = layer.where((*path, key))
        return ConfigError(f"unknown key '{key}' in {dotted}", where=where, hint=hint, code="ASBA-CONFIG-001")
    description = _description(root, path)
    if error.validator == "required":
        hint = "add it; see knowledge/defaults/config.yaml for an example"
        return ConfigError(f"{dotted}: {error.message}", where=layer.where(path), hint=hint, code="ASBA-CONFIG-002")
    found = f"{type(error.instance).__name__} {error.instance!r}"
    expected = _expected(error)
    hint = f"expected {description}" if description else f"expected {expected}"
    return ConfigError(
        f"{dotted} must be {expected}, not {found}", where=layer.where(path), hint=hint, code="ASBA-CONFIG-002"
    )


def _expected(error: Any) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "type":
        kinds = schema.get("type")
        return " or ".join(kinds) if isinstance(kinds, list) else f"a {kinds}"
    if error.validator == "enum":
        return "one of " + ", ".join(map(str, schema.get("enum", [])))
    if error.validator in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "minItems", "pattern"):
        return f"{error.validator} {error.validator_value}"
    return "valid here"
