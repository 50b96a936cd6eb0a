"""Issue 21 item 15: "typical" memory is what successful runs used, never memory sampled at an OOM kill."""

from __future__ import annotations

from asba.history import patterns


def _run(job: str, state: str, peak_mb: float, elapsed: int) -> tuple:
    row = [None] * len(patterns.RUN_FIELDS)
    values = {"job_id": job, "state": state, "exit_code": 0 if state == "COMPLETED" else 1,
              "elapsed_s": elapsed, "max_memory_used_mb": peak_mb}
    for i, name in enumerate(patterns.RUN_FIELDS):
        row[i] = values.get(name, row[i])
    return tuple(row)


def test_typical_memory_comes_from_the_successful_run_not_the_killed_ones():
    runs = [_run("1", "OUT_OF_MEMORY", 32 * 1024, 3000), _run("2", "OUT_OF_MEMORY", 32 * 1024, 3100),
            _run("3", "COMPLETED", 41 * 1024, 8300)]
    pat = patterns.compute("oom.sbatch", "h", runs)
    assert pat is not None and pat.memory_typical_mb == 41 * 1024  # not the 32 GB sampled at the kills
    assert pat.peak_memory_mb == 41 * 1024
