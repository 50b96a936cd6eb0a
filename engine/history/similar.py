"""Borrowing history from the user's similar scripts, for a script with no history of its own (roadmap 2.3).

Candidates are the scripts of the user's most recent ``RECENT_JOBS`` jobs (read through the submit-time index,
never the whole history). A candidate is similar when it runs the same programs or loads the same modules
(both scripts parsed; the candidate's file is found from sacct's submit line and working directory), or when
its request is close: CPUs, memory and time limit each within a factor of ``REQUEST_FACTOR``. The most similar
one (most shared programs and modules, then a close request, then most runs) lends its pattern, with the
reasons; the advice says it is borrowing and lowers its confidence (``BORROWED_CONFIDENCE``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asba.facts.model import Fact

RECENT_JOBS = 5000
REQUEST_FACTOR = 2.0
BORROWED_CONFIDENCE = 0.5  # a borrowed history is weaker evidence than the script's own: halve the confidence


@dataclass
class Candidate:
    name: str
    path: str
    work_dir: str
    runs: int = 0
    cpus: int | None = None
    mem_mb: float | None = None
    limit_s: int | None = None


@dataclass
class Similar:
    name: str
    runs: int
    programs: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    close_request: bool = False

    @property
    def reasons(self) -> str:
        why = []
        if self.programs:
            why.append(f"runs the same program(s) {', '.join(self.programs)}")
        if self.modules:
            why.append(f"loads the same module(s) {', '.join(self.modules)}")
        if self.close_request:
            why.append(f"a similar request (CPUs, memory and time limit within x{REQUEST_FACTOR:g})")
        return "; ".join(why)

    def rank(self) -> tuple:
        return (len(self.programs) + len(self.modules), self.close_request, self.runs)


def candidates(conn: sqlite3.Connection, exclude: str, user: str | None = None) -> list[Candidate]:
    sql = ("SELECT script_name, script_path, work_dir, alloc_cpus, requested_memory_mb, time_limit_s, user "
           "FROM jobs ORDER BY submit_ts DESC LIMIT ?")
    found: dict[str, Candidate] = {}
    for name, path, work_dir, cpus, mem, limit, who in conn.execute(sql, (RECENT_JOBS,)):
        if not name or name == exclude or (user and who != user):
            continue
        entry = found.setdefault(name, Candidate(name, path or "", work_dir or "", 0, cpus, mem, limit))
        entry.runs += 1
    return list(found.values())


def _close(a: float | None, b: float | None) -> bool:
    if not a or not b:
        return False
    return max(a, b) / min(a, b) <= REQUEST_FACTOR


def _parsed(c: Candidate) -> dict | None:
    from asba.errors import AsbaError
    from asba.inputs.batch_script import parse_script

    if not c.path:
        return None
    path = Path(c.path)
    if not path.is_absolute() and c.work_dir:
        path = Path(c.work_dir) / path
    try:
        return parse_script(path).job if path.is_file() else None
    except (AsbaError, OSError, ValueError):
        return None


def similar(job: dict, pool: Sequence[Candidate]) -> list[Similar]:
    programs, modules = set(job.get("programs") or []), set(job.get("modules") or [])
    mem = job.get("total_mem_mb") or job.get("mem_per_node_mb")
    found = []
    for c in pool:
        other = _parsed(c) or {}
        same_programs = sorted(programs & set(other.get("programs") or []))
        same_modules = sorted(modules & set(other.get("modules") or []))
        close = (_close(job.get("total_cpus"), c.cpus) and _close(mem, c.mem_mb)
                 and _close(job.get("time_limit_s"), c.limit_s))
        if same_programs or same_modules or close:
            found.append(Similar(c.name, c.runs, same_programs, same_modules, close))
    return sorted(found, key=lambda s: s.rank(), reverse=True)


def borrow(store: Any, script: Path, job: dict, partition: str) -> tuple[Any, list[Fact], Similar] | None:
    """(pattern, facts, the script lent from) of the most similar script with a usable pattern, or None."""
    from asba.facts.history_facts import history_facts
    from asba.history.patterns import pattern_for_script

    conn = getattr(store, "conn", None)
    if conn is None:
        return None
    for lender in similar(job, candidates(conn, script.name))[:5]:
        pattern = pattern_for_script(store, script_name=lender.name)
        if pattern is None:
            continue
        src = f"borrowed: {script.name} has no history; {lender.name} ({pattern.finished_runs} runs) {lender.reasons}"
        facts = history_facts(pattern, partition=partition)
        facts = [Fact(f.name, f.value, f"{src}; {f.source}") for f in facts]
        facts += [Fact("borrow.from_script", lender.name, src), Fact("borrow.reasons", lender.reasons, src)]
        return pattern, facts, lender
    return None
