"""The text view of `asba cluster`: what the partitions offer now (the conclusion), then every fact with its source.

The source of the read (live, or a snapshot's path) and the time it was read are said once, in the header, not on
each of the fact lines; SLURM's 0 for "no limit" reads UNLIMITED, as scontrol prints it.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from asba.report import units
from asba.report.sources import short_path

_AT = re.compile(r" at (\d{4}-\d\d-\d\dT\d\d:\d\dZ)")
UNLIMITED_WHEN_ZERO = ("cluster.partition.max_nodes",)


def _value(name: str, value: Any) -> str:
    if name in UNLIMITED_WHEN_ZERO and value in (0, None):
        return "UNLIMITED"
    if name == "cluster.source":  # the header names the snapshot
        return str(value).split(" ", 1)[0]
    return str(value)


def _partitions(facts: list) -> list[dict]:
    found: list[dict] = []
    for fact in facts:
        if fact.name == "cluster.partition.name":
            found.append({"name": fact.value})
        elif fact.name.startswith("cluster.partition.") and found:
            found[-1][fact.name.removeprefix("cluster.partition.")] = fact.value
    return found


def _summary(part: dict) -> str:
    if part.get("exists") is False:
        return f"  {part['name']}: not found"
    idle, total = part.get("idle_cpus"), part.get("total_cpus")
    cpus = f"{units.count(idle)} of {units.plural(total, 'CPU')} idle" if total is not None else "CPUs unknown"
    gpus = f", {units.count(part.get('idle_gpus'))} of {units.plural(part['total_gpus'], 'GPU')} idle" \
        if part.get("total_gpus") else ""
    nodes = f", {units.plural(part['total_nodes'], 'node')}" if part.get("total_nodes") is not None else ""
    limit = f", time limit {units.duration(part['max_time_s'])}" if part.get("max_time_s") else ""
    return f"  {part['name']}: {part.get('state', '?')}, {cpus}{gpus}{nodes}{limit}"


def render(view: Any, note: str) -> list[str]:
    """Lines to print (no markup): header, one summary line per partition, the facts, what could not be read."""
    stamps = Counter(m.group(1) for f in view.facts for m in _AT.finditer(str(f.source)))
    stamp = stamps.most_common(1)[0][0] if stamps else None
    source = str(view.source)
    shown = re.sub(r"(/\S+)", lambda m: short_path(m.group(1)), source)
    lines = [f"cluster: {shown} (SLURM {view.state.version or 'version unknown'})"
             + (f", read at {stamp}" if stamp else "")]
    if note:
        lines.append(note)
    lines += [_summary(p) for p in _partitions(view.facts)]
    lines.append("")
    width = max((len(f.name) for f in view.facts), default=10)
    for fact in view.facts:
        src = str(fact.source).replace(f" ({source})", "").replace(f" at {stamp}", "")
        lines.append(f"  {fact.name:<{width}}  {_value(fact.name, fact.value):>12}  {src}")
    return lines
