"""Terminal and JSON output. The only module that writes to the terminal for commands.

Colour follows rich's rules, which honour NO_COLOR and non-terminal output.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from typing import Any

# Control characters that are not layout (everything below 0x20 but tab and newline, DEL, the C1 range): a job
# name, a script line or a sacct field holding ESC [ ... reached the terminal raw and could rewrite it. They are
# shown as visible escapes (\x1b) instead; --json output keeps them, escaped by JSON itself.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_text(text: str) -> str:
    """`text` with terminal control characters made visible."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if _CONTROL.search(text) else text


def console(stderr: bool = False):
    from rich.console import Console

    class _SafeConsole(Console):
        """Every string rich turns into text (printed, or a table cell) has its control characters made
        visible; the colours rich adds itself are not strings it is given, so they stay."""

        def render_str(self, text: str, **kwargs: Any):
            return super().render_str(safe_text(text), **kwargs)

    return _SafeConsole(stderr=stderr, highlight=False, soft_wrap=False)


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
    """Plain text as it is (no markup, no wrapping): what rich would print for it, without importing rich;
    control characters made visible as rich's console does (safe_text)."""
    sys.stdout.write(safe_text(text))


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
