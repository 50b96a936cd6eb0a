"""Array index lists: expand an ``--array`` spec to its task indices, check it against MaxArraySize, and write a
list of indices back as the shortest ``--array`` value (for the split's ready-to-paste commands).

The spec grammar is sbatch's (``0-15``, ``1,3,5``, ``1-99:2``, ``[1-12]``, ``0-99%10``); the parser
(asba.inputs.sbatch_values.parse_array) has already refused malformed, reversed and zero-step values.
"""

from __future__ import annotations

import re

from asba.errors import InputError

SLURM_DEFAULT_MAX_ARRAY_SIZE = 1001  # slurm.conf(5) MaxArraySize default: indices 0..1000
_ITEM = re.compile(r"^(\d+)(?:-(\d+)(?::(\d+))?)?$")


def spec_of(text: str) -> tuple[str, int | None]:
    """(the index part, the throttle or None) of an --array value."""
    spec, _, throttle = text.strip().partition("%")
    return spec.strip().removeprefix("[").removesuffix("]"), int(throttle) if throttle.strip() else None


def ranges(text: str) -> list[tuple[int, int, int]]:
    """(low, high, step) of each comma-separated item."""
    out = []
    for item in spec_of(text)[0].split(","):
        found = _ITEM.match(item.strip())
        if not found:
            raise ValueError(f"not an array item: {item!r}")
        low = int(found[1])
        high = int(found[2]) if found[2] else low
        out.append((low, high, int(found[3]) if found[3] else 1))
    return out


def highest_index(text: str) -> int:
    return max(low + (high - low) // step * step for low, high, step in ranges(text))


def check_size(text: str, max_array_size: int, size_source: str, where: str) -> None:
    """Refuse, as SLURM does, an array with an index of MaxArraySize or more (indices run 0..MaxArraySize-1)."""
    top = highest_index(text)
    if top >= max_array_size:
        raise InputError(
            f"--array={text.strip()} has task index {top}, but MaxArraySize is {max_array_size} ({size_source}): "
            "SLURM refuses the job", where=where, code="ASBA-ARRAY-001",
            hint=f"keep every index below {max_array_size} (e.g. submit in chunks, or offset the index in the "
                 "script: $((SLURM_ARRAY_TASK_ID + OFFSET)))")


def check_submit_limit(tasks: int, queued: int, limit: int, limit_source: str, where: str) -> None:
    """Refuse, as sbatch does (QOSMaxSubmitJobPerUserLimit), an array that would take the user's queued and running
    jobs (array tasks counted) past MaxSubmitPU."""
    if queued + tasks > limit:
        raise InputError(
            f"the array's {tasks} tasks and your {queued} queued or running job(s) exceed MaxSubmitPU {limit} "
            f"({limit_source}): sbatch refuses the array", where=where, code="ASBA-ARRAY-002",
            hint=f"submit at most {max(limit - queued, 0)} task(s) now (the first part of --array), the rest later")


def indices(text: str) -> list[int]:
    """Every task index, ascending and without repeats (SLURM runs a repeated index once)."""
    found: set[int] = set()
    for low, high, step in ranges(text):
        found.update(range(low, high + 1, step))
    return sorted(found)


def compress(values: list[int]) -> str:
    """The shortest comma list of ``a-b`` / ``a-b:s`` runs covering exactly ``values`` (ascending)."""
    parts: list[str] = []
    i = 0
    while i < len(values):
        j = i
        step = values[i + 1] - values[i] if i + 1 < len(values) else 1
        while j + 1 < len(values) and values[j + 1] - values[j] == step:
            j += 1
        if j - i >= 2 or (j - i == 1 and step == 1):
            parts.append(f"{values[i]}-{values[j]}" + (f":{step}" if step != 1 else ""))
            i = j + 1
        else:
            parts.append(str(values[i]))
            i += 1
    return ",".join(parts)
