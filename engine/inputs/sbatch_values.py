"""Parsers for the structured sbatch option values: node counts, GRES, GPU counts, arrays, dependencies.

Each raises ``InputError`` with the ``where`` it is given (``file:line`` of the directive) and a stable code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from asba.errors import InputError, clip
from asba.inputs.slurm_formats import parse_memory_mb

DEPENDENCY_TYPES = frozenset({"after", "afterany", "afterburstbuffer", "aftercorr", "afternotok", "afterok",
                              "singleton", "expand"})
# Counts are read as sbatch reads them (parse_int: at most INT_MAX); more digits are refused before int().
MAX_COUNT = 2**31 - 1
_NODES_RE = re.compile(r"^(\d{1,10})(?:-(\d{1,10}))?$", re.ASCII)
_INT_RE = re.compile(r"^\d{1,10}$", re.ASCII)
_ARRAY_ITEM_RE = re.compile(r"^(\d{1,10})(?:-(\d{1,10})(?::(\d{1,10}))?)?$", re.ASCII)
_JOB_ID_RE = re.compile(r"^\d{1,20}(?:_\d{1,10})?(?:\+\d{1,10})?$", re.ASCII)


def positive_int(text: str, option: str, where: str, *, allow_zero: bool = False) -> int:
    value = text.strip()
    if not _INT_RE.match(value) or (int(value) == 0 and not allow_zero) or int(value) > MAX_COUNT:
        raise InputError(f"invalid {option} value {clip(text)}", where=where, code="ASBA-SCRIPT-020",
                         hint=f"{option} takes a whole number from {0 if allow_zero else 1} to {MAX_COUNT}")
    return int(value)


def parse_nodes(text: str, where: str) -> tuple[int, int | None]:
    """``--nodes``: ``N`` or ``N-M`` -> (min, max). (sbatch 22.05 refuses ``N-``.)"""
    match = _NODES_RE.match(text.strip())
    if not match or int(match[1]) == 0 or max(int(n) for n in match.groups("0")) > MAX_COUNT:
        raise InputError(f"invalid --nodes value {clip(text)}", where=where, code="ASBA-SCRIPT-021",
                         hint="use --nodes=N or --nodes=MIN-MAX (e.g. --nodes=2-4)")
    low = int(match[1])
    if match[2] is None:
        return low, low
    high = int(match[2])
    if high < low:
        raise InputError(f"--nodes={text}: the maximum is below the minimum", where=where,
                         code="ASBA-SCRIPT-021", hint="use --nodes=MIN-MAX with MIN <= MAX")
    return low, high


@dataclass(frozen=True)
class Gres:
    name: str
    type: str | None
    count: int

    def text(self) -> str:
        return ":".join(x for x in (self.name, self.type, str(self.count)) if x)


def parse_gres(text: str, where: str) -> list[Gres]:
    """``--gres=gpu:a100:2,shard:1``; ``none`` -> []. Counts may carry K/M/G/T (e.g. ``tmpfs:100G``, in MiB)."""
    if text.strip().lower() == "none":
        return []
    out = []
    for item in text.split(","):
        parts = [p for p in item.strip().removeprefix("gres:").removeprefix("gres/").split(":")]
        if not parts[0] or len(parts) > 3 or not all(parts):
            raise _gres_error(text, where)
        name, rest = parts[0], parts[1:]
        count = 1
        if rest and re.match(r"^\d+[KkMmGgTt]?$", rest[-1], re.ASCII):
            count = _gres_count(rest.pop(), text, where)
        if len(rest) > 1:
            raise _gres_error(text, where)
        out.append(Gres(name, rest[0] if rest else None, count))
    gpus = [g for g in out if g.name == "gpu"]
    if gpus and any(g.type for g in gpus) and not all(g.type for g in gpus):
        raise InputError(f"--gres={text}: GPUs with and without a type; sbatch refuses this", where=where,
                         code="ASBA-SCRIPT-022", hint="give every gpu entry a type, or none")
    return out


def _gres_count(text: str, whole: str, where: str) -> int:
    if text.isdigit():
        return positive_int(text, f"--gres={whole} count", where, allow_zero=True)
    return parse_memory_mb(text, where=where, option=f"--gres={whole} count")


def _gres_error(text: str, where: str) -> InputError:
    return InputError(f"invalid --gres value {clip(text)}", where=where, code="ASBA-SCRIPT-022",
                      hint="use NAME[:TYPE][:COUNT][,...] (e.g. --gres=gpu:a100:2)")


def parse_gpu_count(text: str, option: str, where: str) -> tuple[int, str | None]:
    """``--gpus``/``--gpus-per-node``/``--gpus-per-task``: ``[type:]N`` (comma list summed) -> (count, type)."""
    total, types = 0, []
    for item in text.split(","):
        parts = item.strip().split(":")
        if len(parts) > 2 or not _INT_RE.match(parts[-1]) or (len(parts) == 2 and not parts[0]) \
                or total + int(parts[-1]) > MAX_COUNT:
            raise InputError(f"invalid {option} value {clip(text)}", where=where, code="ASBA-SCRIPT-023",
                             hint=f"use {option}=[TYPE:]COUNT (e.g. {option}=a100:2), at most {MAX_COUNT} GPUs")
        total += int(parts[-1])
        if len(parts) == 2 and parts[0] not in types:
            types.append(parts[0])
    return total, ",".join(types) or None


@dataclass(frozen=True)
class ArraySpec:
    count: int
    max_concurrent: int | None
    first: int
    last: int


def parse_array(text: str, where: str) -> ArraySpec:
    """``--array``: ``0-15``, ``1,3,5``, ``1-99:2``, ``[1-12]``, ``0-99%10``."""
    spec, _, throttle = text.strip().partition("%")
    spec = spec.strip().removeprefix("[").removesuffix("]")
    indices: list[tuple[int, int, int]] = []
    for item in spec.split(","):
        match = _ARRAY_ITEM_RE.match(item.strip())
        if not match:
            raise _array_error(text, where)
        low = int(match[1])
        high = int(match[2]) if match[2] else low
        step = int(match[3]) if match[3] else 1
        if high > MAX_COUNT:
            raise InputError(f"invalid --array value {clip(text)}: index {clip(str(high))} is larger than SLURM "
                             "can hold", where=where, code="ASBA-SCRIPT-024",
                             hint="array indices must stay below the cluster's MaxArraySize (SLURM's default: 1001)")
        if high < low or step == 0 or step > MAX_COUNT:
            raise _array_error(text, where)
        indices.append((low, high, step))
    count = sum((high - low) // step + 1 for low, high, step in indices)
    if count > MAX_COUNT:
        raise _array_error(text, where)
    limit = positive_int(throttle, "--array throttle (%N)", where) if throttle else None
    first = min(low for low, _, _ in indices)
    last = max(low + (high - low) // step * step for low, high, step in indices)
    return ArraySpec(count, limit, first, last)


def _array_error(text: str, where: str) -> InputError:
    return InputError(f"invalid --array value {clip(text)}", where=where, code="ASBA-SCRIPT-024",
                      hint="use ranges, lists and steps with an optional %LIMIT (e.g. --array=0-99:2%10)")


def parse_dependency(text: str, where: str) -> tuple[list[str], str]:
    """``--dependency``: ``afterok:1:2,afterany:3`` (all) or ``afterok:1?afternotok:2`` (any).

    Returns (["afterok:1", "afterok:2", ...], "all"|"any").
    """
    value = text.strip()
    mode = "any" if "?" in value else "all"
    out: list[str] = []
    for item in re.split(r"[,?]", value):
        kind, *ids = item.strip().split(":")
        if kind not in DEPENDENCY_TYPES or (kind == "singleton") == bool(ids):
            raise _dependency_error(text, where)
        if kind == "singleton":
            out.append("singleton")
            continue
        for job_id in ids:
            if not _JOB_ID_RE.match(job_id):
                raise _dependency_error(text, where)
            out.append(f"{kind}:{job_id}")
    return out, mode


def _dependency_error(text: str, where: str) -> InputError:
    return InputError(f"invalid --dependency value {clip(text)}", where=where, code="ASBA-SCRIPT-025",
                      hint="use TYPE:JOBID[:JOBID...][,TYPE:JOBID...] with TYPE one of "
                           + ", ".join(sorted(DEPENDENCY_TYPES)))
