"""Text views of the catalog and of instance matches, as rich renderables (the CLI prints them)."""

from __future__ import annotations

from typing import Any

from asba.knowledge.catalog import InstanceType
from asba.knowledge.matching import Match


def _usd(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"${value:,.{digits}f}"


def instance_lines(inst: InstanceType, price_label: str) -> list[str]:
    offered = "offered" if inst.offered else "NOT offered in this region"
    lines = [
        f"{inst.instance_type}  ({inst.region}, {offered}{'' if inst.current_generation else ', previous generation'})",
        f"  vCPUs {inst.vcpus} ({inst.cores} cores), memory {inst.memory_gib:g} GiB, {inst.arch}",
    ]
    if inst.gpus:
        lines.append(f"  GPUs {inst.gpus} x {inst.gpu_manufacturer or ''} {inst.gpu_model} "
                     f"({inst.gpu_memory_gib:g} GiB each)".replace("  (", " ("))
    efa = f"yes ({inst.efa_interfaces} interface{'s' if inst.efa_interfaces != 1 else ''})" if inst.efa else "no"
    lines.append(f"  network {inst.network or 'unknown'}, EFA {efa}")
    lines.append(f"  on-demand {_usd(inst.on_demand_usd_per_hour)}/h ({inst.price_source} {inst.price_date})")
    if not inst.spot_supported:
        lines.append("  spot: not supported for this type")
    else:
        kind = f"estimate: {inst.spot_savings_pct}% savings" if inst.spot_estimate else "observed median across AZs"
        spot = f"{_usd(inst.spot_usd_per_hour)}/h ({kind})" if inst.spot_usd_per_hour is not None else "no price"
        lines.append(f"  spot {spot}, interruption {inst.spot_interruption or 'unknown'}")
    lines.append(price_label)
    return lines


COLUMNS = ("type", "nodes", "vCPU", "mem GiB", "GPUs", "EFA", "arch", "on-demand/h", "spot/h", "job on-demand",
           "job spot", "waste", "interruption")
_LEFT = {"type", "GPUs", "EFA", "arch", "interruption"}


def match_rows(match: Match, limit: int) -> list[list[str]]:
    rows = []
    for o in match.options[:limit]:
        star = "*" if o.spot_estimate else ""
        rows.append([
            o.instance_type, str(o.nodes_needed), str(o.vcpus), f"{o.memory_gib:g}",
            f"{o.gpus}x {o.gpu_model}" if o.gpus else "-", "yes" if o.efa else "no", o.arch,
            _usd(o.on_demand_usd_per_hour), _usd(o.spot_usd_per_hour) + (star if o.spot_usd_per_hour else ""),
            _usd(o.on_demand_usd, 2), _usd(o.spot_usd, 2) + (star if o.spot_usd is not None else ""),
            f"{o.packing_waste_pct:g}%", o.spot_interruption or "-",
        ])
    return rows


def table_lines(header: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    """A plain aligned table: one line per row, never wrapped, the same in a terminal and a pipe."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    def line(cells) -> str:
        return "  ".join(c.ljust(w) if h in _LEFT else c.rjust(w) for c, w, h in zip(cells, widths, header)).rstrip()
    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def match_lines(match: Match, partition: Any, purchasing: str, limit: int) -> list[str]:
    scope = f"burst partition {partition.name} ({partition.source})" if partition else f"EC2 catalog, {match.region}"
    out: list[str] = [f"searching {scope}; sorted by {purchasing} price"]
    if not match.options:
        out.append(f"no instance type fits: {match.reason_none}")
    else:
        out.append(f"instance types for {match.need.describe()}, job of {match.runtime_s / 3600:g} h:")
        out.extend(table_lines(COLUMNS, match_rows(match, limit)))
        shown = min(limit, len(match.options))
        if len(match.options) > shown:
            out.append(f"{shown} of {len(match.options)} feasible types shown (--limit N for more)")
        if any(o.spot_estimate for o in match.options[:limit]):
            out.append("* spot = estimate: on-demand x (1 - Spot Advisor savings), not an observed price")
    out.append(match.price_label)
    return out
