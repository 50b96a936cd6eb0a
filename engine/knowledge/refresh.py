"""`asba knowledge refresh`: fetch live prices and specs for a region and cache each part that succeeded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asba.knowledge import price_cache


@dataclass
class RefreshResult:
    region: str
    fetched_at: datetime
    counts: dict[str, int] = field(default_factory=dict)  # part -> entries stored
    problems: list[str] = field(default_factory=list)  # one line per part that failed
    path: Path | None = None

    @property
    def complete(self) -> bool:
        return not self.problems and len(self.counts) == len(price_cache.PARTS)

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "fetched_at": price_cache.iso(self.fetched_at),
            "stored": self.counts,
            "problems": self.problems,
            "cache": str(self.path) if self.path else None,
            "complete": self.complete,
        }


def refresh(
    region: str,
    *,
    pricing: Any = None,
    ec2: Any = None,
    profile: str | None = None,
    now: datetime | None = None,
) -> RefreshResult:
    """Fetch the three parts independently; store those that arrived whole, report the others."""
    from asba.inputs import aws

    if pricing is None or ec2 is None:
        try:
            pricing, ec2 = aws.clients(region, profile)
        except Exception as exc:  # noqa: BLE001 - e.g. an unknown profile
            problem = aws.describe(exc, "prices")
            return RefreshResult(region, now or datetime.now(UTC),
                                 problems=[f"nothing refreshed: {problem.reason}"])
    now = now or datetime.now(UTC)
    result = RefreshResult(region, now)
    fetchers = {
        "on_demand": lambda: aws.fetch_on_demand(pricing, region),
        "spot": lambda: aws.fetch_spot(ec2, now),
        "instance_types": lambda: aws.fetch_instance_types(ec2),
    }
    parts: dict[str, Any] = {}
    for name, fetch in fetchers.items():
        try:
            parts[name] = fetch()
        except aws.AwsProblem as problem:
            if problem.fatal:  # say it once, not once per call
                result.problems.append(f"nothing refreshed: {problem.reason}")
                break
            result.problems.append(str(problem))
            continue
        result.counts[name] = len(parts[name])
    if parts:
        result.path = price_cache.write_parts(region, parts, now)
    return result
