"""Local cost model: what a job costs on the local cluster, from the config's per-partition rates.

usd = (cpus x cpu_hour_usd + GB x gb_hour_usd + gpus x gpu_hour_usd[type] + nodes x node_hour_usd)
      x hours x overhead_factor

A partition without its own entry, or an entry that leaves a field out, takes it from ``cost_model.default``.
`used_default` is True when any rate used came from asba's embedded defaults rather than a config file, so the
output can say "local cost: asba's default cost model (set cost_model in your config)".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asba.errors import ConfigError

RATE_FIELDS = ("cpu_hour_usd", "gb_hour_usd", "gpu_hour_usd", "node_hour_usd", "overhead_factor")


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
    subtotal = sum(base.values())
    breakdown = {k: round(v, 4) for k, v in base.items()}
    breakdown["overhead"] = round(subtotal * (rates["overhead_factor"] - 1), 4)
    used_default = any(src == "default" for src in sources.values())
    return Cost(round(subtotal * rates["overhead_factor"], 4), breakdown, used_default, sources)
