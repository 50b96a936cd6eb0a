"""The declared fact vocabulary: every fact name asba knows, with its type, unit and meaning.

One YAML file per area under ``knowledge/vocabulary/`` (``job.yaml``, ``history.yaml``, ...), each
``facts: {name: {type, unit, meaning}}``. Rule packs add their own conclusions on top (see asba.rules).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asba.errors import ConfigError

TYPES = ("integer", "number", "string", "boolean", "string_list")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: str
    unit: str
    meaning: str
    origin: str  # the file (or pack manifest) that declares it
    supplied: str = ""  # "user": the user gives it (asba produces no value); "" asba's code produces it

    def as_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "unit": self.unit, "meaning": self.meaning,
                "origin": self.origin, **({"supplied": self.supplied} if self.supplied else {})}


def value_has_type(value: Any, type_name: str) -> bool:
    """True when ``value`` is a valid value of the declared type (bool is not a number here)."""
    if type_name == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if type_name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if type_name == "number":
        return isinstance(value, (int, float)) and math.isfinite(value)
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "string_list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return False


class Vocabulary:
    """Fact specs by name, with "did you mean" suggestions for unknown names."""

    def __init__(self, specs: Iterable[FactSpec] = ()) -> None:
        self._specs: dict[str, FactSpec] = {}
        for spec in specs:
            self._specs[spec.name] = spec

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self):
        return iter(sorted(self._specs))

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, name: str) -> FactSpec | None:
        return self._specs.get(name)

    def spec(self, name: str) -> FactSpec:
        """The spec of a name known to be declared (KeyError otherwise)."""
        return self._specs[name]

    def specs(self) -> list[FactSpec]:
        return [self._specs[n] for n in sorted(self._specs)]

    def suggest(self, name: str) -> str | None:
        close = difflib.get_close_matches(name, list(self._specs), n=1, cutoff=0.6)
        return close[0] if close else None

    def did_you_mean(self, name: str) -> str:
        guess = self.suggest(name)
        return f"did you mean '{guess}'?" if guess else "declare it in knowledge/vocabulary/ or a pack's conclusions"

    def extended(self, specs: Iterable[FactSpec]) -> Vocabulary:
        merged = Vocabulary(self._specs.values())
        for spec in specs:
            merged._specs[spec.name] = spec
        return merged


def _spec_from(name: str, body: Any, origin: str) -> FactSpec:
    if not NAME_RE.match(str(name)):
        raise ConfigError(f"fact name '{name}' is not dotted lower-case (area.name)", where=origin,
                          code="ASBA-VOCAB-001", hint="use names like job.total_cpus")
    if not isinstance(body, Mapping) or body.get("type") not in TYPES:
        raise ConfigError(f"fact '{name}' needs a type, one of {', '.join(TYPES)}", where=origin,
                          code="ASBA-VOCAB-002", hint="write e.g. {type: integer, unit: cpus, meaning: ...}")
    if not str(body.get("meaning") or "").strip():
        raise ConfigError(f"fact '{name}' has no meaning", where=origin, code="ASBA-VOCAB-003",
                          hint="say in one sentence what the value is and how it is computed")
    supplied = str(body.get("supplied") or "")
    if supplied not in ("", "user"):
        raise ConfigError(f"fact '{name}' has supplied: {supplied!r}; only 'user' is known", where=origin,
                          code="ASBA-VOCAB-007", hint="write supplied: user for a fact the user gives, or leave it out")
    return FactSpec(str(name), body["type"], str(body.get("unit") or ""), str(body["meaning"]), origin, supplied)


def load_vocabulary(directory: Path | None = None) -> Vocabulary:
    """Read every ``*.yaml`` under the vocabulary directory (default: the built-in one)."""
    import yaml

    if directory is None:
        from asba.paths import knowledge_dir

        directory = knowledge_dir() / "vocabulary"
    specs: list[FactSpec] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"vocabulary file is not valid YAML: {exc}", where=str(path),
                              code="ASBA-VOCAB-004", hint="fix the YAML syntax") from None
        facts = data.get("facts") if isinstance(data, dict) else None
        if not isinstance(facts, dict):
            raise ConfigError("vocabulary file has no 'facts:' mapping", where=str(path),
                              code="ASBA-VOCAB-005", hint="start the file with facts:")
        for name, body in facts.items():
            if name in seen:
                raise ConfigError(f"fact '{name}' declared twice (also in {seen[name]})", where=str(path),
                                  code="ASBA-VOCAB-006", hint="keep one declaration per fact")
            seen[name] = path.name
            specs.append(_spec_from(name, body, path.name))
    return Vocabulary(specs)
