"""A small, safe arithmetic expression language for rule packs (no eval).

Grammar::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := "-" unary | atom
    atom   := NUMBER | FACT_NAME | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    FUNC   := min | max | round | ceil | floor | abs

Fact names are dotted (``job.total_cpus``) and must be numeric facts of the vocabulary. Errors carry the
column of the offending token. The parse tree is plain tuples so that it can be compiled to durable-rules
arithmetic (``$add $sub $mul $div`` over fact references) or evaluated in Python.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

FUNCTIONS: dict[str, tuple[int, int, Callable[..., float]]] = {  # name -> (min args, max args, fn)
    "min": (2, 8, min),
    "max": (2, 8, max),
    "round": (1, 2, lambda x, n=0: round(x, int(n))),
    "ceil": (1, 1, math.ceil),
    "floor": (1, 1, math.floor),
    "abs": (1, 1, abs),
}
MAX_LENGTH = 1000  # characters of an expression
MAX_NESTING = 30  # parentheses, unary minus and calls inside one another
_TOKEN = re.compile(r"\s*(?:(?P<num>\d{1,18}(?:\.\d{1,18})?(?![0-9]))"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
                    r"|(?P<op>[-+*/(),]))")

# Node shapes: ("num", value) | ("fact", name) | ("neg", node) | ("bin", op, left, right) | ("call", fn, [args])
Node = tuple


class ExprError(ValueError):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message, self.column = message, column


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    column: int  # 1-based


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            col = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            if text[col - 1].isdigit():
                raise ExprError("a number has at most 18 digits before and after its point", col)
            raise ExprError(f"unexpected character '{text[col - 1]}'", col)
        kind = match.lastgroup or "op"
        tokens.append(Token(kind, match.group(kind), match.start(kind) + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens, self.i, self.depth = tokenize(text), 0, 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self, text: str | None = None) -> Token:
        tok = self.tokens[self.i]
        if text is not None and tok.text != text:
            found = tok.text or "end of expression"
            raise ExprError(f"expected '{text}' but found '{found}'", tok.column)
        self.i += 1
        return tok

    def expr(self) -> Node:
        node = self.term()
        while self.peek().text in ("+", "-"):
            op = self.take().text
            node = ("bin", op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek().text in ("*", "/"):
            op = self.take().text
            node = ("bin", op, node, self.unary())
        return node

    def unary(self) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExprError(f"nested more than {MAX_NESTING} levels deep", self.peek().column)
        try:
            if self.peek().text == "-":
                self.take()
                return ("neg", self.unary())
            return self.atom()
        finally:
            self.depth -= 1

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return ("num", float(tok.text) if "." in tok.text else int(tok.text))
        if tok.text == "(":
            node = self.expr()
            self.take(")")
            return node
        if tok.kind == "name" and self.peek().text == "(":
            return self.call(tok)
        if tok.kind == "name":
            return ("fact", tok.text, tok.column)
        raise ExprError(f"expected a number, a fact name or '(' but found '{tok.text or 'end of expression'}'",
                        tok.column)

    def call(self, tok: Token) -> Node:
        if tok.text not in FUNCTIONS:
            raise ExprError(f"unknown function '{tok.text}' (known: {', '.join(FUNCTIONS)})", tok.column)
        self.take("(")
        args = [self.expr()]
        while self.peek().text == ",":
            self.take()
            args.append(self.expr())
        self.take(")")
        low, high, _ = FUNCTIONS[tok.text]
        if not low <= len(args) <= high:
            raise ExprError(f"{tok.text}() takes {low}..{high} arguments, got {len(args)}", tok.column)
        return ("call", tok.text, args)


def parse(text: str) -> Node:
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression is {len(text)} characters long, more than {MAX_LENGTH}", MAX_LENGTH)
    parser = _Parser(text)
    node = parser.expr()
    if parser.peek().kind != "end":
        raise ExprError(f"unexpected '{parser.peek().text}' after the end of the expression", parser.peek().column)
    return node


def fact_refs(node: Node) -> list[tuple[str, int]]:
    """Fact names the expression reads, with their columns, in reading order."""
    kind = node[0]
    if kind == "fact":
        return [(node[1], node[2])]
    if kind == "neg":
        return fact_refs(node[1])
    if kind == "bin":
        return fact_refs(node[2]) + fact_refs(node[3])
    if kind == "call":
        return [ref for arg in node[2] for ref in fact_refs(arg)]
    return []


def result_type(node: Node, types: Mapping[str, str]) -> str:
    """'integer' or 'number': the type the value will have, given each fact's declared type."""
    kind = node[0]
    if kind == "num":
        return "integer" if isinstance(node[1], int) else "number"
    if kind == "fact":
        return "integer" if types.get(node[1]) == "integer" else "number"
    if kind == "neg":
        return result_type(node[1], types)
    if kind == "bin":
        if node[1] == "/":
            return "number"
        both = {result_type(node[2], types), result_type(node[3], types)}
        return "integer" if both == {"integer"} else "number"
    if node[1] in ("ceil", "floor") or (node[1] == "round" and len(node[2]) == 1):
        return "integer"
    arg_types = {result_type(arg, types) for arg in node[2]}
    return "integer" if arg_types == {"integer"} and node[1] != "round" else "number"


def uses_only_durable_arithmetic(node: Node) -> bool:
    """True when the expression can be compiled into durable-rules' right-hand side (+ - * / only)."""
    kind = node[0]
    if kind in ("num", "fact"):
        return True
    if kind == "neg":
        return uses_only_durable_arithmetic(node[1])
    if kind == "bin":
        return uses_only_durable_arithmetic(node[2]) and uses_only_durable_arithmetic(node[3])
    return False


def constant_divisions(node: Node) -> Node:
    """Rewrite ``x / c`` as ``x * (1/c)`` for a non-zero constant c; raise ExprError for any other division.

    Conditions are computed inside durable-rules' C core, where int / int truncates and a zero divisor
    kills the process (SIGFPE); a multiplication by a float constant behaves the same in C and Python.
    """
    kind = node[0]
    if kind == "num" and node[1] != 0 and not 1e-4 <= abs(node[1]) < 1e15:
        raise ExprError(f"{node[1]} is out of the engine's range (0.0001 <= |x| < 1e15)", 1)
    if kind == "neg":
        return ("neg", constant_divisions(node[1]))
    if kind == "call":
        return ("call", node[1], [constant_divisions(arg) for arg in node[2]])
    if kind != "bin":
        return node
    left, right = constant_divisions(node[2]), constant_divisions(node[3])
    if node[1] != "/":
        return ("bin", node[1], left, right)
    if right[0] != "num" or right[1] == 0:
        raise ExprError("in a condition, divide only by a non-zero number (write a * b instead of a / b)", 1)
    return constant_divisions(("bin", "*", left, ("num", round(1 / right[1], 12))))


def evaluate(node: Node, values: Mapping[str, Any]) -> float | int:
    """Compute the value; raises ZeroDivisionError or KeyError (absent fact) for the caller to report."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "fact":
        return values[node[1]]
    if kind == "neg":
        return -evaluate(node[1], values)
    if kind == "bin":
        left, right = evaluate(node[2], values), evaluate(node[3], values)
        op = node[1]
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        return left / right
    _, _, fn = FUNCTIONS[node[1]]
    return fn(*(evaluate(arg, values) for arg in node[2]))


def to_durable(node: Node, alias_of: Mapping[str, str]) -> Any:
    """durable-rules right-hand side: constants, {alias: "v"} references, {"$add": {"$l": .., "$r": ..}}."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "fact":
        return {alias_of[node[1]]: "v"}
    if kind == "neg":
        return {"$mul": {"$l": -1, "$r": to_durable(node[1], alias_of)}}
    op = {"+": "$add", "-": "$sub", "*": "$mul", "/": "$div"}[node[1]]
    return {op: {"$l": to_durable(node[2], alias_of), "$r": to_durable(node[3], alias_of)}}


def render(node: Node) -> str:
    kind = node[0]
    if kind == "num":
        return str(node[1])
    if kind == "fact":
        return node[1]
    if kind == "neg":
        return f"-{render(node[1])}"
    if kind == "bin":
        return f"({render(node[2])} {node[1]} {render(node[3])})"
    return f"{node[1]}({', '.join(render(a) for a in node[2])})"
