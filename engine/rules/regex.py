"""The documented safe regex subset for `matches:`, translated to durable-rules' dialect and to Python's.

Patterns always match the WHOLE value (a leading ^ and trailing $ are allowed and implied). Supported:
literal characters; ``.``; classes ``[abc]``, ``[a-z0-9]``, ``[^...]``; groups with alternatives
``(bwa|bowtie2)``; quantifiers ``* + ? {m} {m,n}``; ``\\d`` (digit) and ``\\s`` (space); and a backslash
before a special character to mean that character literally (``\\.``). Anything else (``\\w``, back
references, look-arounds, lazy quantifiers) is refused when the pack loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_META = set(".|?*+()[]{}")
_DURABLE_META = _META | {"%"}


class RegexError(ValueError):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message, self.column = message, column


@dataclass(frozen=True)
class SafeRegex:
    source: str
    durable: str
    python: re.Pattern

    def fullmatch(self, value: str) -> bool:
        return self.python.fullmatch(value) is not None


def _escape_durable(ch: str) -> str:
    return "%" + ch if ch in _DURABLE_META else ch


def _class(text: str, i: int, out_d: list[str], out_p: list[str]) -> int:
    """Translate a [...] class starting at text[i] == '['; returns the index after ']'."""
    start, i = i, i + 1
    out_d.append("[")
    out_p.append("[")
    if i < len(text) and text[i] == "^":
        out_d.append("^")
        out_p.append("^")
        i += 1
    first = True
    while i < len(text) and (text[i] != "]" or first):
        ch = text[i]
        if ch == "\\" or ch == "[" or ch == "%":
            raise RegexError(f"'{ch}' inside [...] is outside the supported subset", i + 1)
        if ch == "-" and (first or i + 1 >= len(text) or text[i + 1] == "]"):
            raise RegexError("'-' inside [...] must be a range like a-z", i + 1)
        out_d.append(_escape_durable(ch) if ch in "]" else ch)
        out_p.append(re.escape(ch) if ch not in "-^" else ch)
        first = False
        i += 1
    if i >= len(text):
        raise RegexError("'[' is never closed", start + 1)
    out_d.append("]")
    out_p.append("]")
    return i + 1


def _quantifier(text: str, i: int) -> tuple[str, int]:
    match = re.compile(r"\{(\d{1,3})(,(\d{1,3}))?\}").match(text, i)
    if not match:
        raise RegexError("'{' must be a repeat count like {2} or {2,5}", i + 1)
    low, high = int(match.group(1)), match.group(3)
    if high is not None and int(high) < low:
        raise RegexError(f"repeat range {match.group(0)} is empty", i + 1)
    return match.group(0), match.end()


def compile_safe(source: str) -> SafeRegex:
    """Translate ``source``; raises RegexError with a 1-based column when it leaves the subset."""
    text = source[1:] if source.startswith("^") else source
    offset = len(source) - len(text)
    if text.endswith("$") and not text.endswith("\\$"):
        text = text[:-1]
    out_d: list[str] = []
    out_p: list[str] = []
    depth, i, prev_atom = 0, 0, False
    while i < len(text):
        ch, col = text[i], i + 1 + offset
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt in ("d", "s"):
                out_d.append("%" + nxt)
                out_p.append("[0-9]" if nxt == "d" else "[ \\t\\n\\r\\f\\v]")
            elif nxt in _META or nxt in ("\\", "^", "$"):
                out_d.append(_escape_durable(nxt))
                out_p.append(re.escape(nxt))
            else:
                raise RegexError(f"'\\{nxt}' is outside the supported subset (use \\d, \\s or escape a "
                                 "special character)", col)
            i, prev_atom = i + 2, True
            continue
        if ch == "[":
            i, prev_atom = _class(text, i, out_d, out_p), True
            continue
        if ch in "*+?":
            if not prev_atom:
                raise RegexError(f"'{ch}' has nothing to repeat", col)
            if i + 1 < len(text) and text[i + 1] in "*+?":
                raise RegexError("stacked or lazy quantifiers are outside the supported subset", col + 1)
            out_d.append(ch)
            out_p.append(ch)
            i, prev_atom = i + 1, False
            continue
        if ch == "{":
            if not prev_atom:
                raise RegexError("'{' has nothing to repeat", col)
            quant, i = _quantifier(text, i)
            out_d.append(quant)
            out_p.append(quant)
            prev_atom = False
            continue
        if ch == "(":
            if text.startswith("(?", i):
                raise RegexError("'(?' groups are outside the supported subset", col)
            depth += 1
            prev_atom = False
        elif ch == ")":
            if depth == 0:
                raise RegexError("')' without a matching '('", col)
            depth -= 1
            prev_atom = True
        elif ch == "|":
            prev_atom = False
        elif ch in "^$]}":
            raise RegexError(f"'{ch}' must be escaped with a backslash here", col)
        else:
            prev_atom = True
        if ch in "()|.":
            out_d.append(ch)
            out_p.append(ch)
        else:
            out_d.append(_escape_durable(ch))
            out_p.append(re.escape(ch))
        i += 1
    if depth:
        raise RegexError("'(' is never closed", len(source))
    if not text:
        raise RegexError("empty pattern (use eq: \"\" to test for an empty value)", 1)
    return SafeRegex(source, "".join(out_d), re.compile("".join(out_p), re.DOTALL))
