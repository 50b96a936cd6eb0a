"""One queue wait per job: what `asba explain` and `asba cluster wait` both show for a job and a partition.

The estimate (``asba.decide.wait.estimate_wait``) blends the queue model, sbatch --test-only, the Submit->Start
waits of similar past jobs and the cluster wait record. Its inputs beyond the queue come from one place:

- past waits: similar jobs (half to twice the CPUs) on the partition in the history asba reads for this script
  (the user's database, or the example history shipped beside a script with no runs there: labelled as such);
- the runtime/limit ratio: the median elapsed / time limit of the jobs in that same history, applied to the jobs
  ahead (without one, the default ratio);
- the wait record: the site's model when fresh, else the history database's.

Explain and cluster wait call :func:`wait_inputs` and :func:`job_wait`, so a job on a queue has one wait.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class WaitInputs:
    past_waits_s: list[float] = field(default_factory=list)
    runtime_ratio: float | None = None
    record: Any = None  # WaitRecordModel | KaplanMeierRecord | None
    history_label: str = "none"  # where the past waits and the ratio came from


def history_waits(store: Any, job: dict, partition: str, example: bool) -> tuple[list[float], float | None]:
    """Past waits of similar jobs on the partition and the runtime/limit ratio, from the history read."""
    if store is None:
        return [], None
    from asba.history.patterns import user_runtime_limit_ratio

    cpus = int(job.get("total_cpus") or 1)
    waits = store.queue_waits(partition, max(cpus // 2, 1), cpus * 2, days=None if example else 90)
    return waits, user_runtime_limit_ratio(store)[0]


def wait_record(cfg: Any, store: Any, partition: str, now: float, notes: list[str]) -> Any:
    """The cluster wait record of the partition as known at ``now``: the site's model first, said with its age."""
    from asba.history.wait_record import model_for
    from asba.site.model import fresh_model

    if not now:
        return None
    days = float(cfg.get("wait.record_days", 14))
    site, note = fresh_model(cfg, time.time())
    notes += [note] if note else []
    if site is not None:
        conn = site.connect()
        try:
            return model_for(conn, partition, now, days)[0]
        finally:
            conn.close()
    real = getattr(store, "real", store)
    return None if real is None else model_for(real.conn, partition, now, days)[0]


def job_wait(view: Any, job: dict, partition: str, inputs: WaitInputs) -> Any:
    """The wait estimate (WaitEstimate) of ``job`` on ``partition``: the one figure every command shows."""
    from asba.decide.wait import estimate_wait

    return estimate_wait(view, job=job, partition=partition, past_waits_s=inputs.past_waits_s,
                         runtime_ratio=inputs.runtime_ratio, record=inputs.record, qos=job.get("qos"))
