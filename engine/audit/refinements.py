"""What the outcomes teach, as facts with their evidence (shown in the trace; they inform, the decision rules
do not read them yet):

* ``refine.wait_bias_s``: the median signed error (predicted - real) of asba's past local wait estimates, over
  the logged decisions whose jobs ran locally (asba.audit.outcomes); positive: asba overestimates the wait;
* ``refine.aws_performance_factor`` (+ ``_family``): this script's runtime on AWS over its runtime locally
  (median successful runs on each side), keyed by the instance family its AWS runs had (the family the
  followed decision advised; "unknown" when no decision was logged). The config's
  advisor.performance_factors is the setting it refines.

The user's own runtime/limit ratio is already a fact (history.user_runtime_to_limit_ratio).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections.abc import Sequence
from typing import Any

from asba.facts.model import Fact

MIN_WAIT_OUTCOMES = 3  # as the wait model's history component (asba.decide.wait.HISTORY_MIN_SAMPLES)


def wait_bias(conn: Any) -> list[Fact]:
    try:
        rows = conn.execute("SELECT data FROM decision_outcomes WHERE ran = 'local'").fetchall()
    except (sqlite3.OperationalError, AttributeError):
        return []
    errors = []
    for (data,) in rows:
        o = json.loads(data)
        if o.get("predicted_wait_s") is not None and o.get("wait_s") is not None:
            errors.append(float(o["predicted_wait_s"]) - float(o["wait_s"]))
    if len(errors) < MIN_WAIT_OUTCOMES:
        return []
    bias = statistics.median(errors)
    src = f"asba audit outcomes: median of predicted - real local wait over {len(errors)} jobs that followed a decision"
    return [Fact("refine.wait_bias_s", round(bias, 1), src), Fact("refine.wait_bias_jobs", len(errors), src)]


def performance_factor(runs: Sequence[Any], instances: dict[tuple[str, str], str]) -> list[Fact]:
    ok = [r for r in runs if r.succeeded and r.elapsed_s]
    local = [float(r.elapsed_s) for r in ok if r.execution_platform != "aws"]
    aws = [r for r in ok if r.execution_platform == "aws"]
    if not local or not aws:
        return []
    families = {instances.get((r.cluster, r.job_id), "unknown").split(".")[0] for r in aws}
    family = families.pop() if len(families) == 1 else "mixed"
    factor = statistics.median(float(r.elapsed_s) for r in aws) / statistics.median(local)
    src = (f"sacct history of this script: median runtime of {len(aws)} successful AWS runs "
           f"({', '.join(sorted({r.partition for r in aws}))}, family {family}) over {len(local)} local runs")
    return [Fact("refine.aws_performance_factor", round(factor, 3), src),
            Fact("refine.aws_performance_family", family, src)]


def refinement_facts(store: Any, runs: Sequence[Any]) -> list[Fact]:
    from asba.history.profile import instance_of_jobs

    conn = getattr(store, "conn", None)
    if conn is None:
        return []
    instances = instance_of_jobs(conn) if any(r.execution_platform == "aws" for r in runs) else {}
    return wait_bias(conn) + performance_factor(runs, instances)
