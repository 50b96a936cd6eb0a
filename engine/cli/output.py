"""Terminal and JSON output. The only module that writes to the terminal for commands.

Colour follows rich's rules, which honour NO_COLOR and non-terminal output.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _default(obj: Any) -> Any:
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=_default, ensure_ascii=False)


def print_json(data: Any) -> None:
    sys.stdout.write(to_json(data) + "\n")


def print_text(text: str) -> None:
    """Plain text as it is (no markup, no wrapping): what rich would print for it, without importing rich."""
    sys.stdout.write(text)


def print_json_list(items: Iterable[Any]) -> None:
    """print_json(list(items)), written one item at a time: the same text, without the whole list (or its
    JSON) in memory at once."""
    out = sys.stdout
    first = True
    for item in items:
        body = to_json(item).replace("\n", "\n  ")  # one level deeper; JSON strings never hold a raw newline
        out.write(("[\n  " if first else ",\n  ") + body)
        first = False
    out.write("[]\n" if first else "\n]\n")


def add_json_flag(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of text")
