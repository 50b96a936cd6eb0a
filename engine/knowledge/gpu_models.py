"""GPU models (knowledge/gpu_models.yaml): memory per GPU and relative speed, each with its cited source.

`model_for` finds a model by a SLURM gres type (``a100``, ``A100-SXM4-80GB``) or an EC2 catalog GPU name,
`for_instance` by an EC2 instance type (``g6.12xlarge`` -> L4). Errors in the file are one ConfigError with
code ASBA-KB-GPU-00N.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from asba.errors import ConfigError

FIELDS = ("name", "memory_gib", "relative_speed", "source")


@dataclass(frozen=True)
class GpuModel:
    key: str
    name: str
    memory_gib: float
    relative_speed: float  # peak dense FP16/BF16 tensor throughput / the reference model's
    source: str
    aliases: tuple[str, ...]
    ec2_families: tuple[str, ...]


@dataclass(frozen=True)
class GpuModels:
    reference: str
    models: dict[str, GpuModel]

    def model_for(self, name: str | None) -> GpuModel | None:
        """The model a gres type or catalog GPU name means; None when unknown or empty."""
        wanted = norm(name)
        if not wanted:
            return None
        return next((m for m in self.models.values() if wanted in m.aliases or wanted == norm(m.key)), None)

    def for_instance(self, instance_type: str) -> GpuModel | None:
        family = instance_type.partition(".")[0]
        return next((m for m in self.models.values() if family in m.ec2_families), None)


def norm(name: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


def _model(key: str, body: object, where: str) -> GpuModel:
    if not isinstance(body, dict) or any(f not in body for f in FIELDS):
        raise ConfigError(f"GPU model '{key}' needs {', '.join(FIELDS)}", where=where, code="ASBA-KB-GPU-002",
                          hint="see the comment at the top of knowledge/gpu_models.yaml")
    memory, speed = body["memory_gib"], body["relative_speed"]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 1e4 for v in (memory, speed)):
        raise ConfigError(f"GPU model '{key}': memory_gib and relative_speed must be positive numbers",
                          where=where, code="ASBA-KB-GPU-003", hint="write e.g. memory_gib: 24")
    if not str(body["source"]).strip():
        raise ConfigError(f"GPU model '{key}' cites no source", where=where, code="ASBA-KB-GPU-004",
                          hint="name the datasheet or benchmark the figures come from")
    aliases = tuple(norm(a) for a in body.get("aliases") or ()) + (norm(key),)
    return GpuModel(key, str(body["name"]), float(memory), float(speed), str(body["source"]), aliases,
                    tuple(str(f) for f in body.get("ec2") or ()))


def load_gpu_models(path: Path | None = None) -> GpuModels:
    import yaml

    if path is None:
        from asba.paths import knowledge_dir

        path = knowledge_dir() / "gpu_models.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the GPU model table: {exc}", where=str(path), code="ASBA-KB-GPU-001",
                          hint="restore knowledge/gpu_models.yaml") from None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict) or data.get("reference") not in models:
        raise ConfigError("the GPU model table needs 'models:' and a 'reference:' among them", where=str(path),
                          code="ASBA-KB-GPU-001", hint="restore knowledge/gpu_models.yaml")
    return GpuModels(str(data["reference"]), {k: _model(str(k), v, str(path)) for k, v in models.items()})


@lru_cache(maxsize=1)
def builtin() -> GpuModels:
    return load_gpu_models()
