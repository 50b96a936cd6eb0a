"""Which scripts form a multi-step workflow, from the job history alone.

Two kinds of evidence link script A to script B (B runs after A):

* **dependency**: a job of B was submitted with ``--dependency=after…:ID`` (``-d``) naming a job of A, as sacct's
  SubmitLine shows it. One such job is enough.
* **start-after-end**: a job of B was submitted, or started, within ``WINDOW_S`` after a job of A ended (the
  closest such end). SLURM starts an ``afterok`` job within a scheduling cycle of its dependency's end, and a
  user who submits the next step by hand usually does so within the hour, so one hour (3,600 s) is the window.
  Timing can be coincidence, so at least ``MIN_TIMED_LINKS`` (2) such pairs are needed.

An array job counts as one run (its first task's start, its last task's end). Pure: over JobRecord-like objects.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

WINDOW_S = 3600
MIN_TIMED_LINKS = 2
_DEPENDENCY = re.compile(r"(?:--dependency[= ]|-d[= ]?)(\S+)")
_DEP_ID = re.compile(r"(\d+)(?:_\d+|_\*)?")


@dataclass(frozen=True)
class Run:
    script: str
    base_id: str
    submit_ts: int
    start_ts: int | None
    end_ts: int | None
    state: str
    submit_line: str


@dataclass(frozen=True)
class Link:
    before: str
    after: str
    runs: int  # pairs of runs seen
    via: str  # "dependency" or "start-after-end"
    last_end_ts: int | None  # the latest end of a run of `before`


def runs_of(jobs: Iterable) -> list[Run]:
    """One Run per submitted job (array tasks merged), for jobs with a script name."""
    grouped: dict[str, list] = defaultdict(list)
    for job in jobs:
        if job.script_name and job.submit_ts is not None:
            grouped[job.base_id].append(job)
    out = []
    for base, tasks in grouped.items():
        starts = [t.start_ts for t in tasks if t.start_ts]
        ends = [t.end_ts for t in tasks if t.end_ts]
        states = {t.state for t in tasks}
        state = "COMPLETED" if states == {"COMPLETED"} else sorted(states)[0]
        out.append(Run(tasks[0].script_name, base, min(t.submit_ts for t in tasks), min(starts) if starts else None,
                       max(ends) if ends and len(ends) == len(tasks) else None, state, tasks[0].submit_line or ""))
    return sorted(out, key=lambda r: (r.submit_ts, r.base_id))


def dependency_ids(submit_line: str) -> list[str]:
    """Job ids named by --dependency/-d in a SubmitLine (``afterok:12:13,afterany:14_*`` -> 12, 13, 14)."""
    found = _DEPENDENCY.search(submit_line or "")
    if not found:
        return []
    ids = []
    for item in re.split(r"[,?]", found.group(1)):
        for part in item.split(":")[1:]:
            match = _DEP_ID.fullmatch(part.split("+")[0])
            if match:
                ids.append(match.group(1))
    return ids


def links(runs: list[Run], window_s: int = WINDOW_S, min_timed: int = MIN_TIMED_LINKS) -> list[Link]:
    """Every (before, after) script pair with enough evidence, strongest first."""
    by_id = {r.base_id: r for r in runs}
    dep: Counter[tuple[str, str]] = Counter()
    timed: Counter[tuple[str, str]] = Counter()
    ended = sorted((r.end_ts, i) for i, r in enumerate(runs) if r.end_ts is not None)
    end_times = [e for e, _ in ended]
    last_end: dict[str, int] = {}
    for r in runs:
        if r.end_ts is not None:
            last_end[r.script] = max(last_end.get(r.script, 0), r.end_ts)
        for job_id in dependency_ids(r.submit_line):
            before = by_id.get(job_id)
            if before is not None and before.script != r.script:
                dep[(before.script, r.script)] += 1
        pick = _closest_end_before(runs, ended, end_times, r, r.submit_ts, window_s)  # submitted by hand
        if pick is None and r.start_ts is not None:  # held by a dependency, started when it ended
            pick = _closest_end_before(runs, ended, end_times, r, r.start_ts, window_s)
        if pick is not None:
            timed[(pick.script, r.script)] += 1
    out = [Link(a, b, n, "dependency", last_end.get(a)) for (a, b), n in dep.items()]
    out += [Link(a, b, n, "start-after-end", last_end.get(a)) for (a, b), n in timed.items()
            if n >= min_timed and (a, b) not in dep]
    return sorted(out, key=lambda k: (k.via != "dependency", -k.runs, k.before, k.after))


def _closest_end_before(runs: list[Run], ended: list[tuple[int, int]], end_times: list[int], r: Run, at: int,
                        window_s: int) -> Run | None:
    """The run of another script whose end is closest before ``at`` (r's submit or start), within the window."""
    hi = bisect.bisect_right(end_times, at)
    lo = bisect.bisect_left(end_times, at - window_s)
    for k in range(hi - 1, lo - 1, -1):
        other = runs[ended[k][1]]
        if other.script != r.script and other.submit_ts <= r.submit_ts + window_s:
            return other
    return None


@dataclass(frozen=True)
class Chain:
    steps: list[str]  # script names in order
    links: list[Link]  # between consecutive steps

    def position(self, script: str) -> int:
        return self.steps.index(script)


def chain_of(script: str, found: list[Link]) -> Chain:
    """The workflow through ``script``: follow the strongest link backwards and forwards (no cycles)."""
    into: dict[str, Link] = {}
    out_of: dict[str, Link] = {}
    for link in found:  # strongest first: keep the first per script
        into.setdefault(link.after, link)
        out_of.setdefault(link.before, link)
    steps: list[str] = [script]
    chain_links: list[Link] = []
    while (back := into.get(steps[0])) is not None and back.before not in steps:
        steps.insert(0, back.before)
        chain_links.insert(0, back)
    while (ahead := out_of.get(steps[-1])) is not None and ahead.after not in steps:
        steps.append(ahead.after)
        chain_links.append(ahead)
    return Chain(steps, chain_links)
