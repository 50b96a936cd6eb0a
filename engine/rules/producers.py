"""Which facts asba itself produces: every fact name written in its source, found by reading the source.

A rule that tests a declared fact no code produces can never fire on real input (its own test cases set the
fact by hand, so they pass): `asba rules lint` reports it (ASBA-LINT-008) unless the vocabulary declares the
fact ``supplied: user`` (given by the user, e.g. `asba rules eval` facts files or config). A name is produced
when the engine's source holds it as a string (``"history.run_count"``) or builds it with an f-string whose
fixed parts start with an area (``f"risk.{side}_repeat_kind"`` produces ``risk.<any>_repeat_kind``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from asba.facts.vocabulary import NAME_RE

_PIECE = "[a-z0-9_]+"


@dataclass(frozen=True)
class Producers:
    names: frozenset[str]
    templates: tuple[re.Pattern, ...]

    def produces(self, fact: str) -> bool:
        return fact in self.names or any(t.fullmatch(fact) for t in self.templates)


def _template(node: ast.JoinedStr) -> re.Pattern | None:
    parts = node.values
    if not parts or not isinstance(parts[0], ast.Constant) or not isinstance(parts[0].value, str):
        return None
    if not re.match(r"[a-z][a-z0-9_]*\.", parts[0].value):
        return None
    pattern = "".join(re.escape(str(p.value)) if isinstance(p, ast.Constant) else _PIECE for p in parts)
    return re.compile(pattern)


def scan(paths: list[Path]) -> Producers:
    names: set[str] = set()
    templates: dict[str, re.Pattern] = {}
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME_RE.match(node.value):
                names.add(node.value)
            elif isinstance(node, ast.JoinedStr) and (found := _template(node)) is not None:
                templates[found.pattern] = found
    return Producers(frozenset(names), tuple(templates.values()))


@lru_cache(maxsize=1)
def engine_producers() -> Producers:
    """The facts asba's own code produces (its package's source, less the rule-pack machinery itself)."""
    import asba

    root = Path(asba.__file__).resolve().parent
    skip = {root / "rules", root / "cli"}  # they name facts to check or show them, not to produce them
    return scan([p for p in sorted(root.rglob("*.py")) if not any(s in p.parents for s in skip)])
