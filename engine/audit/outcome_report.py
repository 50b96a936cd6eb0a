"""The figures of `asba audit outcomes`, computed from stored outcomes (asba.audit.outcomes): acceptance,
signed prediction errors (predicted - real) of wait, runtime and cost, and regret beside the simple policies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from asba.audit.regret import POLICIES, Case, RegretSummary, policy_choices, signed_stats, summarise


def acceptance(outcomes: Sequence[Any]) -> dict:
    jobs = len(outcomes)
    followed = sum(o.followed for o in outcomes)
    by_advice = {}
    for side in ("local", "aws"):
        advised = [o for o in outcomes if o.advised == side]
        by_advice[side] = {"jobs": len(advised), "followed": sum(o.followed for o in advised)}
    return {"jobs": jobs, "followed": followed, "rate": round(followed / jobs, 4) if jobs else None,
            "decisions": len({o.decision_id for o in outcomes}), "by_advice": by_advice}


def errors(outcomes: Sequence[Any]) -> dict:
    done = [o for o in outcomes if o.runtime_s is not None]

    def diff(pred: Any, real: Any) -> float | None:
        return None if pred is None or real is None else float(pred) - float(real)

    return {
        "wait_s": signed_stats([diff(o.predicted_wait_s, o.wait_s) for o in done]),
        "runtime_s": signed_stats([diff(o.predicted_runtime_s, o.runtime_s) for o in done]),
        "cost_usd": signed_stats([diff(o.predicted_cost_usd, o.real_cost_usd) for o in done]),
    }


def regret(outcomes: Sequence[Any]) -> dict:
    """Regret of asba's advice, of what was actually done, and of the baselines, on finished jobs.

    Each job is judged at the value of an hour its decision used; the summary needs one value, so jobs are
    grouped by it and the totals added."""
    groups: dict[float, list[Case]] = {}
    for o in outcomes:
        h = o.hindsight_obj()
        if h is None:
            continue
        choices = policy_choices(o.advised, o.go_choice, o.aws_possible)
        choices["taken"] = o.ran
        groups.setdefault(o.value_of_hour_usd, []).append(Case(h, choices))
    names = (*POLICIES, "taken")
    totals = {p: 0.0 for p in names}
    wrong = {p: 0 for p in names}
    jobs = 0
    for value, cases in groups.items():
        part = summarise(cases, value, names)
        jobs += part.jobs
        for p in names:
            totals[p] += part.total_usd[p]
            wrong[p] += part.wrong[p]
    summary = RegretSummary(jobs, totals, {p: (totals[p] / jobs if jobs else 0.0) for p in names}, wrong)
    return {**summary.as_dict(), "values_of_hour_usd": sorted(groups)}


def report(outcomes: Sequence[Any], refreshed: dict[str, int], days: float | None, decisions: int) -> dict:
    return {"days": days, "decisions_logged": decisions, "join": refreshed, "acceptance": acceptance(outcomes),
            "errors": errors(outcomes), "regret": regret(outcomes),
            "outcomes": [o.as_dict() for o in outcomes]}
