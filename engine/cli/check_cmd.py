"""`asba check JOB.sbatch [sbatch options]`: the submission-time hint, from local caches only.

Run by contrib/cli_filter.lua on every sbatch, so: it never runs a SLURM command (it reads only the cache
`asba explain` and `asba submit` leave, asba.site.check_cache), prints at most two lines, and exits 0 whatever
happens (an unreadable script, no cache, a damaged cache, a bug: silence). asba.cli.main sends `check` here
before it builds its parser: nothing heavier than the standard library's json and hashlib is imported.
"""

from __future__ import annotations

import os
import sys
import time

STALE_S = 6 * 3600.0  # advice older than this no longer describes the queue (SLURM's queue turns over in hours)
USAGE = "usage: asba check JOB.sbatch [sbatch options]  (a one- or two-line hint from asba's local caches)\n"


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
        from asba.site.check_cache import _epoch

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
        cost = f"${entry['aws_cost_usd']:,.2f}"
        if entry.get("platform") == "aws" and local_ttr > aws_ttr:
            return f"{head}; {burst} would finish ~{_duration(local_ttr - aws_ttr)} sooner for about {cost}"
        if entry.get("platform") == "local":
            return f"{head}; asba advises running here ({burst} would cost about {cost})"
    return head


def hint(argv: list[str], now: float | None = None) -> list[str]:
    """The lines to print (none when asba knows nothing useful about this job)."""
    from asba.site import check_cache

    script = next((a for a in argv if not a.startswith("-")), None)
    if script is None:
        return []
    now = _now() if now is None else now
    cache = check_cache.load()
    key = check_cache.script_key(script)
    entry = (cache.get("scripts") or {}).get(key) if key else None
    if isinstance(entry, dict):
        age = now - float(entry.get("at") or 0)
        if age > STALE_S:
            return [f"asba: the last advice for this script is {_duration(age)} old; `asba explain {script}` "
                    "for a fresh one"]
        return [_script_hint(entry, age), f"asba: `asba explain {script}` for why"]
    part = _partition(argv[argv.index(script) + 1:]) or _script_partition(script)
    queue = (cache.get("partitions") or {}).get(part or "")
    if isinstance(queue, dict) and now - float(queue.get("at") or 0) <= STALE_S:
        age = now - float(queue.get("at") or 0)
        return [f"asba: the queue on {part} looked like {_queue(queue)} for the last job asba explained there "
                f"({_source(queue, age)})", f"asba: `asba explain {script}` compares local and AWS for this job"]
    return []


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
        lines = hint(argv)[:2]
        if lines:
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
    except BaseException:  # noqa: BLE001 - by contract: silent, exit 0 (also on a closed pipe or Ctrl-C)
        return 0
    return 0


def register(subparsers: object) -> None:
    """Listed in `asba --help`; asba.cli.main runs `check` through fast_main before any parser is built."""
    parser = subparsers.add_parser(  # type: ignore[attr-defined]
        "check", help="a one- or two-line hint for sbatch time, from local caches only (never runs SLURM)",
        description="Print at most two lines about this job from asba's local caches (the last advice for this "
                    "script, the queue facts of the last explain); never runs a SLURM command; always exits 0.",
        add_help=False)
    parser.set_defaults(func=lambda args: fast_main(list(args.rest)))
    parser.add_argument("rest", nargs="*")
