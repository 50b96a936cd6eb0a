"""``scontrol show reservation -o``: the reservations (maintenance windows among them) that can delay a job.

One line per reservation, ``Key=Value`` pairs (``ReservationName=maint StartTime=2027-01-05T08:00:00
EndTime=... Nodes=c[1-2],hm1 PartitionName=(null) Flags=MAINT,SPEC_NODES ...``); "No reservations in the
system" when there are none. Node lists are SLURM hostlists (``c[1-3,5]``), expanded here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

_PAIR = re.compile(r"(\w+)=(\S*)")
_RANGE = re.compile(r"([^\[,]+)\[([^\]]+)\]|([^,\[]+)")


@dataclass(frozen=True)
class Reservation:
    name: str
    start: float  # epoch seconds
    end: float
    nodes: tuple[str, ...]  # ("ALL",) for every node
    partition: str | None
    flags: tuple[str, ...]

    def covers(self, partition: str, partition_nodes: set[str]) -> bool:
        if self.partition and self.partition == partition:
            return True
        return "ALL" in self.nodes or bool(partition_nodes & set(self.nodes))


def parse_reservations(text: str) -> list[Reservation]:
    out = []
    for line in text.splitlines():
        pairs = dict(_PAIR.findall(line))
        if "ReservationName" not in pairs:
            continue
        out.append(Reservation(pairs["ReservationName"], _epoch(pairs["StartTime"]), _epoch(pairs["EndTime"]),
                               expand_hostlist(pairs.get("Nodes", "")), _null(pairs.get("PartitionName")),
                               tuple(f for f in pairs.get("Flags", "").split(",") if f)))
    return out


def expand_hostlist(text: str) -> tuple[str, ...]:
    """``c[1-3,5],hm1`` -> (c1, c2, c3, c5, hm1); zero padding kept (``n[01-02]`` -> n01, n02)."""
    if not text or text == "(null)":
        return ()
    names: list[str] = []
    for prefix, ranges, plain in _RANGE.findall(text):
        if plain:
            names.append(plain.strip())
            continue
        for part in ranges.split(","):
            low, _, high = part.partition("-")
            width = len(low)
            for n in range(int(low), int(high or low) + 1):
                names.append(f"{prefix}{n:0{width}d}")
    return tuple(n for n in names if n)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()  # local time, as scontrol prints it


def _null(text: str | None) -> str | None:
    return None if not text or text == "(null)" else text
