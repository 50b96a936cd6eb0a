"""The site model: all users' queue waits, collected once by the site instead of by every user's asba.

`asba site collect` (the admin's cron, with the right to see every job) runs ONE ``sacct -a -X`` since its last
run (bounded: at most ``site.collect_days`` back, SACCT_TIMEOUT_S), upserts the jobs into the wait record of the
previous model (the ``cluster_waits`` table of asba.history.wait_record, so the same wait classes and estimates
apply), drops what left the window, and publishes to the site folder:

* ``site-waits.sqlite``: the wait record, built in a temporary file, fsynced, then renamed over the old one;
* ``site-model.json``: format version, ``collected_at``, the sacct window, job and user counts, per-partition
  queue statistics (jobs started, wait p50/p90 over the last 24 h and the window), written the same way;
* ``site-queue.marshal``: the per-partition statistics for `asba check` (asba.site.check reads no JSON).

A reader sees the old files or the new ones, never half of one. Every user's `asba explain` reads the wait
record from here when the model is younger than ``site.max_age_h`` and says so with its age; older, it says the
model is stale and falls back to the user's own record (asba.decide.advisor).
"""

from __future__ import annotations

import json
import marshal
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asba.errors import StoreError
from asba.site.check import write_atomic

FORMAT = 1
MODEL = "site-model.json"
WAITS = "site-waits.sqlite"
QUEUE = "site-queue.marshal"
SACCT_TIMEOUT_S = 300.0
OVERLAP_S = 600  # re-read the last 10 minutes: a job that started during the previous run is upserted, not lost


@dataclass(frozen=True)
class SiteModel:
    folder: Path
    meta: dict

    @property
    def collected_at(self) -> float:
        return float(self.meta.get("collected_at") or 0.0)

    def age_s(self, now: float) -> float:
        return max(0.0, now - self.collected_at)

    def connect(self) -> sqlite3.Connection:
        """The wait record, read-only (a user's asba never writes the site's files)."""
        return sqlite3.connect(f"file:{self.folder / WAITS}?mode=ro", uri=True)


def load(folder: Path | str | None) -> SiteModel | None:
    """The published model, or None when there is none (or it is not one this asba reads)."""
    if not folder:
        return None
    path = Path(folder)
    try:
        meta = json.loads((path / MODEL).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or not (path / WAITS).is_file():
        return None
    return SiteModel(path, meta)


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def partition_stats(conn: sqlite3.Connection, now: float, days: float) -> dict[str, dict]:
    """Per partition: jobs started in the last 24 h and in the window, and their wait p50/p90 (seconds)."""
    out: dict[str, dict] = {}
    rows = conn.execute("SELECT partition, submit, start FROM cluster_waits WHERE start IS NOT NULL AND start >= ? "
                        "AND start <= ?", (now - days * 86400, now)).fetchall()
    for part in sorted({r[0] for r in rows}):
        waits = [(float(s - sub), s) for p, sub, s in rows if p == part]
        day = [w for w, s in waits if s >= now - 86400]
        every = [w for w, _s in waits]
        out[part] = {"jobs_24h": len(day), "wait_p50_24h_s": _quantile(day, 0.5),
                     "wait_p90_24h_s": _quantile(day, 0.9), "jobs_window": len(every),
                     "wait_p50_s": _quantile(every, 0.5), "wait_p90_s": _quantile(every, 0.9)}
    return out


def _since(previous: SiteModel | None, now: float, days: float) -> float:
    earliest = now - days * 86400
    if previous is None:
        return earliest
    return max(earliest, previous.collected_at - OVERLAP_S)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def collect(folder: Path, runner: Any, days: float, now: float | None = None) -> dict:
    """One incremental collection; returns the published metadata. Raises StoreError / ExternalCommandError."""
    from asba.history import wait_record
    from asba.inputs.wait_traces import parse_trace

    now = time.time() if now is None else now
    folder.mkdir(parents=True, exist_ok=True)
    previous = load(folder)
    since = _since(previous, now, days)
    start = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(since))
    argv = ["sacct", "--allusers", "-X", "--parsable2", "--format=" + ",".join(wait_record.FIELDS), "-S", start,
            "-E", "now"]
    out = runner.run("sacct_site_collect", argv, timeout_s=SACCT_TIMEOUT_S)
    trace = parse_trace(iter(out.stdout.splitlines(keepends=True)), Path("sacct"))
    users = {line.split("|")[1] for line in out.stdout.splitlines()[1:] if line.count("|") > 1}
    tmp = folder / f".{WAITS}.{os.getpid()}.tmp"
    try:
        if previous is not None:
            shutil.copyfile(folder / WAITS, tmp)
        conn = sqlite3.connect(tmp)
        try:
            stored, pruned = wait_record.store(conn, trace.jobs, days)
            conn.execute("DELETE FROM cluster_waits WHERE submit < ?", (now - days * 86400,))
            conn.commit()
            total = conn.execute("SELECT COUNT(*) FROM cluster_waits").fetchone()[0]
            stats = partition_stats(conn, now, days)
        finally:
            conn.close()
        _fsync_file(tmp)
        os.replace(tmp, folder / WAITS)
    except (OSError, sqlite3.DatabaseError) as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write the site model: {exc}", where=str(folder), code="ASBA-SITE-001") from None
    meta = {"format": FORMAT, "collected_at": now, "sacct": " ".join(argv[:4]) + f" -S {start} -E now",
            "window_days": days, "new_or_updated_jobs": stored, "pruned": pruned, "jobs": total,
            "users_in_this_run": len(users), "skipped_rows": trace.skipped, "partitions": stats}
    _publish(folder, meta)
    return meta


def _publish(folder: Path, meta: dict) -> None:
    """The summaries, each atomically: check's marshal first, then the JSON readers take as the model's date."""
    queue = {"format": FORMAT, "collected_at": meta["collected_at"], "partitions": meta["partitions"]}
    if not (write_atomic(str(folder / QUEUE), marshal.dumps(queue))
            and write_atomic(str(folder / MODEL), (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode())):
        raise StoreError("cannot publish the site model", where=str(folder), code="ASBA-SITE-002",
                         hint="check the folder's permissions (the admin's cron writes it, users read it)")


def fresh_model(cfg: Any, now: float) -> tuple[SiteModel | None, str]:
    """The site model when one is configured and young enough, with the note that says which record is used."""
    model = load(cfg.get("site.dir", None))
    if model is None:
        return None, ""
    from asba.report import units

    age = model.age_s(now)
    limit_h = float(cfg.get("site.max_age_h", 2))
    if age > limit_h * 3600:
        return None, (f"the site model is stale (collected {units.duration(age)} ago, over site.max_age_h = "
                      f"{limit_h:g} h): using your own wait record instead")
    return model, (f"wait record: the site model collected {units.duration(age)} ago ({model.meta.get('jobs', 0):,} "
                   f"jobs of all users, {model.folder})")
