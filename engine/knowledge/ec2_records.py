"""One compact row per EC2 instance type, built from a `DescribeInstanceTypes` record.

The offline build (`scripts/build_knowledge.py`) and the live refresh (`asba knowledge refresh`) both turn the
API's nested records into the same flat row, so the catalog reads one format whatever the source.
"""

from __future__ import annotations

from typing import Any

# Order of the values in a compact row. Changing it is a format change: bump FORMAT.
FIELDS: tuple[str, ...] = (
    "vcpus",
    "cores",
    "memory_mib",
    "arch",
    "gpus",
    "gpu_model",
    "gpu_manufacturer",
    "gpu_memory_mib",
    "efa",
    "efa_interfaces",
    "network",
    "spot_supported",
    "burstable",
    "current_generation",
)
FORMAT = 1


def primary_arch(architectures: list[str]) -> str:
    """The architecture a batch job would target: arm64 or x86_64 (mac types keep their own label)."""
    for arch in ("arm64", "x86_64", "arm64_mac", "x86_64_mac"):
        if arch in architectures:
            return arch
    return architectures[0] if architectures else "unknown"


def _gpu_summary(record: dict[str, Any]) -> tuple[int, str | None, str | None, int]:
    gpus = (record.get("GpuInfo") or {}).get("Gpus") or []
    if not gpus:
        return 0, None, None, 0
    count = sum(int(g.get("Count", 0)) for g in gpus)
    first = gpus[0]
    per_gpu_mib = int((first.get("MemoryInfo") or {}).get("SizeInMiB", 0))
    return count, first.get("Name"), first.get("Manufacturer"), per_gpu_mib


def compact_row(record: dict[str, Any]) -> list[Any]:
    """Flatten one `InstanceTypes[]` record into a row ordered as FIELDS."""
    vcpu = record.get("VCpuInfo") or {}
    net = record.get("NetworkInfo") or {}
    gpus, gpu_model, gpu_maker, gpu_mib = _gpu_summary(record)
    vcpus = int(vcpu.get("DefaultVCpus", 0))
    return [
        vcpus,
        int(vcpu.get("DefaultCores", vcpus)),
        int((record.get("MemoryInfo") or {}).get("SizeInMiB", 0)),
        primary_arch((record.get("ProcessorInfo") or {}).get("SupportedArchitectures") or []),
        gpus,
        gpu_model,
        gpu_maker,
        gpu_mib,
        bool(net.get("EfaSupported", False)),
        int((net.get("EfaInfo") or {}).get("MaximumEfaInterfaces", 0)),
        net.get("NetworkPerformance", ""),
        "spot" in (record.get("SupportedUsageClasses") or []),
        bool(record.get("BurstablePerformanceSupported", False)),
        bool(record.get("CurrentGeneration", False)),
    ]
