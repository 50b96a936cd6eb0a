"""Value formats that sacct prints, parsed into plain numbers.

Durations (``MM:SS.mmm``, ``HH:MM:SS``, ``D-HH:MM:SS``), memory with K/M/G/T/P suffixes (``516.31M``,
``140K``, ``0``), ReqMem with the pre-21.08 per-CPU / per-node suffix (``4000Mc``, ``1Gn``, ``0n``), TRES
strings (``billing=2,cpu=2,mem=200M,node=1,gres/gpu=1``), exit codes ``code:signal``, states such as
``CANCELLED by 0``, and timestamps that may be ``Unknown`` or ``None``. Every parser returns ``None`` for an
empty or unknown value and raises ValueError for text that is not the format at all, so the caller can
report the line.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import lru_cache

from asba.errors import clip

# Largest integer SQLite stores (and so the history can hold); anything at or above is refused as a value.
INT_LIMIT = 1 << 63
_MEM_FACTOR_MB = {"K": 1 / 1024, "M": 1.0, "G": 1024.0, "T": 1024.0**2, "P": 1024.0**3}
_UNSET = frozenset(("", "Unknown", "None", "UNLIMITED", "Partition_Limit", "INVALID", "NONE"))


_WHOLE = re.compile(r"\d{1,9}", re.ASCII)
_SECONDS = re.compile(r"\d{1,9}(?:\.\d{1,9})?", re.ASCII)


def shown(text: str, limit: int = 40) -> str:
    """A value as an error message quotes it: repr, cut to `limit` characters (a value may be huge)."""
    return clip(text, limit)


def quantity(text: str, whole: str | None = None) -> float:
    """A non-negative finite number (sacct prints plain decimals); ValueError for anything else.

    `whole` is the value it was cut from (``infK``), quoted in the message."""
    try:
        value = float(text) if len(text) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not 0.0 <= value < math.inf:  # also False for NaN
        raise ValueError(f"not a finite non-negative number: {shown(text if whole is None else whole)}")
    return value


def integer(text: str) -> int:
    """A non-negative integer that fits the store (below 2^63); ValueError for anything else."""
    if len(text) > 20 or not text.isascii() or not text.strip().isdigit():
        raise ValueError(f"not a non-negative integer: {shown(text)}")
    value = int(text)
    if value >= INT_LIMIT:
        raise ValueError(f"integer too large: {shown(text)}")
    return value


def duration_s(text: str) -> float | None:
    """Seconds in a sacct duration: ``[D-][HH:]MM:SS[.mmm]``. ``UNLIMITED``/empty -> None."""
    n = len(text)
    if n == 8 and text[2] == ":" and text[5] == ":" and text.isascii():  # HH:MM:SS (most values): no split
        head, mid, tail = text[:2], text[3:5], text[6:]
        if head.isdigit() and mid.isdigit() and tail.isdigit():
            return int(head) * 3600 + int(mid) * 60 + float(tail)
    if n == 9 and text[2] == ":" and text[5] == "." and text.isascii():  # MM:SS.mmm
        head, tail = text[:2], text[3:]
        if head.isdigit() and tail[:2].isdigit() and tail[3:].isdigit():
            return int(head) * 60 + float(tail)
    if not text or text in _UNSET:
        return None
    days = 0
    rest = text
    if "-" in text:
        day_text, _, rest = text.partition("-")
        days = _whole(day_text, text)
    parts = rest.split(":")
    if len(parts) in (2, 3) and _SECONDS.fullmatch(parts[-1]):
        seconds = float(parts[-1]) + _whole(parts[-2], text) * 60
        if len(parts) == 3:
            seconds += _whole(parts[0], text) * 3600
    elif len(parts) == 1 and "-" in text:
        seconds = _whole(parts[0], text) * 3600
    else:
        raise ValueError(f"not a duration: {shown(text)}")
    return days * 86400 + seconds


def _whole(part: str, text: str) -> int:
    if not _WHOLE.fullmatch(part):
        raise ValueError(f"not a duration: {shown(text)}")
    return int(part)


def memory_mb(text: str) -> float | None:
    """MiB in a sacct memory value (``516.31M``, ``140K``, ``2G``, ``0``).

    A bare number is taken as KiB: that is MaxRSS's unit when sacct prints no suffix (it does so for 0).
    """
    if not text or text in _UNSET:
        return None
    unit = text[-1]
    factor = _MEM_FACTOR_MB.get(unit.upper())
    if factor is None:
        return quantity(text) / 1024
    return quantity(text[:-1], text) * factor


@lru_cache(maxsize=4096)
def req_mem(text: str) -> tuple[float | None, str]:
    """ReqMem as (MiB, scope): scope 'c' per CPU, 'n' per node, '' total (SLURM >= 21.08 prints totals)."""
    if not text or text in _UNSET:
        return None, ""
    scope = ""
    if text[-1] in "cn":
        scope = text[-1]
        text = text[:-1]
    if text and text[-1].upper() in _MEM_FACTOR_MB:
        return quantity(text[:-1], text) * _MEM_FACTOR_MB[text[-1].upper()], scope
    return quantity(text), scope  # ReqMem without a unit is in MiB


@lru_cache(maxsize=8192)
def tres(text: str) -> dict[str, str]:
    """A TRES string as a dict: ``cpu=2,mem=200M,gres/gpu=1`` -> {'cpu': '2', 'mem': '200M', ...}.

    Cached (jobs repeat the same few allocations): callers must not change the dict."""
    if not text:
        return {}
    out: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"not a TRES item: {shown(item)}")
        out[key] = value
    return out


def tres_mem_mb(text: str) -> float | None:
    """The ``mem=`` item of a TRES string in MiB, found without splitting the whole string (hot path)."""
    if text.startswith("mem="):
        start = 4
    else:
        start = text.find(",mem=")
        if start < 0:
            return None
        start += 5
    end = text.find(",", start)
    return memory_mb(text[start:] if end < 0 else text[start:end])


@lru_cache(maxsize=4096)
def tres_gpus_of(text: str) -> int:
    """GPUs in a TRES string (cached)."""
    return tres_gpus(tres(text)) if "gres/gpu" in text else 0


def tres_gpus(items: dict[str, str]) -> int:
    """GPUs in a TRES dict: ``gres/gpu`` (the total), else the sum of typed ``gres/gpu:TYPE`` entries."""
    if "gres/gpu" in items:
        return integer(items["gres/gpu"])
    total = sum(integer(v) for k, v in items.items() if k.startswith("gres/gpu:"))
    if total >= INT_LIMIT:
        raise ValueError("GPU count too large")
    return total


def exit_code(text: str) -> tuple[int | None, int | None]:
    """``3:0`` -> (3, 0); ``0:125`` -> (0, 125). Empty -> (None, None)."""
    if not text:
        return None, None
    code, sep, signal = text.partition(":")
    return integer(code), (integer(signal) if sep else 0)


def state(text: str) -> tuple[str, int | None]:
    """``CANCELLED by 1234`` -> ('CANCELLED', 1234); ``COMPLETED`` -> ('COMPLETED', None)."""
    if " by " in text:
        name, _, uid = text.partition(" by ")
        uid = uid.strip()
        return name.strip().upper(), int(uid) if uid.isascii() and uid.isdigit() and len(uid) < 19 else None
    return text.strip().upper(), None


def timestamp(text: str) -> int | None:
    """Epoch seconds (UTC) of a sacct time ``2026-11-28T17:20:56``; ``Unknown``/``None``/empty -> None.

    sacct prints local time without a zone; asba stores it as if UTC so that differences (queue wait,
    elapsed) are exact and the printed times read the same as sacct's.
    """
    if len(text) == 19 and text[10] == "T" and text[14:16].isdigit() and text[17:19].isdigit() and text.isascii() \
            and text[:4] >= "1970":
        return _hour_epoch(text[:13]) + int(text[14:16]) * 60 + int(text[17:19])
    if not text or text in _UNSET:
        return None
    if len(text) > 40:
        raise ValueError(f"not a time: {shown(text)}")
    try:
        epoch = int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"not a time: {shown(text)}") from None
    if epoch < 0:  # before 1970: no SLURM job ran then
        raise ValueError(f"not a time sacct prints: {shown(text)}")
    return epoch


@lru_cache(maxsize=8192)
def _hour_epoch(hour: str) -> int:
    """``2026-11-28T17`` in epoch seconds: a dump's times are close together, so nearly all are cache hits."""
    try:
        return int(datetime.fromisoformat(hour).replace(tzinfo=UTC).timestamp())
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"not a time: {shown(hour)}") from None


def iso(epoch: int | None) -> str | None:
    """Inverse of timestamp(): the sacct-style time text, or None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


def time_limit_s(text: str) -> int | None:
    """Timelimit (``00:05:00``, ``2-00:00:00``, ``UNLIMITED``) in seconds."""
    value = duration_s(text)
    return None if value is None else int(value)


def count(text: str) -> int | None:
    """A non-negative integer field that may be empty."""
    return integer(text) if text else None
