"""Failures carry over: a request that ran out of memory (or hit its time limit) fails the same way on the burst
partition, whose nodes enforce the same --mem and --time. So every option is sized and priced at what would have
succeeded (right-sizing's failure floor: the failed request + headroom, at least the successful runs' peak), and
the advice says first to raise the request, with the figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asba.decide import rightsize

# The carried-over figure is an estimate from the history (headroom on a failed request), not a measured success:
# the advice built on it is less certain than one on a request that has run.
CARRIED_CONFIDENCE = 0.8
_FLOOR_WORDS = {"mem_mb": "ran out of memory", "time_s": "hit its"}


@dataclass(frozen=True)
class CarryOver:
    cli_args: list[str]  # sbatch options that apply the raised figures
    headline: str  # "raise --mem to 50G first: 2 of 3 past runs ran out of memory at 32G"
    changes: list[rightsize.Change]


def carry_over(sizing: rightsize.RightSizing, failed: dict[str, int], runs: int) -> CarryOver | None:
    """The increases right-sizing forces because a run failed at (or above) the current request, or None."""
    raised = [c for c in sizing.changes if c.resource in _FLOOR_WORDS and c.proposed > c.current
              and _FLOOR_WORDS[c.resource] in c.reason]
    if not raised:
        return None
    args, parts = [], []
    for change in raised:
        if change.resource == "mem_mb":
            figure = rightsize.format_mem(change.proposed)
            args.append(f"--mem={figure}")
            parts.append(f"raise --mem to {figure} first: {failed.get('OUT_OF_MEMORY', 0)} of {runs} past run(s) "
                         f"ran out of memory at {rightsize.format_mem(change.current)}")
        else:
            figure = rightsize.format_time(change.proposed)
            args.append(f"--time={figure}")
            parts.append(f"raise --time to {figure} first: {failed.get('TIMEOUT', 0)} of {runs} past run(s) hit "
                         f"the {rightsize.format_time(change.current)} limit")
    headline = "; ".join(parts) + " (the burst partition enforces the same limits: every option below is sized so)"
    return CarryOver(args, headline, raised)


def failed_counts(runs: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.state] = counts.get(run.state, 0) + 1
    return counts
