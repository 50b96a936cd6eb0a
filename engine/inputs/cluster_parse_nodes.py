"""Pure parsers for nodes, partitions, priorities, fair-share, config and ``sbatch --test-only`` (SLURM 22.05)."""

from __future__ import annotations

import re
from datetime import datetime

from asba.errors import ExternalCommandError
from asba.inputs.cluster_parse import (
    NodeInfo,
    PartitionInfo,
    PrioRow,
    ShareRow,
    TestOnlyEstimate,
    _int,
    _load_json,
    gpu_types_in_gres,
    gpus_in_gres,
    gpus_used_in_gres,
)
from asba.inputs.parse_guard import guarded

# sinfo -N -O fields, each printed unpadded and followed by "|".
SINFO_FIELDS = ("NodeList", "Partition", "StateLong", "CPUs", "CPUsState", "Memory", "Gres", "GresUsed")
SINFO_FORMAT = ",".join(f"{name}:|" for name in SINFO_FIELDS)


@guarded("sinfo --json")
def parse_sinfo_json(text: str) -> list[NodeInfo]:
    """``sinfo --json`` (22.05 lists nodes only, each with its partitions)."""
    nodes = []
    for raw in _load_json(text, "sinfo --json").get("nodes", []):
        flags = [str(f) for f in raw.get("state_flags") or []]
        state = "+".join([str(raw.get("state", "unknown"))] + flags).upper()
        nodes.append(
            NodeInfo(
                name=str(raw["name"]),
                partitions=tuple(str(p) for p in raw.get("partitions") or []),
                state=state,
                cpus=int(raw.get("cpus") or 0),
                alloc_cpus=int(raw.get("alloc_cpus") or 0),
                idle_cpus=int(raw.get("idle_cpus") or 0),
                gpus=gpus_in_gres(str(raw.get("gres", ""))),
                gpus_used=gpus_used_in_gres(str(raw.get("gres_used", ""))),
                real_memory_mb=int(raw.get("real_memory") or 0),
                gpu_types=gpu_types_in_gres(str(raw.get("gres", ""))),
            )
        )
    return nodes


@guarded("sinfo")
def parse_sinfo_text(text: str) -> list[NodeInfo]:
    """``sinfo -N -h -O SINFO_FORMAT``: one line per node and partition, merged per node."""
    merged: dict[str, NodeInfo] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        p = line.removesuffix("|").split("|")
        if len(p) != 8:
            raise ExternalCommandError(f"sinfo line {number} has {len(p)} fields, expected 8", where="sinfo")
        alloc, idle, _other, total = (_int(x) for x in p[4].split("/"))
        partition = p[1].strip().rstrip("*")
        old = merged.get(p[0])
        partitions = (old.partitions if old else ()) + (partition,)
        merged[p[0]] = NodeInfo(
            name=p[0].strip(),
            partitions=partitions,
            state=p[2].strip().upper(),
            cpus=total or _int(p[3]),
            alloc_cpus=alloc,
            idle_cpus=idle,
            gpus=gpus_in_gres(p[6]),
            gpus_used=gpus_used_in_gres(p[7]),
            real_memory_mb=_int(p[5]),
            gpu_types=gpu_types_in_gres(p[6]),
        )
    return list(merged.values())


@guarded("scontrol show")
def parse_scontrol_records(text: str, first_key: str) -> list[dict[str, str]]:
    """``scontrol show partition`` / ``show job``, multi-line or ``-o``: one dict of Key=Value per record."""
    records: list[dict[str, str]] = []
    for token in _kv_tokens(text):
        key, _, value = token.partition("=")
        if key == first_key:
            records.append({})
        if records:
            records[-1][key] = value
    return records


def _kv_tokens(text: str) -> list[str]:
    # Values never contain spaces in partition records, except "JobDefaults=(null)" style which has none either.
    return [tok for tok in re.split(r"\s+", text) if "=" in tok]


@guarded("scontrol show partition")
def parse_partitions(text: str) -> dict[str, PartitionInfo]:
    return {rec["PartitionName"]: PartitionInfo(rec["PartitionName"], rec) for rec in
            parse_scontrol_records(text, "PartitionName")}


@guarded("scontrol show config")
def parse_config(text: str) -> dict[str, str]:
    """``scontrol show config``: ``Key = Value`` lines."""
    config = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and " " not in key.strip():
            config[key.strip()] = value.strip()
    return config


# sprio -h -o fields: job id, partition, user, priority, weighted age factor.
SPRIO_FORMAT = "%i|%r|%u|%Y|%A"


@guarded("sprio")
def parse_sprio(text: str) -> list[PrioRow]:
    """``sprio -h -o SPRIO_FORMAT``, or the default/``-l`` table with its JOBID header (columns by name)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and lines[0].split()[0] == "JOBID":
        return _sprio_table(lines)
    rows = []
    for number, line in enumerate(lines, 1):
        p = [x.strip() for x in line.split("|")]
        if len(p) < 5:
            raise ExternalCommandError(f"sprio line {number} has {len(p)} fields, expected 5", where="sprio")
        rows.append(PrioRow(job_id=p[0], partition=p[1], user=p[2], priority=_int(p[3]), age=_int(p[4])))
    return rows


def _sprio_table(lines: list[str]) -> list[PrioRow]:
    header = lines[0].split()
    rows = []
    for line in lines[1:]:
        cell: dict[str, str] = {}
        for key, value in zip(header, line.split()):
            cell.setdefault(key, value)  # the first PARTITION column is the job's; the second is a factor
        if not cell.get("JOBID", "").isdigit():
            continue  # the "Weights" line of sprio -w
        rows.append(PrioRow(cell["JOBID"], cell.get("PARTITION", ""), cell.get("USER", ""),
                            _int(cell.get("PRIORITY", "0")), _int(cell.get("AGE", "0"))))
    return rows


SSHARE_FIELDS = "Account,User,RawUsage,FairShare,LevelFS"


@guarded("sshare")
def parse_sshare(text: str) -> list[ShareRow]:
    """``sshare -P -o SSHARE_FIELDS`` (with its header line, so columns are found by name)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("Account|"):
        raise ExternalCommandError("sshare output has no Account|User header", where="sshare")
    header = lines[0].split("|")
    rows = []
    for line in lines[1:]:
        cell = dict(zip(header, line.split("|")))
        raw_usage = cell.get("RawUsage", "").strip()
        rows.append(
            ShareRow(
                account=cell.get("Account", "").strip(),
                user=cell.get("User", "").strip(),
                fairshare=_float(cell.get("FairShare", "")),
                level_fs=_float(cell.get("LevelFS", "")),
                raw_usage=_int(raw_usage) if raw_usage else None,
            )
        )
    return rows


def _float(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


_TEST_ONLY = re.compile(
    r"Job (\d+) to start at (\S+) using (\d+) processors on nodes (\S+) in partition (\S+)", re.IGNORECASE
)


@guarded("sbatch --test-only")
def parse_test_only(text: str) -> TestOnlyEstimate:
    """``sbatch --test-only`` (it answers on stderr): the start time the scheduler would give now."""
    match = _TEST_ONLY.search(text)
    if not match:
        first = (text.strip().splitlines() or ["no output"])[0]
        raise ExternalCommandError(f"sbatch --test-only gave no start time: {first}", where="sbatch --test-only")
    start = int(datetime.fromisoformat(match[2]).timestamp())
    return TestOnlyEstimate(start_epoch=start, cpus=int(match[3]), nodes=match[4], partition=match[5])
