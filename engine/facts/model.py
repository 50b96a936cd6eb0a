"""The fact: a named value with the place it came from.

Every number asba prints traces back to a Fact. Names are dotted and come from the shared vocabulary
(`knowledge/vocabulary/*.yaml`), e.g. ``job.total_cpus`` or ``history.cpu_efficiency_p50``.
"""

from __future__ import annotations

from dataclasses import dataclass

FactValue = bool | int | float | str | None | list


@dataclass(frozen=True)
class Fact:
    name: str
    value: FactValue
    source: str  # e.g. "job.sbatch:7 --mem=64G", "sacct job 4242", "price snapshot 2026-07-20 us-east-1"

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "source": self.source}
