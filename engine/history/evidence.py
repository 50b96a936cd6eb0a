"""What a script's classification rests on: the successful runs' efficiency, and the failures that say more.

A consultant reading seff and the job state does not average a job killed for memory with one that finished:
an OUT_OF_MEMORY run says memory is the limit whatever sacct sampled before the kill, a TIMEOUT run says the
time limit stopped it (its efficiency says nothing about over-allocation). So the CPU and memory efficiency
that classification reads come from the runs that COMPLETED with exit 0, and the failure counts come apart.

Two ways in, both pure: from the runs themselves (``from_runs``, what ``asba explain`` has), or from a pattern
record alone (``from_pattern``, what ``asba history --patterns`` has). A pattern's medians cover all finished
runs, so when some of them failed the pattern alone cannot separate them: ``basis`` then says so, and the
classification's confidence is lowered (asba.history.workload_class).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from asba.facts.model import Fact
from asba.history.record import FINISHED_STATES

SUCCESSFUL = "successful runs"
ALL_FINISHED = "all finished runs (some failed; the pattern alone cannot separate them)"
# No run succeeded, and every finished one FAILED with the program's own non-zero exit code after running: the
# failure is the program's (a bad input, a crash), not the resources', and the cores and memory it used while it
# ran are real, so they classify it (at one confidence level lower: evidence.successful_only is false).
PROGRAM_FAILED = "runs that failed with the program's own exit code (none succeeded; not a resource failure)"


@dataclass(frozen=True)
class Evidence:
    finished_runs: int
    ok_runs: int  # COMPLETED with exit 0
    oom_runs: int
    timeout_runs: int
    cpu_efficiency_pct: float | None  # median over the runs in `basis`
    memory_efficiency_pct: float | None
    memory_efficiency_peak_pct: float | None
    effective_cores: float | None
    basis: str
    job_ids: tuple[str, ...] = ()  # the successful runs (from_runs only)


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def _ok(run: Any) -> bool:
    return run.state == "COMPLETED" and not run.exit_code


def _program_failed(run: Any) -> bool:
    return run.state == "FAILED" and bool(run.exit_code) and bool(run.elapsed_s)


def from_runs(runs: Iterable[Any]) -> Evidence:
    """From JobRecord-like runs (state, exit_code, elapsed_s, cpu_efficiency, memory_efficiency, effective_cpus)."""
    finished = [r for r in runs if r.state in FINISHED_STATES]
    good = [r for r in finished if _ok(r) and r.elapsed_s]
    basis = SUCCESSFUL
    if not good and finished and all(_program_failed(r) for r in finished):
        good, basis = finished, PROGRAM_FAILED
    cpu = [float(r.cpu_efficiency) for r in good if r.cpu_efficiency is not None]
    mem = [float(r.memory_efficiency) for r in good if r.memory_efficiency is not None]
    cores = [float(r.effective_cpus) for r in good if r.effective_cpus is not None]
    return Evidence(
        finished_runs=len(finished), ok_runs=len(good),
        oom_runs=sum(r.state == "OUT_OF_MEMORY" for r in finished),
        timeout_runs=sum(r.state in ("TIMEOUT", "DEADLINE") for r in finished),
        cpu_efficiency_pct=_median(cpu), memory_efficiency_pct=_median(mem),
        memory_efficiency_peak_pct=max(mem) if mem else None, effective_cores=_median(cores),
        basis=basis, job_ids=tuple(r.job_id for r in good),
    )


def from_pattern(pat: Any) -> Evidence:
    """From a pattern record (asba.history.patterns.Pattern) alone."""
    ok = round(pat.finished_runs * pat.success_rate)
    clean = ok == pat.finished_runs
    usable = ok > 0
    program = _program_failed_pattern(pat, ok)
    if program:  # the pattern's medians cover exactly the runs that failed by the program's exit code
        ok, usable = pat.finished_runs, True
    return Evidence(
        finished_runs=pat.finished_runs, ok_runs=ok, oom_runs=pat.oom_count, timeout_runs=pat.timeout_count,
        cpu_efficiency_pct=pat.cpu_efficiency_pct if usable else None,
        memory_efficiency_pct=pat.memory_efficiency_pct if usable else None,
        memory_efficiency_peak_pct=pat.memory_efficiency_peak_pct if usable else None,
        effective_cores=pat.effective_cores if usable else None,
        basis=PROGRAM_FAILED if program else SUCCESSFUL if clean else ALL_FINISHED,
    )


def _program_failed_pattern(pat: Any, ok: int) -> bool:
    """No run succeeded and every finished run FAILED with a non-zero exit code (the pattern's failed_exit_runs)."""
    failed = getattr(pat, "program_failed_runs", 0)
    return ok == 0 and pat.finished_runs > 0 and failed == pat.finished_runs


def evidence_facts(ev: Evidence, source: str) -> list[Fact]:
    """evidence.* facts (knowledge/vocabulary/evidence.yaml); a value the runs cannot give is left out."""
    ids = ", ".join(ev.job_ids[:5]) + (", ..." if len(ev.job_ids) > 5 else "")
    src = f"{source}; {ev.ok_runs} {ev.basis}" + (f" (jobs {ids})" if ids else "")
    values = {
        "evidence.ok_runs": ev.ok_runs,
        "evidence.successful_only": ev.basis == SUCCESSFUL,
        "evidence.cpu_efficiency_pct": ev.cpu_efficiency_pct,
        "evidence.memory_efficiency_pct": ev.memory_efficiency_pct,
        "evidence.memory_efficiency_peak_pct": ev.memory_efficiency_peak_pct,
        "evidence.effective_cores": ev.effective_cores,
    }
    return [Fact(name, value, src) for name, value in values.items() if value is not None]
