"""The live price cache: what `asba knowledge refresh` fetched, per region, with when it was fetched.

One JSON file per region under ``asba_home()/cache/``. Each part (on-demand prices, spot prices, instance
specs) keeps its own timestamp, so a partial refresh (say, spot history throttled) never passes old data off
as new. A part is used ahead of the snapshot only while younger than the TTL.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asba.errors import StoreError
from asba.paths import asba_home

PARTS = ("on_demand", "spot", "instance_types")
FORMAT = 1


def cache_path(region: str) -> Path:
    return asba_home() / "cache" / f"aws-{region}.json"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _read(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("parts"), dict):
        raise ValueError("not an asba price cache")
    return data


def read_fresh(region: str, ttl_hours: float, now: datetime) -> tuple[dict[str, Any] | None, list[str]]:
    """Fresh parts as ``{part: data, part + "_at": iso}``, or None; plus notes on what was not used and why."""
    path = cache_path(region)
    if not path.is_file():
        return None, []
    try:
        parts = _read(path)["parts"]
    except (OSError, ValueError) as exc:
        return None, [f"live price cache {path} is unreadable ({exc}); using the snapshot"]
    fresh: dict[str, Any] = {}
    stale: list[str] = []
    for name in PARTS:
        part = parts.get(name)
        if not part:
            continue
        try:
            age = now - parse_iso(part["fetched_at"])
        except (KeyError, TypeError, ValueError):
            stale.append(f"{name} (no valid timestamp)")
            continue
        if age <= timedelta(hours=ttl_hours):
            fresh[name], fresh[f"{name}_at"] = part["data"], part["fetched_at"]
        else:
            stale.append(f"{name} from {part['fetched_at']}")
    notes = [f"live cache older than the {ttl_hours:g} h TTL, not used: {', '.join(stale)}"] if stale else []
    return (fresh or None), notes


def write_parts(region: str, parts: dict[str, Any], fetched_at: datetime) -> Path:
    """Store the parts that a refresh got; parts it did not get keep their earlier data and timestamp."""
    path = cache_path(region)
    try:
        existing = _read(path)["parts"] if path.is_file() else {}
    except (OSError, ValueError):
        existing = {}
    stamp = iso(fetched_at)
    for name, data in parts.items():
        existing[name] = {"fetched_at": stamp, "data": data}
    doc = {"format": FORMAT, "region": region, "parts": existing}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash never leaves half a cache
    except OSError as exc:
        raise StoreError(
            f"cannot write the price cache: {exc}", where=str(path), hint="check ASBA_HOME is writable",
            code="ASBA-KB-010",
        ) from exc
    return path
