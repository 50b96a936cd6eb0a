"""The EC2 catalog for one region: instance specs joined with prices and spot data.

Loaded on every `asba explain`, so it reads three small JSON files and builds plain records, nothing more.
Sources, in order of preference: a fresh live cache (`asba knowledge refresh`, under ``asba_home()/cache``),
then the offline snapshot shipped in ``knowledge/ec2/``. Every price carries its source and date.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asba.errors import InputError
from asba.knowledge import price_cache
from asba.knowledge.ec2_records import FIELDS
from asba.paths import knowledge_dir

DEFAULT_REGION = "us-east-1"
DEFAULT_TTL_HOURS = 24.0
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
_NFIELDS = len(FIELDS)
_SPOT = FIELDS.index("spot_supported")


@dataclass(slots=True)
class InstanceType:  # not frozen: frozen construction costs ~4x, and this runs 1,400 times per load
    instance_type: str
    vcpus: int
    cores: int
    memory_mib: int
    arch: str
    gpus: int
    gpu_model: str | None
    gpu_manufacturer: str | None
    gpu_memory_mib: int
    efa: bool
    efa_interfaces: int
    network: str
    spot_supported: bool
    burstable: bool
    current_generation: bool
    region: str
    offered: bool  # offered in `region` (False also when the region's offerings are unknown)
    on_demand_usd_per_hour: float | None
    spot_usd_per_hour: float | None
    spot_estimate: bool  # True: on-demand x (1 - Spot Advisor savings), not an observed price
    spot_savings_pct: int | None
    spot_interruption: str | None
    price_source: str
    price_date: str

    @property
    def memory_gib(self) -> float:
        return self.memory_mib / 1024

    @property
    def gpu_memory_gib(self) -> float:
        return self.gpu_memory_mib / 1024

    @property
    def family(self) -> str:
        return self.instance_type.split(".", 1)[0]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["memory_gib"] = round(self.memory_gib, 3)
        data["gpu_memory_gib"] = round(self.gpu_memory_gib, 3)
        data["family"] = self.family
        return data


@dataclass
class Catalog:
    region: str
    types: dict[str, InstanceType]
    price_source: str  # e.g. "snapshot" or "live AWS Pricing API"
    price_date: str  # YYYY-MM-DD (live: the fetch time, ISO)
    spot_source: str
    spot_date: str
    specs_source: str
    live: bool = False
    notes: list[str] = field(default_factory=list)  # e.g. why a live cache was not used

    def get(self, instance_type: str) -> InstanceType:
        try:
            return self.types[instance_type]
        except KeyError:
            close = difflib.get_close_matches(instance_type, list(self.types), n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "see `asba knowledge search`"
            raise InputError(
                f"unknown EC2 instance type '{instance_type}'", hint=hint, code="ASBA-KB-001"
            ) from None

    def __contains__(self, instance_type: object) -> bool:
        return instance_type in self.types

    def __iter__(self) -> Iterator[InstanceType]:
        return iter(self.types.values())

    def __len__(self) -> int:
        return len(self.types)

    def price_label(self) -> str:
        """One line for every output that shows a price."""
        if self.live:
            prices = f"prices: live AWS Pricing API {self.price_date}, {self.region}"
        elif self.price_date == "none":
            prices = f"prices: none for {self.region} in the snapshot"
        else:
            prices = f"prices: {self.price_source} {self.price_date}, {self.region}"
        if self.spot_source == "estimate" and self.price_date == "none":
            spot = "spot: none (the estimate needs an on-demand price)"
        elif self.spot_source == "estimate":
            spot = f"spot: estimate (on-demand x (1 - savings)) from Spot Advisor {self.spot_date}"
        else:
            spot = f"spot: {self.spot_source} {self.spot_date}"
        return f"{prices}; {spot}"


def _now() -> datetime:
    """The current time, or $ASBA_NOW (ISO, e.g. 2026-11-28T18:00:00Z) so golden outputs can pin it."""
    pinned = os.environ.get("ASBA_NOW")
    if pinned:
        try:
            return datetime.fromisoformat(pinned.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            raise InputError(f"ASBA_NOW is not an ISO time: {pinned!r}", hint="e.g. ASBA_NOW=2026-11-28T18:00:00Z",
                             code="ASBA-KB-005") from None
    return datetime.now(UTC)


def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _snapshot(region: str) -> tuple[dict, dict | None, dict | None]:
    base = knowledge_dir() / "ec2"
    instances = _read_json(base / "instances.json")
    prices_path = base / "prices" / f"{region}.json"
    advisor_path = base / "spot_advisor" / f"{region}.json"
    prices = _read_json(prices_path) if prices_path.is_file() else None
    advisor = _read_json(advisor_path) if advisor_path.is_file() else None
    return instances, prices, advisor


def load_catalog(
    region: str | None = None,
    *,
    config: Any = None,
    ttl_hours: float | None = None,
    use_cache: bool = True,
    now: datetime | None = None,
) -> Catalog:
    """The catalog for `region` (default: config `region`, else us-east-1), live cache first when fresh."""
    if config is not None:
        region = region or config.get("region", None)
        if ttl_hours is None:
            ttl_hours = config.get("knowledge.price_ttl_hours", None)
    region = region or DEFAULT_REGION
    ttl = DEFAULT_TTL_HOURS if ttl_hours is None else float(ttl_hours)
    if not REGION_RE.match(region):  # it names files: never let it be a path
        raise InputError(f"not an AWS region code: '{region}'", hint="use a region code such as us-east-1",
                         code="ASBA-KB-002")
    instances, prices, advisor = _snapshot(region)
    if region not in instances["regions"] and prices is None and advisor is None:
        close = difflib.get_close_matches(region, instances["regions"], n=1)
        raise InputError(
            f"unknown AWS region '{region}'",
            hint=f"did you mean {close[0]}?" if close else "use a region code such as us-east-1",
            code="ASBA-KB-002",
        )
    live, notes = (None, [])
    if use_cache:
        live, notes = price_cache.read_fresh(region, ttl, now or _now())
    return _assemble(region, instances, prices, advisor, live, notes)


@dataclass(frozen=True)
class _Prices:
    """Everything that prices one instance type, snapshot and live."""

    od_snapshot: dict
    snap_date: str
    live_od: dict
    live_od_date: str
    spot_rows: dict
    labels: list
    live_spot: dict

    def on_demand(self, name: str) -> tuple[float | None, str, str]:
        if name in self.live_od:
            return self.live_od[name], "live AWS Pricing API", self.live_od_date
        return self.od_snapshot.get(name), "snapshot", self.snap_date

    def spot(
        self, name: str, supported: bool, on_demand: float | None
    ) -> tuple[float | None, bool, int | None, str | None]:
        advice = self.spot_rows.get(name)
        savings = advice[0] if advice else None
        interruption = self.labels[advice[1]] if advice and advice[1] < len(self.labels) else None
        if supported and name in self.live_spot:
            return self.live_spot[name]["median"], False, savings, interruption
        if supported and on_demand is not None and savings is not None:
            return round(on_demand * (1 - savings / 100), 6), True, savings, interruption
        return None, False, savings, interruption


def _assemble(
    region: str, instances: dict, prices: dict | None, advisor: dict | None, live: dict | None, notes: list[str]
) -> Catalog:
    live = live or {}
    book = _Prices(
        od_snapshot=(prices or {}).get("on_demand", {}),
        snap_date=(prices or {}).get("date", "none"),
        live_od=live.get("on_demand") or {},
        live_od_date=live.get("on_demand_at", ""),
        spot_rows=(advisor or {}).get("linux", {}),
        labels=(advisor or {}).get("ranges", []),
        live_spot=live.get("spot") or {},
    )
    region_index = instances["regions"].index(region) if region in instances["regions"] else -1
    live_rows = live.get("instance_types") or {}
    types: dict[str, InstanceType] = {}
    for name, row in instances["types"].items():
        if name in live_rows:
            types[name] = _instance(name, live_rows[name], region, True, book)
        else:
            types[name] = _instance(name, row, region, region_index in row[-1], book)
    for name, row in live_rows.items():
        types.setdefault(name, _instance(name, row, region, True, book))
    if prices is None and not book.live_od:
        notes.append(f"the snapshot has no on-demand prices for {region}; "
                     f"run `asba knowledge refresh --region {region}`")
    return Catalog(
        region=region,
        types=types,
        price_source="live AWS Pricing API" if book.live_od else "snapshot",
        price_date=book.live_od_date if book.live_od else book.snap_date,
        spot_source="live DescribeSpotPriceHistory median" if book.live_spot else "estimate",
        spot_date=live.get("spot_at", "") if book.live_spot else (advisor or {}).get("date", "none"),
        specs_source="live DescribeInstanceTypes" if live_rows else instances.get("source", "snapshot"),
        live=bool(book.live_od),
        notes=notes,
    )


def _instance(name: str, row: list, region: str, offered: bool, book: _Prices) -> InstanceType:
    on_demand, source, date = book.on_demand(name)
    spot, estimate, savings, interruption = book.spot(name, bool(row[_SPOT]), on_demand)
    # positional: the row is ordered as FIELDS, which InstanceType's fields follow (a test checks this);
    # mypy cannot count the fields a list unpacks, hence the ignore
    return InstanceType(  # type: ignore[call-arg]
        name, *row[:_NFIELDS], region, offered, on_demand, spot, estimate, savings, interruption, source,
        date or "none",
    )
