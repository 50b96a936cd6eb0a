"""Normalise values before they reach durable-rules' C parser (and the Python oracle, identically).

The C core cannot parse exponent-form floats (``1e-05``), compares ints beyond 2^63 wrongly and rejects
NaN/inf; JSON numbers must therefore stay in a range whose ``repr`` never uses an exponent.
"""

from __future__ import annotations

import math
from typing import Any

from asba.facts.vocabulary import value_has_type

MAX_INT = 2**53
MAX_ABS_FLOAT = 1e15
MIN_ABS_FLOAT = 1e-4
MAX_STRING_BYTES = 1_000_000
MAX_LIST_ITEMS = 10_000


def normalise_number(value: Any) -> int | float:
    """Return the value the engine will use; raise ValueError with the reason when it cannot be used."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a number")  # noqa: TRY004 - callers report every refusal alike
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ValueError(f"{value} is beyond ±2^53, which the engine cannot compare exactly")
        return value
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    if abs(value) >= MAX_ABS_FLOAT:
        raise ValueError(f"{value} is too large (|x| must stay below 1e15); use a larger unit")
    if abs(value) < MIN_ABS_FLOAT:
        return 0.0
    return round(value, 6)


def normalise(value: Any, type_name: str) -> Any:
    """Check ``value`` against the declared type and normalise it; ValueError explains a refusal."""
    kind = type(value)
    if kind is int and type_name in ("integer", "number") and -MAX_INT <= value <= MAX_INT:
        return value  # the common case, kept cheap: this runs for every fact of every evaluation
    if kind is str and type_name == "string" and len(value) < MAX_STRING_BYTES // 4:
        return value
    if not value_has_type(value, type_name) and not (type_name == "number" and _is_number(value)):
        raise ValueError(f"{value!r} is not a valid {type_name}")
    if type_name == "integer":
        return normalise_number(int(value))
    if type_name == "number":
        return normalise_number(value)
    if type_name == "string":
        if len(value.encode("utf-8")) > MAX_STRING_BYTES:
            raise ValueError("string longer than 1 MB")
        return value
    if type_name == "string_list":
        if len(value) > MAX_LIST_ITEMS:
            raise ValueError(f"list of {len(value)} items (at most {MAX_LIST_ITEMS})")
        if sum(len(item) for item in value) > MAX_STRING_BYTES:
            raise ValueError("list longer than 1 MB in total")
        return [normalise(item, "string") for item in value]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
