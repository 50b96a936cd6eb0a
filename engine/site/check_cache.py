"""The local cache `asba check` reads: the last advice per script and the last queue facts per partition.

`asba explain` and `asba submit` write it (``remember``) after each answer; `asba check` (asba.cli.check_cmd)
only reads it, so the submission-time hint never runs a SLURM command. Standard library only, and nothing here
imports the rest of asba: the check path must start as fast as a bare interpreter allows.

File: ``ASBA_HOME/cache/check.marshal`` (format 1), written atomically (temporary file, fsync, rename):
``{"format": 1, "scripts": {key of the script's bytes: advice}, "partitions": {name: queue}}``; at most
``MAX_SCRIPTS`` scripts, the oldest dropped first. Times are epoch seconds of the advice (``ASBA_NOW`` honoured).
It is marshal, not JSON, on purpose: marshal is built into the interpreter, while ``import json`` pulls in ``re``
and costs a bare interpreter's start-up time again (measured: benchmarks/check_latency.py). It holds only
strings, numbers, booleans and None, is written by the user's own asba into the user's own ASBA_HOME, and a file
that does not load as such a dict is ignored. The key is the script's length with its CRC-32 and Adler-32 (zlib,
no OpenSSL load as hashlib's sha256 needs): a cache key, not a security check; a collision shows another
script's hint, nothing more.
"""

from __future__ import annotations

import marshal
import os
import zlib

FORMAT = 1
MAX_SCRIPTS = 500
MAX_SCRIPT_BYTES = 1 << 20  # sbatch itself refuses scripts of 4 MiB or more; a hint needs no more than 1 MiB
MAX_CACHE_BYTES = 4 << 20


def cache_path() -> str:
    home = os.environ.get("ASBA_HOME") or os.path.join(os.path.expanduser("~"), ".asba")
    return os.path.join(home, "cache", "check.marshal")


def script_key(path: str) -> str | None:
    """The key of the script's bytes (the first MAX_SCRIPT_BYTES), or None when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            body = handle.read(MAX_SCRIPT_BYTES)
    except OSError:
        return None
    return f"{len(body)}-{zlib.crc32(body):08x}-{zlib.adler32(body):08x}"


def load(path: str | None = None) -> dict:
    """The cache, or an empty one when it is missing, too big, damaged or of another format."""
    path = path or cache_path()
    try:
        if os.path.getsize(path) > MAX_CACHE_BYTES:
            return {}
        with open(path, "rb") as handle:
            data = marshal.loads(handle.read(MAX_CACHE_BYTES))
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return data if isinstance(data, dict) and data.get("format") == FORMAT else {}


def _epoch(iso_utc: str) -> float:
    from datetime import datetime

    return datetime.strptime(iso_utc[:19] + "+0000", "%Y-%m-%dT%H:%M:%S%z").timestamp()


def entry_of(result: dict) -> tuple[dict, dict]:
    """(the script's advice, its partition's queue facts) from `asba explain`'s JSON-ready result."""
    local, aws, rec = result.get("local") or {}, result.get("aws") or {}, result.get("recommendation") or {}
    live = str((result.get("data_sources") or {}).get("cluster", "")).startswith("live")
    at = _epoch(result["generated_at"])
    partition = (result.get("request") or {}).get("partition") or "default"
    queue = {"wait_p50_s": local.get("wait_p50_s"), "wait_p90_s": local.get("wait_p90_s"),
             "wait_known": bool(local.get("wait_known")), "at": at, "live": live}
    advice = {**queue, "script": result.get("script"), "partition": partition, "platform": rec.get("platform"),
              "burst": result.get("burst_partition"), "instance_type": rec.get("instance_type"),
              "local_ttr_s": local.get("time_to_result_s"), "local_cost_usd": local.get("cost_usd"),
              "aws_ttr_s": aws.get("time_to_result_s"), "aws_cost_usd": aws.get("cost_usd"),
              "decision_id": result.get("decision_id")}
    return advice, queue


def remember(result: dict, script: str, path: str | None = None) -> bool:
    """Add one answer to the cache (atomically); False, and nothing changed, when it cannot be written."""
    path = path or cache_path()
    key = script_key(script)
    if key is None or not result.get("generated_at"):
        return False
    advice, queue = entry_of(result)
    data = load(path) or {"format": FORMAT, "scripts": {}, "partitions": {}}
    data.setdefault("scripts", {})[key] = advice
    data.setdefault("partitions", {})[advice["partition"]] = queue
    scripts = data["scripts"]
    for old in sorted(scripts, key=lambda k: scripts[k].get("at") or 0)[:max(0, len(scripts) - MAX_SCRIPTS)]:
        del scripts[old]
    return write_atomic(path, marshal.dumps(data))


def write_atomic(path: str, body: bytes) -> bool:
    """Write, fsync, rename: a reader sees the old file or the new one, never half of one."""
    folder = os.path.dirname(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    return True
