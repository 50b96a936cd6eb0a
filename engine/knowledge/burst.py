"""Burst partitions: which EC2 instance types, region and purchasing option a SLURM burst partition uses.

Two sources, both optional: asba's own ``burst_partitions`` section of the config, and the aws-plugin-for-slurm
v2 ``partitions.json`` a site already has (config key ``partitions_json``). A partition defined in both is taken
from ``partitions.json``, which is what the site's SLURM actually runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asba.errors import ConfigError, InputError, clip
from asba.yaml_limits import YamlLimitError, read_bounded

PURCHASING = ("on-demand", "spot")


@dataclass(frozen=True)
class NodeGroup:
    name: str
    region: str
    purchasing: str
    max_nodes: int | None
    instance_types: tuple[str, ...]


@dataclass(frozen=True)
class BurstPartition:
    name: str
    instance_types: tuple[str, ...]  # exact types or shell-style patterns ("c7i.*")
    region: str
    purchasing: str  # of the first node group when groups differ; see purchasing_for()
    max_nodes: int | None  # summed over node groups
    source: str  # "config FILE:LINE", "default", or "partitions.json PATH"
    node_groups: tuple[NodeGroup, ...] = ()

    def purchasing_for(self, instance_type: str) -> str:
        for group in self.node_groups:
            if instance_type in group.instance_types:
                return group.purchasing
        return self.purchasing

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "instance_types": list(self.instance_types),
            "region": self.region,
            "purchasing": self.purchasing,
            "max_nodes": self.max_nodes,
            "source": self.source,
            "node_groups": [g.__dict__ | {"instance_types": list(g.instance_types)} for g in self.node_groups],
        }


def burst_partitions(cfg: Any) -> dict[str, BurstPartition]:
    """Every burst partition the configuration defines, by name."""
    region = cfg.get("region", "us-east-1")
    found: dict[str, BurstPartition] = {}
    for name, entry in (cfg.get("burst_partitions", None) or {}).items():
        found[name] = _from_config(name, entry, region, cfg.source_of(f"burst_partitions.{name}"))
    path = cfg.get("partitions_json", None)
    if path:
        found.update(read_partitions_json(Path(path), default_region=region))
    return found


def _from_config(name: str, entry: dict[str, Any], region: str, source: str) -> BurstPartition:
    types = tuple(entry["instance_types"])
    group = NodeGroup(
        name=name,
        region=entry.get("region", region),
        purchasing=entry.get("purchasing", "on-demand"),
        max_nodes=entry.get("max_nodes"),
        instance_types=types,
    )
    return BurstPartition(name, types, group.region, group.purchasing, group.max_nodes, source, (group,))


def read_partitions_json(path: Path, default_region: str = "us-east-1") -> dict[str, BurstPartition]:
    """Parse an aws-plugin-for-slurm v2 ``partitions.json``."""
    try:
        data = json.loads(read_bounded(path))
    except FileNotFoundError:
        raise InputError(
            f"partitions.json not found: {path}", hint="fix partitions_json in your config",
            code="ASBA-BURST-001",
        ) from None
    except (OSError, UnicodeDecodeError, YamlLimitError) as exc:
        reason = exc.message if isinstance(exc, YamlLimitError) else getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"cannot read partitions.json: {reason}", where=str(path),
                          hint="point partitions_json at the plugin's JSON file", code="ASBA-BURST-002") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"partitions.json is not valid JSON: {exc.msg}", where=f"{path}:{exc.lineno}:{exc.colno}",
            hint="check commas and quotes", code="ASBA-BURST-002",
        ) from None
    except RecursionError:
        raise ConfigError("partitions.json is nested too deeply", where=str(path),
                          hint="the plugin's file is three levels deep", code="ASBA-BURST-002") from None
    partitions = data.get("Partitions") if isinstance(data, dict) else None
    if not isinstance(partitions, list):
        raise _shape_error(path, "Partitions", "a top-level \"Partitions\" list")
    found = {}
    for i, part in enumerate(partitions):
        name = part.get("PartitionName") if isinstance(part, dict) else None
        if not isinstance(name, str) or not name:
            raise _shape_error(path, f"Partitions[{i}]", "a \"PartitionName\" string")
        node_groups = part.get("NodeGroups") or []
        if not isinstance(node_groups, list):
            raise _shape_error(path, f"Partitions[{i}] ({clip(name)}).NodeGroups", "a list")
        groups = tuple(_node_group(path, f"Partitions[{i}]", g, j, default_region)
                       for j, g in enumerate(node_groups))
        if not groups:
            raise _shape_error(path, f"Partitions[{i}] ({name})", "at least one entry in \"NodeGroups\"")
        types = tuple(dict.fromkeys(t for g in groups for t in g.instance_types))
        sizes = [g.max_nodes for g in groups if g.max_nodes is not None]
        found[name] = BurstPartition(
            name=name,
            instance_types=types,
            region=groups[0].region,
            purchasing=groups[0].purchasing,
            max_nodes=sum(sizes) if sizes else None,
            source=f"partitions.json {path}",
            node_groups=groups,
        )
    return found


def _node_group(path: Path, where: str, group: Any, j: int, default_region: str) -> NodeGroup:
    here = f"{where}.NodeGroups[{j}]"
    if not isinstance(group, dict):
        raise _shape_error(path, here, "an object")
    overrides = group.get("LaunchTemplateOverrides") or []
    if not isinstance(overrides, list):
        raise _shape_error(path, f"{here}.LaunchTemplateOverrides", "a list")
    types = tuple(o["InstanceType"] for o in overrides if isinstance(o, dict) and o.get("InstanceType"))
    if not types:
        raise _shape_error(path, here, "\"LaunchTemplateOverrides\" with at least one \"InstanceType\"")
    if not all(isinstance(t, str) and 0 < len(t) <= 64 for t in types):
        raise _shape_error(path, f"{here}.LaunchTemplateOverrides", "\"InstanceType\" strings (e.g. \"c5.large\")")
    for key in ("Region", "NodeGroupName"):
        if group.get(key) is not None and not isinstance(group.get(key), str):
            raise _shape_error(path, f"{here}.{key}", "a string")
    purchasing = str(group.get("PurchasingOption", "on-demand")).lower()
    if purchasing not in PURCHASING:
        raise _shape_error(path, f"{here}.PurchasingOption", "\"spot\" or \"on-demand\"")
    max_nodes = group.get("MaxNodes")
    if max_nodes is not None and (not isinstance(max_nodes, int) or isinstance(max_nodes, bool)
                                  or not 1 <= max_nodes <= 2**31 - 1):
        raise _shape_error(path, f"{here}.MaxNodes", "a positive integer")
    return NodeGroup(
        name=str(group.get("NodeGroupName", f"group{j}")),
        region=str(group.get("Region") or default_region),
        purchasing=purchasing,
        max_nodes=max_nodes,
        instance_types=types,
    )


def _shape_error(path: Path, where: str, expected: str) -> ConfigError:
    return ConfigError(
        f"partitions.json {where} needs {expected}", where=str(path),
        hint="see the aws-plugin-for-slurm v2 README or knowledge/defaults/partitions.json", code="ASBA-BURST-003",
    )
