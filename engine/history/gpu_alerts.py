"""The jobstats-style alert: GPU jobs whose recorded utilisation is under 15 %.

jobstats (github.com/PrincetonUniversity/jobstats, config.py: ``GPU_UTIL_RED = 15  # percentage``; its README:
"if the overall GPU utilization is less than 15% then it will be displayed in bold red text") is what HPC centres
use to flag idle GPUs. asba applies the same line to sacct's recorded GPU use (TRESUsageInAve gres/gpuutil, per
GPU of the job): a job whose use was not recorded is never called out (unknown, not 0 %).
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field

from asba.history.store import recent_where

GPU_UTIL_RED_PCT = 15.0  # jobstats config.py GPU_UTIL_RED
SHOWN = 5

_WHERE = ("j.requested_gpus > 0 AND j.gpu_utilization_pct IS NOT NULL AND j.gpu_utilization_pct < ?"
          " AND j.elapsed_s > 0")


@dataclass
class LowGpuJobs:
    count: int  # GPU jobs under the line
    recorded: int  # GPU jobs with use recorded
    gpu_hours: float  # GPU-hours those jobs held
    worst: list[dict] = field(default_factory=list)  # the least busy first, at most SHOWN
    threshold_pct: float = GPU_UTIL_RED_PCT

    def as_dict(self) -> dict:
        return asdict(self)


def low_gpu_jobs(conn: sqlite3.Connection, days: float | None = None, user: str | None = None) -> LowGpuJobs:
    """GPU jobs of the history (within `days`, of `user`) with recorded utilisation under 15 %."""
    where, params = recent_where(days, user)
    extra = "".join(f" AND {w}" for w in where)
    recorded = conn.execute("SELECT COUNT(*) FROM jobs j WHERE j.requested_gpus > 0 AND "
                            f"j.gpu_utilization_pct IS NOT NULL{extra}", params).fetchone()[0]
    count, gpu_s = conn.execute(f"SELECT COUNT(*), SUM(j.elapsed_s * j.requested_gpus) FROM jobs j WHERE {_WHERE}"
                                f"{extra}", [GPU_UTIL_RED_PCT, *params]).fetchone()
    rows = conn.execute(f"SELECT j.job_id, j.script_name, j.gpu_utilization_pct, j.requested_gpus, j.elapsed_s "
                        f"FROM jobs j WHERE {_WHERE}{extra} ORDER BY j.gpu_utilization_pct, j.job_id LIMIT ?",
                        [GPU_UTIL_RED_PCT, *params, SHOWN]).fetchall()
    worst = [{"job_id": job, "script": script or "", "gpu_utilization_pct": util, "gpus": gpus,
              "gpu_hours": round(elapsed * gpus / 3600, 3)} for job, script, util, gpus, elapsed in rows]
    return LowGpuJobs(int(count), int(recorded), round((gpu_s or 0) / 3600, 3), worst)


def alert_lines(low: LowGpuJobs) -> list[str]:
    """The call-out, or [] when no recorded GPU job is under the line."""
    from asba.report import units

    if not low.count:
        return []
    lines = [f"GPU alert (jobstats: under {low.threshold_pct:.0f} % busy): "
             f"{units.plural(low.count, 'GPU job')} of {units.count(low.recorded)} with use recorded, holding "
             f"{units.amount(low.gpu_hours)} GPU-hours; check that the code uses the GPU, or request fewer or none"]
    for row in low.worst:
        lines.append(f"  job {row['job_id']} {row['script'] or '(no script name)'}: "
                     f"{row['gpu_utilization_pct']:.0f} % busy on {units.plural(row['gpus'], 'GPU')}, "
                     f"{units.amount(row['gpu_hours'])} GPU-hours")
    if low.count > len(low.worst):
        lines.append(f"  … and {units.count(low.count - len(low.worst))} more")
    return lines
