"""`asba check`: the submission-time hint, and the local cache it reads (written by `asba explain`/`submit`).

Run by contrib/cli_filter.lua on every sbatch, so the hint never runs a SLURM command (it reads only this cache),
prints at most two lines, and exits 0 whatever happens (an unreadable script, no cache, a damaged cache, a bug:
silence). asba.cli.main sends `check` to ``fast_main`` before it builds a parser, and this module imports only
what a bare interpreter has already loaded plus zlib: every module imported costs start-up time
(benchmarks/check_latency.py measures it against `python -c pass`).

The cache: ``ASBA_HOME/cache/check.marshal`` (format 1), the last advice per script and the last queue facts
per partition, written atomically (temporary file, fsync, rename) by ``remember``:
``{"format": 1, "scripts": {key of the script's bytes: advice}, "partitions": {name: queue}}``; at most
``MAX_SCRIPTS`` scripts, the oldest dropped first. Times are epoch seconds of the advice (``ASBA_NOW`` honoured).
It is marshal, not JSON, on purpose: marshal is built into the interpreter, while ``import json`` pulls in ``re``
and costs about what the bare interpreter's start does. It holds only strings, numbers, booleans and None, is
written by the user's own asba into the user's own ASBA_HOME, and a file that does not load as such a dict is
ignored. The key is the script's length with its CRC-32 and Adler-32 (zlib; hashlib's sha256 loads OpenSSL):
a cache key, not a security check; a collision shows another script's hint, nothing more.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
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


def remember(result: dict, script: str, path: str | None = None, site_dir: str | None = None,
             site_max_age_h: float = 2.0) -> bool:
    """Add one answer to the cache (atomically); False, and nothing changed, when it cannot be written. The site
    folder and its age limit (config site.dir, site.max_age_h) are kept too: check reads no config."""
    path = path or cache_path()
    key = script_key(script)
    if key is None or not result.get("generated_at"):
        return False
    advice, queue = entry_of(result)
    data = load(path) or {"format": FORMAT, "scripts": {}, "partitions": {}}
    data["site"] = {"dir": site_dir, "max_age_s": site_max_age_h * 3600.0}
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


STALE_S = 6 * 3600.0  # advice older than this no longer describes the queue (SLURM's queue turns over in hours)
USAGE = "usage: asba check JOB.sbatch [sbatch options] [--json]  (a one- or two-line hint from asba's local caches)\n"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 0):.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
    return f"{seconds / 86400:.1f} d".replace(".0 d", " d")


def _now() -> float:
    pinned = os.environ.get("ASBA_NOW")
    if pinned:
        return _epoch(pinned)
    return time.time()


def _partition(argv: list[str]) -> str | None:
    for i, word in enumerate(argv):
        if word in ("-p", "--partition") and i + 1 < len(argv):
            return argv[i + 1].split(",")[0]
        if word.startswith("--partition="):
            return word.split("=", 1)[1].split(",")[0]
        if word.startswith("-p") and len(word) > 2:
            return word[2:].split(",")[0]
    return None


def _queue(entry: dict) -> str:
    p50, p90 = entry.get("wait_p50_s"), entry.get("wait_p90_s")
    if not entry.get("wait_known") or p50 is None:
        return "an unknown wait"
    if (p90 if p90 is not None else p50) < 300:
        return "a few minutes at most"
    if p90 is None or _duration(p50) == _duration(p90):
        return f"about {_duration(p50)}"
    low, high = _duration(p50), _duration(p90)
    if low.endswith(" h") and high.endswith(" h"):
        return f"{low[:-2]}-{high}"
    return f"{low}-{high}"


def _source(entry: dict, age: float) -> str:
    return f"asba's estimate {_duration(age)} ago" + ("" if entry.get("live") else ", from a cluster snapshot")


def _script_hint(entry: dict, age: float) -> str:
    head = f"asba: the queue on {entry.get('partition')} looks like {_queue(entry)} ({_source(entry, age)})"
    burst, aws_ttr, local_ttr = entry.get("burst"), entry.get("aws_ttr_s"), entry.get("local_ttr_s")
    if burst and aws_ttr is not None and local_ttr is not None and entry.get("aws_cost_usd") is not None:
        usd = entry["aws_cost_usd"]
        cost = f"about ${usd:,.2f}" if usd >= 0.01 else "under $0.01"
        if entry.get("platform") == "aws" and local_ttr > aws_ttr:
            return f"{head}; {burst} would finish ~{_duration(local_ttr - aws_ttr)} sooner for {cost}"
        if entry.get("platform") == "local":
            return f"{head}; asba advises running here ({burst} would cost {cost})"
    return head


def hint(argv: list[str], now: float | None = None) -> list[str]:
    """The lines to print (none when asba knows nothing useful about this job)."""
    script = next((a for a in argv if not a.startswith("-")), None)
    if script is None:
        return []
    now = _now() if now is None else now
    cache = load()
    key = script_key(script)
    entry = (cache.get("scripts") or {}).get(key) if key else None
    if isinstance(entry, dict):
        age = now - float(entry.get("at") or 0)
        if age > STALE_S:
            return [f"asba: the last advice for this script is {_duration(age)} old; `asba explain {script}` "
                    "for a fresh one"]
        return [_script_hint(entry, age), _site_line(cache, entry.get("partition"), now) +
                f"`asba explain {script}` for why"]
    part = _partition(argv[argv.index(script) + 1:]) or _script_partition(script)
    site = _site_line(cache, part, now)
    if site != "asba: ":
        return [site.rstrip("; "), f"asba: `asba explain {script}` compares local and AWS for this job"]
    queue = (cache.get("partitions") or {}).get(part or "")
    if isinstance(queue, dict) and now - float(queue.get("at") or 0) <= STALE_S:
        age = now - float(queue.get("at") or 0)
        return [f"asba: the queue on {part} looked like {_queue(queue)} for the last job asba explained there "
                f"({_source(queue, age)})", f"asba: `asba explain {script}` compares local and AWS for this job"]
    return []


def _site_line(cache: dict, part: str | None, now: float) -> str:
    """"asba: site model N min old: cpu started N jobs in 24 h, wait p50 X; " (or stale), or "asba: "."""
    site = cache.get("site") or {}
    if not part or not isinstance(site, dict) or not site.get("dir"):
        return "asba: "
    try:
        with open(os.path.join(str(site["dir"]), "site-queue.marshal"), "rb") as handle:
            queue = marshal.loads(handle.read(MAX_CACHE_BYTES))
        age = now - float(queue["collected_at"])
        stats = queue["partitions"].get(part)
    except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
        return "asba: "
    if age > float(site.get("max_age_s") or 7200.0):
        return f"asba: the site model is {_duration(age)} old (stale); "
    if not isinstance(stats, dict) or not stats.get("jobs_24h"):
        return f"asba: site model {_duration(age)} old: no job started on {part} in 24 h; "
    return (f"asba: site model {_duration(age)} old: {part} started {stats['jobs_24h']} jobs in 24 h, wait p50 "
            f"{_duration(stats['wait_p50_24h_s'])}, p90 {_duration(stats['wait_p90_24h_s'])}; ")


def _script_partition(script: str) -> str | None:
    """The partition an ``#SBATCH -p``/``--partition`` line names (sbatch stops at the first command line)."""
    try:
        with open(script, encoding="utf-8", errors="replace") as handle:
            head = handle.read(65536).splitlines()
    except OSError:
        return None
    words = []
    for line in head[1:] if head and head[0].startswith("#!") else head:
        stripped = line.strip()
        if stripped.startswith("#SBATCH"):
            words += stripped[7:].split("#", 1)[0].split()
        elif stripped and not stripped.startswith("#"):
            break
    return _partition(words)


def fast_main(argv: list[str]) -> int:
    """The whole command: print the hint, exit 0 always (a failing hint must never cost a submission)."""
    try:
        if not argv or argv[0] in ("-h", "--help"):
            sys.stdout.write(USAGE)
            return 0
        as_json = "--json" in argv
        lines = hint([a for a in argv if a != "--json"])[:2]
        if as_json:
            import json

            sys.stdout.write(json.dumps({"hint": lines}) + "\n")
        elif lines:
            sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    except BaseException:  # noqa: BLE001 - by contract: silent, exit 0 (also on a closed pipe or Ctrl-C)
        return 0
    return 0
