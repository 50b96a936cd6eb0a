"""Bounds on the YAML asba reads (rule packs, test cases, configs), checked on the composed node graph.

A YAML file can ask for far more than its size: aliases repeat a subtree (nine levels of nine aliases is a
billion nodes, the "billion laughs"), an alias can point into its own anchor (a cycle), and nesting can be deep
enough to exhaust the stack. Composing keeps aliases shared, so the graph is small; these checks count what
constructing it would build and refuse the file, with the line of the offending node, before anything is
expanded. Files are read only when they are regular files of bounded size (a FIFO or a device named
``*.yaml`` would block or never end).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

MAX_BYTES = 4 << 20  # the largest shipped pack file is a few KiB; a config a few hundred bytes
MAX_NODES = 200_000  # nodes after alias expansion
MAX_DEPTH = 100
MAX_ALIASES = 1_000
SAFE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in
                      ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary", "merge"))


class YamlLimitError(Exception):
    """A YAML file over a bound; `line`/`column` are 1-based (0 when the whole file is meant)."""

    def __init__(self, message: str, line: int = 0, column: int = 0, code: str = "YAML") -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.code = message, line, column, code

    def where(self, path: str) -> str:
        return f"{path}:{self.line}:{self.column}" if self.line else path


def read_bounded(path: Path, limit: int = MAX_BYTES) -> str:
    """A regular file's UTF-8 text, at most MAX_BYTES; OSError/UnicodeDecodeError/YamlLimitError otherwise.

    The file is opened without blocking, so a FIFO never waits for a writer."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise YamlLimitError("not a regular file (a directory, FIFO or device cannot be read as one)")
        if info.st_size > limit:
            raise YamlLimitError(f"the file is {info.st_size} bytes, more than the {limit} asba reads")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise YamlLimitError(f"the file is more than the {limit} bytes asba reads")
    return data.decode("utf-8")


def check_node(root: Any) -> None:
    """Refuse a composed document whose expansion would be too big, too deep, cyclic or use unsafe tags."""
    import yaml

    sizes: dict[int, int] = {}
    aliases = 0
    # Iterative post-order walk: (node, depth, children visited?); `active` holds the nodes on the current path.
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    active: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            sizes[key] = min(1 + sum(sizes[id(child)] for child in _children(node)), MAX_NODES + 1)
            if sizes[key] > MAX_NODES:
                raise _limit(node, f"the document expands to more than {MAX_NODES} values (aliases repeat "
                                   "their anchor's whole subtree)", "ALIAS")
            continue
        if key in sizes:  # seen before: a shared (aliased) subtree
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _limit(node, f"more than {MAX_ALIASES} aliases", "ALIAS")
            continue
        if key in active:
            raise _limit(node, "an alias refers to its own anchor (a cycle)", "ALIAS")
        if depth > MAX_DEPTH:
            raise _limit(node, f"nested more than {MAX_DEPTH} levels deep", "DEPTH")
        if node.tag not in SAFE_TAGS and not (isinstance(node, yaml.ScalarNode) and node.tag.startswith("!")
                                              and node.tag == "!"):
            raise _limit(node, f"the tag {node.tag!r} is not allowed (only plain YAML values)", "TAG")
        active.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) in active:
                raise _limit(child, "an alias refers to its own anchor (a cycle)", "ALIAS")
            stack.append((child, depth + 1, False))


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _limit(node: Any, message: str, code: str) -> YamlLimitError:
    mark = node.start_mark
    return YamlLimitError(message, mark.line + 1, mark.column + 1, code)
