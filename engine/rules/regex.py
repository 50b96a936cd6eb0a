"""The documented safe regex subset for `matches:`, translated to durable-rules' dialect and to Python's.

Patterns always match the WHOLE value (a leading ^ and trailing $ are allowed and implied). Supported:
literal characters; ``.``; classes ``[abc]``, ``[a-z0-9]``, ``[^...]``; groups with alternatives
``(bwa|bowtie2)``; quantifiers ``* + ? {m} {m,n}``; ``\\d`` (an ASCII digit) and ``\\s`` (a space); and a
backslash before a special character to mean that character literally (``\\.``). The C core matches a value's
JSON text, so a tab in a value is the two characters ``\\t``; quotes, backslashes and control characters
cannot appear in a pattern. Anything else (``\\w``, back
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
        return self.python.fullmatch(json_text(value)) is not None


def _check_char(ch: str, col: int) -> None:
    """The C core matches the JSON text of a value, where '"', '\\' and control characters are escapes."""
    if ch in '"\\' or ord(ch) < 0x20:
        raise RegexError(f"{ch!r} cannot be matched reliably by the engine; use '.' for it", col)


def json_text(value: str) -> str:
    """What the C core's regex really sees: the value as JSON text (a tab is the two characters \\t)."""
    import json

    return json.dumps(value, ensure_ascii=False)[1:-1]


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
        _check_char(ch, i + 1)
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


class _Translator:
    """Walks the author's pattern once, writing the durable and the Python form side by side."""

    def __init__(self, text: str, offset: int) -> None:
        self.text, self.offset = text, offset
        self.out_d: list[str] = []
        self.out_p: list[str] = []
        self.depth, self.prev_atom = 0, False
        self.repeats_inside: list[bool] = []  # per open group: does it contain a quantifier?
        self.closed_repeats = False  # the atom just written is a group that contains a quantifier

    def emit(self, durable: str, python: str) -> None:
        self.out_d.append(durable)
        self.out_p.append(python)

    def escape(self, i: int) -> int:
        nxt = self.text[i + 1] if i + 1 < len(self.text) else ""
        if nxt in ("d", "s"):
            self.emit("%" + nxt, "[0-9]" if nxt == "d" else "[ ]")
        elif nxt in _META or nxt in ("^", "$"):
            self.emit(_escape_durable(nxt), re.escape(nxt))
        else:
            raise RegexError(f"'\\{nxt}' is outside the supported subset (use \\d, \\s or escape a "
                             "special character)", i + 1 + self.offset)
        self.prev_atom, self.closed_repeats = True, False
        return i + 2

    def repeat(self, i: int) -> int:
        ch, col = self.text[i], i + 1 + self.offset
        if not self.prev_atom:
            raise RegexError(f"'{ch}' has nothing to repeat", col)
        if self.closed_repeats and ch != "?" and not self.text.startswith(("{1}", "{0,1}", "{1,1}"), i):
            raise RegexError("a repeated group that itself contains a repeat (like (a+)+) can take exponential "
                             "time on a long value; repeat the inside only (a+)", col)
        if self.repeats_inside:
            self.repeats_inside[-1] = True
        if ch == "{":
            quant, end = _quantifier(self.text, i)
            self.emit(quant, quant)
        else:
            if i + 1 < len(self.text) and self.text[i + 1] in "*+?":
                raise RegexError("stacked or lazy quantifiers are outside the supported subset", col + 1)
            self.emit(ch, ch)
            end = i + 1
        self.prev_atom = self.closed_repeats = False
        return end

    def plain(self, i: int) -> int:
        ch, col = self.text[i], i + 1 + self.offset
        _check_char(ch, col)
        inner = False
        if ch == "(":
            if self.text.startswith("(?", i):
                raise RegexError("'(?' groups are outside the supported subset", col)
            self.depth += 1
            self.repeats_inside.append(False)
        elif ch == ")":
            if self.depth == 0:
                raise RegexError("')' without a matching '('", col)
            if self.text[i - 1] == "(":
                raise RegexError("an empty group () matches only the empty text; remove it", col)
            self.depth -= 1
            inner = self.repeats_inside.pop()
            if inner and self.repeats_inside:
                self.repeats_inside[-1] = True
        elif ch in "^$]}":
            raise RegexError(f"'{ch}' must be escaped with a backslash here", col)
        self.prev_atom = ch not in "(|"
        self.closed_repeats = ch == ")" and inner
        if ch in "()|.":
            self.emit(ch, ch)
        else:
            self.emit(_escape_durable(ch), re.escape(ch))
        return i + 1

    def run(self) -> None:
        i = 0
        while i < len(self.text):
            ch = self.text[i]
            if ch == "\\":
                i = self.escape(i)
            elif ch == "[":
                i, self.prev_atom = _class(self.text, i, self.out_d, self.out_p), True
                self.closed_repeats = False
            elif ch in "*+?{":
                i = self.repeat(i)
            else:
                i = self.plain(i)


def compile_safe(source: str) -> SafeRegex:
    """Translate ``source``; raises RegexError with a 1-based column when it leaves the subset."""
    text = source.removeprefix("^")
    offset = len(source) - len(text)
    if text.endswith("$") and not text.endswith("\\$"):
        text = text[:-1]
    if not text:
        raise RegexError("empty pattern (use eq: \"\" to test for an empty value)", 1)
    walker = _Translator(text, offset)
    walker.run()
    if walker.depth:
        raise RegexError("'(' is never closed", len(source))
    return SafeRegex(source, "".join(walker.out_d), re.compile("".join(walker.out_p), re.DOTALL))
