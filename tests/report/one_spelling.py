"""Find a number printed two ways in one output (the check behind test_one_spelling.py).

A quantity has one spelling (asba.report.units): money in cents or, below a cent, two significant figures;
memory in GiB (or MiB below 1 GiB) with at most one decimal. In one output these are problems:

* an amount of money not spelt as units.usd spells it ("$0.0", "$1.5", "$0.00331", "$0.00" for 0.003);
* memory in GB or MB (decimal units) or with more than one decimal ("0.488281 GiB", "1.00 GB");
* with the JSON of the same run beside the text: an amount within a cent of a figure in the JSON but spelt
  differently from it ("$0.10" where the JSON and the rest of the text say 0.105 -> "$0.11"; "$0.00" beside
  "$0.0033" for the same cost).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from asba.report import units

MONEY = re.compile(r"(?<![\w$])-?\$(\d[\d,]*(?:\.\d+)?)(?![\d.])")
MEMORY = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s?(GB|MB|GiB|MiB)\b(?!-h)")
# Data moved in or out of AWS is billed by AWS in decimal GB ($0.09/GB): a different quantity from memory.
TRANSFER = re.compile(r"GB (?:leave|of egress|out of AWS|transfer)")


def money_values(data: object, key: str = "") -> Iterator[float]:
    """Every figure in the JSON whose key says it is money (…_usd)."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from money_values(v, k)
    elif isinstance(data, list):
        for v in data:
            yield from money_values(v, key)
    elif isinstance(data, (int, float)) and not isinstance(data, bool) and key.endswith("_usd"):
        yield float(data)


def problems(text: str, data: object = None) -> list[str]:
    found = _money_spelling(text) + _memory_spelling(text)
    if data is not None:
        found += _money_against(text, list(money_values(data)))
    return found


def _money_spelling(text: str) -> list[str]:
    found = []
    for m in MONEY.finditer(text):
        value = float(m.group(1).replace(",", ""))
        if units.usd(value) != m.group(0).lstrip("-"):
            found.append(f"money {m.group(0)!r} is not spelt {units.usd(value)!r}")
    return found


def _memory_spelling(text: str) -> list[str]:
    found = []
    for m in MEMORY.finditer(text):
        if m.group(2) in ("GB", "MB") and not TRANSFER.match(text, m.start(2)):
            found.append(f"memory {m.group(0)!r} in decimal units (asba writes GiB / MiB)")
        elif "." in m.group(1) and len(m.group(1).split(".")[1]) > 1:
            found.append(f"memory {m.group(0)!r} with more than one decimal")
    return found


def _money_against(text: str, values: list[float]) -> list[str]:
    canon = {units.usd(v) for v in values}
    found = []
    for m in MONEY.finditer(text):
        token = m.group(0).lstrip("-")
        if token in canon:
            continue
        digits = m.group(1).replace(",", "")
        amount, decimals = float(digits), len(digits.partition(".")[2])
        near = [v for v in values if _same(abs(v), amount, decimals)]
        if near:
            found.append(f"{m.group(0)!r} where the JSON has {near[0]!r}, spelt {units.usd(abs(near[0]))!r}")
    return found


def _same(value: float, amount: float, decimals: int) -> bool:
    """The token is the figure rounded to another precision ('$0.01' or '$0.00' for 0.0087), or, in cents, a
    figure computed twice ('$0.10' beside 0.1061, which is '$0.11')."""
    if abs(value - amount) <= 0.5 * 10 ** -decimals + 1e-9:
        return True
    return decimals == 2 and value >= 0.01 and abs(value - amount) < 0.01
