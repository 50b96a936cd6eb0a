"""How numbers read in asba's output: the one formatter every renderer uses.

One spelling per quantity, chosen here and nowhere else:

* money: whole cents ($1,234.56); a non-zero amount below one cent in two significant figures ($0.0033), never
  "$0.00" for something that costs money. Figures are rounded once, here: callers pass the unrounded amount.
* memory: GiB (1024 MiB), the unit SLURM's ``--mem=64G`` means. Below 10 GiB one decimal (``1.5 GiB``), from
  10 GiB whole GiB (``121 GiB``), an exact whole number without decimals (``2 GiB``); below 1 GiB in MiB
  (``500 MiB``). Never six decimals.
* durations: ``3h 12m``, ``45m``, ``2d 4h``, ``17s``; never "0m" for a non-zero duration.
* counts: thousands separators (``270,581``) and the right plural (``1 run``, ``5 runs``); measured amounts
  (core-hours) in at most three significant figures (``1,234``, ``12.3``, ``0.0412``).
"""

from __future__ import annotations

MIB_PER_GIB = 1024


def duration(seconds: float | None) -> str:
    """3h 12m, 45m, 2d 4h; never rounds a non-zero duration to '0m'."""
    if seconds is None:
        return "unknown"
    minutes = int(round(seconds / 60))
    if minutes == 0:
        return f"{int(round(seconds))}s"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


def hours(seconds: float | None) -> str:
    return "unknown" if seconds is None else f"{seconds / 3600:.1f}h"


def usd(amount: float | None) -> str:
    """$12.34 (cents, with thousands separators); $0.0033 below a cent (two significant figures)."""
    if amount is None:
        return "n/a"
    if 0 < abs(amount) < 0.01:  # would print as $0.00 or $0.01: say how much instead
        sign = "-" if amount < 0 else ""
        return f"{sign}${float(f'{abs(amount):.2g}'):f}".rstrip("0")
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def usd_rate(amount: float | None, per: str = "h") -> str:
    """A price per unit of time: '$0.77/h'; 'n/a' (not 'n/a/h') when there is no price."""
    return "n/a" if amount is None else f"{usd(amount)}/{per}"


def gib(value_gib: float | None) -> str:
    """A memory size given in GiB, by the rule in the module docstring."""
    if value_gib is None:
        return "unknown"
    if 0 < value_gib < 1:
        return f"{value_gib * MIB_PER_GIB:.0f} MiB"
    if value_gib == int(value_gib) or value_gib >= 10:
        return f"{value_gib:,.0f} GiB"
    return f"{value_gib:.1f} GiB"


def mem(mb: float | None) -> str:
    """A memory size given in MiB (SLURM's unit); 'partition default' when none was asked for."""
    if mb is None:
        return "partition default"
    return gib(mb / MIB_PER_GIB)


def pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.0f}%"


def count(n: int | float | None) -> str:
    """270,581; 'unknown' for None."""
    if n is None:
        return "unknown"
    return f"{n:,.0f}" if float(n) == int(n) else f"{n:,.1f}"


def amount(x: float | None) -> str:
    """A measured quantity such as core-hours: 1,234 / 12.3 / 1.23 / 0.012 (three significant figures at most,
    whole numbers from 100, thousands separators); '-' when unknown."""
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if x == 0:
        return "0"
    return f"{float(f'{x:.3g}'):g}"


def plural(n: int | float | None, noun: str, nouns: str | None = None) -> str:
    """'1 run', '5 runs', '0 runs', '1 CPU', '2 CPUs'; an irregular plural is passed: plural(n, 'was', 'were')."""
    many = nouns if nouns is not None else noun + "s"
    return f"{count(n)} {noun if n == 1 else many}"


def limit(value: int | None, unlimited: str = "UNLIMITED") -> str:
    """A SLURM limit where 0 or None means there is none (MaxNodes=UNLIMITED): never prints 'max_nodes 0'."""
    return unlimited if not value else count(value)
