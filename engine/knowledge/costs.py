"""Local cost model: what a job costs on the local cluster, from the config's per-partition rates.

usd = (cpus x cpu_hour_usd + GB x gb_hour_usd + gpus x gpu_hour_usd[type] + nodes x node_hour_usd)
      x hours x overhead_factor x 0.85 / utilisation

The rates are per allocated hour at 85 % utilisation (the utilisation DOE Magellan's $0.018 per core-hour
assumes; knowledge/defaults/cost_sources.yaml cites every default): a cluster used less spreads its fixed cost
over fewer hours. ``recharge_cpu_hour_usd``, when a site sets it, is what users are charged, shown beside the
full cost (``recharge``), never instead of it.

A partition without its own entry, or an entry that leaves a field out, takes it from ``cost_model.default``.
`used_default` is True when any rate used came from asba's embedded defaults rather than a config file, so the
output can say "local cost: asba's default cost model (set cost_model in your config)".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asba.errors import ConfigError

RATE_FIELDS = ("cpu_hour_usd", "gb_hour_usd", "gpu_hour_usd", "node_hour_usd", "overhead_factor")
REFERENCE_UTILISATION = 0.85  # DOE Magellan's full-cost figure assumes it


@dataclass(frozen=True)
class Cost:
    usd: float
    breakdown: dict[str, float]  # cpu, memory, gpu, node (before overhead), overhead
    used_default: bool
    sources: dict[str, str] = field(default_factory=dict)  # rate -> config source ("default", "FILE:LINE")

    def as_dict(self) -> dict[str, Any]:
        return {"usd": self.usd, "breakdown": self.breakdown, "used_default": self.used_default,
                "sources": self.sources}


def _rate(cfg: Any, partition: str, name: str) -> tuple[Any, str]:
    models = cfg.get("cost_model", None) or {}
    for entry in (partition, "default"):
        if name in (models.get(entry) or {}):
            return models[entry][name], cfg.source_of(f"cost_model.{entry}.{name}")
    raise ConfigError(
        f"no local cost rate '{name}' for partition '{partition}' and no cost_model.default",
        hint=f"add cost_model.default.{name} to your config", code="ASBA-COST-001",
    )


def _gpu_rate(cfg: Any, partition: str, gpu_type: str | None) -> tuple[float, str]:
    rate, source = _rate(cfg, partition, "gpu_hour_usd")
    if not isinstance(rate, dict):
        return float(rate), source
    key = (gpu_type or "").lower()
    for entry in (partition, "default"):
        table = (cfg.get("cost_model", None) or {}).get(entry, {}).get("gpu_hour_usd")
        if isinstance(table, dict) and key in table:
            return float(table[key]), cfg.source_of(f"cost_model.{entry}.gpu_hour_usd.{key}")
    if "default" in rate:
        return float(rate["default"]), source
    raise ConfigError(
        f"no GPU-hour rate for GPU type '{gpu_type}' on partition '{partition}'",
        hint=f"add cost_model.{partition}.gpu_hour_usd.{key or 'default'}", code="ASBA-COST-002",
    )


def local_cost(
    cfg: Any,
    partition: str,
    *,
    cpus: int,
    mem_mb: float,
    gpus: int = 0,
    gpu_type: str | None = None,
    nodes: int = 1,
    runtime_s: float,
) -> Cost:
    """Cost in USD of running the whole job (totals over all nodes) on local `partition` for `runtime_s`."""
    hours = max(0.0, runtime_s) / 3600
    sources: dict[str, str] = {}
    rates: dict[str, float] = {}
    for name in ("cpu_hour_usd", "gb_hour_usd", "node_hour_usd", "overhead_factor"):
        value, sources[name] = _rate(cfg, partition, name)
        rates[name] = float(value)
    if gpus:
        rates["gpu_hour_usd"], sources["gpu_hour_usd"] = _gpu_rate(cfg, partition, gpu_type)
    base = {
        "cpu": cpus * rates["cpu_hour_usd"] * hours,
        "memory": mem_mb / 1024 * rates["gb_hour_usd"] * hours,
        "gpu": gpus * rates.get("gpu_hour_usd", 0.0) * hours,
        "node": nodes * rates["node_hour_usd"] * hours,
    }
    scale, sources["utilisation"] = utilisation_scale(cfg, partition)
    base = {k: v * scale for k, v in base.items()}
    subtotal = sum(base.values())
    breakdown = {k: round(v, 4) for k, v in base.items()}
    breakdown["overhead"] = round(subtotal * (rates["overhead_factor"] - 1), 4)
    used_default = any(src == "default" for name, src in sources.items() if name != "utilisation")
    return Cost(round(subtotal * rates["overhead_factor"], 4), breakdown, used_default, sources)


def _optional(cfg: Any, partition: str, name: str) -> tuple[Any, str] | None:
    models = cfg.get("cost_model", None) or {}
    for entry in (partition, "default"):
        if (models.get(entry) or {}).get(name) is not None:
            return models[entry][name], cfg.source_of(f"cost_model.{entry}.{name}")
    return None


def utilisation_scale(cfg: Any, partition: str) -> tuple[float, str]:
    """0.85 / utilisation (1.0 when no utilisation is configured), and where the utilisation came from."""
    found = _optional(cfg, partition, "utilisation")
    if found is None:
        return 1.0, "default"
    return REFERENCE_UTILISATION / float(found[0]), found[1]


def recharge(cfg: Any, partition: str, cpus: int, runtime_s: float) -> tuple[float, str] | None:
    """What the site charges the user (recharge_cpu_hour_usd x CPUs x hours), when it sets a recharge rate."""
    found = _optional(cfg, partition, "recharge_cpu_hour_usd")
    if found is None:
        return None
    return float(found[0]) * cpus * max(0.0, runtime_s) / 3600, found[1]
