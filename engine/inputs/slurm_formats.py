"""SLURM's value formats: time limits as sbatch reads them, durations as sacct/squeue print them, memory sizes.

Pure functions, no I/O. Each parser raises ``InputError`` (code ``ASBA-FMT-*``) naming the bad text; callers pass
``where`` (``file:line``) so the message points at the line. Semantics were checked against sbatch 22.05.8 on the
test cluster (``scontrol show job`` after ``sbatch --hold``):

* ``--time``: ``M``, ``M:S``, ``H:M:S``, ``D-H``, ``D-H:M``, ``D-H:M:S``; seconds round *up* to whole minutes
  (``1:30`` is 2 min); ``0``, ``-1``, ``UNLIMITED`` and ``INFINITE`` mean no limit; ``1-`` is one day.
  SLURM silently carries out-of-range fields (``1:99:99`` becomes 2:41:00); asba refuses them, because such a
  value is almost always a typo.
* ``--mem``: an integer with an optional ``K``/``M``/``G``/``T`` suffix (any case, optional trailing ``B``),
  default unit MiB; ``K`` rounds up to whole MiB (``500K`` is 1 MiB). Decimals are refused, as sbatch does.
"""

from __future__ import annotations

import math
import re

from asba.errors import InputError, clip

UNLIMITED_WORDS = frozenset({"UNLIMITED", "INFINITE"})
_UNIT_MB = {"K": 1 / 1024, "M": 1.0, "G": 1024.0, "T": 1024.0**2, "P": 1024.0**3}

_TIME_RE = re.compile(
    r"""^(?:(?P<days>\d{1,9})-(?P<dh>\d{0,9})(?::(?P<dm>\d{1,9}))?(?::(?P<ds>\d{1,9}))?   # D-H[:M[:S]]
        |(?P<a>\d{1,9})(?::(?P<b>\d{1,9}))?(?::(?P<c>\d{1,9}))?)$                        # M | M:S | H:M:S
    """,
    re.VERBOSE | re.ASCII,
)
# Digits are bounded before int(): a memory size in MiB must stay exact as a float and fit SQLite (2^53).
MAX_MEMORY_MB = 2**53
_MEM_RE = re.compile(r"^\s*(?P<num>\d{1,19})\s*(?:(?P<unit>[KkMmGgTt])[Bb]?)?$", re.ASCII)
_SIZE_RE = re.compile(r"^(?P<num>\d{1,19}(?:\.\d{1,9})?)(?P<unit>[KMGTP])?$", re.ASCII)
_DURATION_RE = re.compile(r"^(?:(?P<d>\d{1,9})-)?(?:(?P<h>\d{1,9}):)?(?P<m>\d{1,9}):(?P<s>\d{1,9}(?:\.\d{1,9})?)$",
                          re.ASCII)


def _bad(kind: str, text: str, where: str | None, hint: str, code: str) -> InputError:
    return InputError(f"invalid {kind} {clip(text)}", where=where, hint=hint, code=code)


TIME_HINT = "use M, M:S, H:M:S, D-H, D-H:M, D-H:M:S or UNLIMITED (e.g. --time=1-12:00:00)"


def parse_time_limit(text: str, *, where: str | None = None) -> int | None:
    """A ``--time``/``--time-min`` value → seconds (whole minutes, as SLURM stores it); None = no limit."""
    value = text.strip()
    if value.upper() in UNLIMITED_WORDS or value == "-1":
        return None
    match = _TIME_RE.match(value)
    if not match:
        raise _bad("time limit", text, where, TIME_HINT, "ASBA-FMT-001")
    g = match.groupdict()
    if g["days"] is not None:
        days, hours = int(g["days"]), int(g["dh"] or 0)
        minutes, seconds = int(g["dm"] or 0), int(g["ds"] or 0)
        _check_range(text, where, hours=(hours, 23), minutes=(minutes, 59), seconds=(seconds, 59))
    elif g["c"] is not None:
        days, hours, minutes, seconds = 0, int(g["a"]), int(g["b"]), int(g["c"])
        _check_range(text, where, minutes=(minutes, 59), seconds=(seconds, 59))
    elif g["b"] is not None:
        days, hours, minutes, seconds = 0, 0, int(g["a"]), int(g["b"])
        _check_range(text, where, seconds=(seconds, 59))
    else:
        days, hours, minutes, seconds = 0, 0, int(g["a"]), 0
    total_minutes = ((days * 24 + hours) * 60 + minutes) + (1 if seconds else 0)
    if total_minutes == 0:
        return None  # sbatch: "A time limit of zero requests that no time limit be imposed."
    return total_minutes * 60


def _check_range(text: str, where: str | None, **fields: tuple[int, int]) -> None:
    for name, (value, limit) in fields.items():
        if value > limit:
            raise InputError(
                f"invalid time limit {text!r}: {name} {value} is out of range 0-{limit}",
                where=where,
                hint=f"{TIME_HINT}; sbatch would silently carry the excess into the next field",
                code="ASBA-FMT-002",
            )


def format_time_limit(seconds: int | None) -> str:
    """Seconds → the form sbatch accepts and scontrol prints (``D-HH:MM:SS``); None → ``UNLIMITED``."""
    if seconds is None:
        return "UNLIMITED"
    minutes = math.ceil(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    clock = f"{hours:02d}:{mins:02d}:00"
    return f"{days}-{clock}" if days else clock


def parse_memory_mb(text: str, *, where: str | None = None, option: str = "--mem") -> int:
    """A ``--mem``/``--mem-per-cpu``/``--mem-per-gpu`` value → MiB, rounded up as sbatch does. 0 stays 0."""
    match = _MEM_RE.match(text)
    if not match:
        raise _bad(
            f"{option} value",
            text,
            where,
            "use a whole number with an optional K, M, G or T suffix (e.g. 64G, 1500M, 0 for the whole node)",
            "ASBA-FMT-010",
        )
    number = int(match["num"])
    unit = (match["unit"] or "M").upper()
    mb = math.ceil(number * _UNIT_MB[unit]) if number < MAX_MEMORY_MB else MAX_MEMORY_MB + 1
    if mb > MAX_MEMORY_MB:
        raise InputError(f"{option} value {clip(text)} is more memory than SLURM can hold", where=where,
                         hint=f"give at most {MAX_MEMORY_MB} MiB", code="ASBA-FMT-012")
    return mb


def format_memory(mb: int | float) -> str:
    """MiB → the shortest exact sbatch value (``64G``, ``1500M``, ``2T``)."""
    whole = math.ceil(mb)
    for unit, factor in (("T", 1024**2), ("G", 1024)):
        if whole and whole % factor == 0:
            return f"{whole // factor}{unit}"
    return f"{whole}M"


def parse_size_mb(text: str, *, default_unit: str = "M", where: str | None = None) -> float | None:
    """A size as sacct/sstat print it (``516.31M``, ``528704K``, ``1.50G``, ``0``) → MiB; empty → None.

    ``default_unit`` applies to bare numbers (``--units=M`` output uses M; AllocTRES ``mem=`` uses M; raw byte
    counts use ``B``).
    """
    value = text.strip()
    if not value:
        return None
    match = _SIZE_RE.match(value.upper())
    if not match:
        raise _bad("size", text, where, "expected a number with an optional K/M/G/T/P suffix", "ASBA-FMT-011")
    unit = match["unit"] or default_unit.upper()
    factor = 1 / 1024**2 if unit == "B" else _UNIT_MB[unit]
    return float(match["num"]) * factor


def parse_duration_s(text: str, *, where: str | None = None) -> float | None:
    """An elapsed/CPU time as sacct/squeue print it → seconds; empty, ``INVALID``, ``UNLIMITED`` → None.

    Accepts ``[D-]HH:MM:SS``, ``MM:SS``, ``MM:SS.mmm`` (sacct TotalCPU), ``M:SS`` (squeue TIME) and
    ``D-HH:MM:SS``.
    """
    value = text.strip()
    if not value or value.upper() in UNLIMITED_WORDS | {"INVALID", "NONE", "PARTITION_LIMIT"}:
        return None
    match = _DURATION_RE.match(value)
    if not match:
        raise _bad("duration", text, where, "expected [D-]HH:MM:SS, MM:SS or MM:SS.mmm", "ASBA-FMT-020")
    days = int(match["d"] or 0)
    hours = int(match["h"] or 0)
    return ((days * 24 + hours) * 60 + int(match["m"])) * 60 + float(match["s"])
