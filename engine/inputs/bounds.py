"""Every number a user gives is bounded here, at the edge: the command line and the configuration are checked
against the same table, so `asba config check` passes exactly what the commands accept.

A number outside its bound was an internal error further in (``--days inf`` overflowed a date, ``--days
1000000`` went before year 1, ``wait.record_days: 1000000`` broke every sync) or was refused only by
`asba explain`'s rules engine (a 1e308 cost or budget).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from asba.errors import ConfigError, InputError

# The rules engine holds numbers below 1e15 (asba.rules.values.MAX_ABS_FLOAT: durable-rules' C parser prints
# larger floats in exponent form, which it cannot read back); a configured number becomes a fact, so the
# configuration is held to the same limit.
FACT_LIMIT = 1e15


@dataclass(frozen=True)
class Bound:
    low: float
    high: float
    why: str  # where the bound comes from, named in the refusal
    low_inclusive: bool = True

    def holds(self, value: float) -> bool:
        above = value >= self.low if self.low_inclusive else value > self.low
        return math.isfinite(value) and above and value <= self.high


# Days back: sacct's times start at the Unix epoch (1970-01-01), 57 years before 2026; a century covers every
# history and keeps `now - days` a valid date (Python's dates end at year 1, 739,000 days back).
DAYS = Bound(0, 36_500, "more than 0 and at most 36,500 (a century: sacct's times start in 1970)", False)
NUMBER = Bound(-FACT_LIMIT, FACT_LIMIT, f"a finite number below {FACT_LIMIT:g} in size (what the rules engine holds)")
# Configuration keys with a bound of their own; every other number gets NUMBER (its sign and kind are the
# JSON Schema's, knowledge/schemas/config.schema.json).
CONFIG_BOUNDS = {
    "wait.record_days": DAYS,
    "knowledge.price_ttl_hours": Bound(0, 36_500 * 24, "more than 0 and at most a century of hours", False),
}


def check_option(option: str, value: float | None, bound: Bound = DAYS, code: str = "ASBA-INPUT-020") -> None:
    """A command-line number: InputError (one line, exit 2) when it is outside its bound."""
    if value is None or bound.holds(value):
        return
    raise InputError(f"{option} {value:g} is out of range: give {bound.why}", where="command line",
                     hint=f"e.g. {option} 30", code=code)


def check_config(leaves: list[tuple[str, object, str]]) -> None:
    """Configured numbers (dotted key, value, where it was set): ConfigError ASBA-CONFIG-010 for the first
    outside its bound."""
    for key, value, where in leaves:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        bound = CONFIG_BOUNDS.get(key, NUMBER)
        if not bound.holds(float(value)):
            raise ConfigError(f"{key} = {value:g} is out of range: give {bound.why}", where=where,
                              hint="a smaller value (or a larger unit)", code="ASBA-CONFIG-010")
