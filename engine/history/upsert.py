"""Merge, never regress: how an incoming job row is folded into the stored one (asba.history.store writes it).

The history is irreplaceable (sacct purges old jobs, and their step rows sooner still), so a stored value is
replaced only by one at least as new and as complete:

- **older rows are refused whole**: a row whose state ranks below the stored one (PENDING < RUNNING and the
  other unfinished states < a final state), or of the same rank but ending earlier (or, unfinished, having run
  for less time), changes nothing and is counted as *refused as older*;
- **a missing value never erases a present one**: an incoming NULL or empty text keeps the stored value. This is
  the rule of every column not named below, so columns added to JobRecord later get it without a change here;
- **step-derived figures are kept when the incoming row has fewer steps** (`sacct -X`, or steps purged by
  `PurgeStepAfter`): CPU time, peak memory and the efficiencies computed from them stay as the steps gave them.

Keys (cluster, job_id) are never updated, and script_hash is set only by `--track-history` (submissions).
"""

from __future__ import annotations

from asba.history.record import COLUMNS, FINISHED_STATES

KEYS = ("cluster", "job_id")
NEVER_UPDATED = KEYS + ("script_hash",)
# Figures that come from step rows (asba.history.merge): kept as the most complete row (most steps) gave them.
STEP_DERIVED = frozenset({"total_cpu_s", "seff_cpu_s", "max_memory_used_mb", "memory_source", "cpu_efficiency",
                          "memory_efficiency", "effective_cpus", "gb_per_effective_cpu", "steps",
                          # GPU use from the steps' TRESUsageInAve/Max (asba.inputs.sacct_gpu)
                          "gpu_utilization_pct", "gpu_utilization_max_pct", "gpu_memory_peak_mb",
                          "gpu_utilization_spread_pct"})
NAMES_KEPT = 10  # job ids named per outcome in an import's report

_FINAL = ", ".join(f"'{state}'" for state in sorted(FINISHED_STATES))


def _rank(side: str) -> str:
    return f"(CASE WHEN {side}.state = 'PENDING' THEN 0 WHEN {side}.state IN ({_FINAL}) THEN 2 ELSE 1 END)"


def older(new: str, old: str) -> str:
    """SQL: the `new` row is older than the `old` one (so it is refused whole); 0 where a time is unknown."""
    return (f"coalesce({_rank(new)} < {_rank(old)} OR ({_rank(new)} = {_rank(old)} AND ({new}.end_ts < {old}.end_ts "
            f"OR ({_rank(new)} < 2 AND {new}.elapsed_s < {old}.elapsed_s))), 0)")


def merged(column: str, new: str, old: str) -> str:
    """SQL: the value stored for `column` when a row that is not older arrives."""
    present = f"({new}.{column} IS NOT NULL AND {new}.{column} IS NOT '')"
    value = f"CASE WHEN {present} THEN {new}.{column} ELSE {old}.{column} END"
    if column in STEP_DERIVED:
        kept = f"({new}.steps < {old}.steps AND {old}.{column} IS NOT NULL AND {old}.{column} IS NOT '')"
        return f"CASE WHEN {kept} THEN {old}.{column} ELSE {value} END"
    return value


UPDATED = tuple(c for c in COLUMNS if c not in NEVER_UPDATED)


def changes(new: str, old: str) -> str:
    """SQL: merging `new` into `old` changes at least one stored value."""
    return " OR ".join(f"({merged(c, new, old)}) IS NOT {old}.{c}" for c in UPDATED)


def upsert_from(source: str) -> str:
    """INSERT ... SELECT from `source` (a table of job rows in COLUMNS order), merged by the rules above."""
    cols = ", ".join(COLUMNS)
    sets = ", ".join(f"{c} = {merged(c, 'excluded', 'jobs')}" for c in UPDATED)
    return (f"INSERT INTO jobs ({cols}) SELECT {cols} FROM {source} WHERE true ORDER BY rowid "
            f"ON CONFLICT (cluster, job_id) DO UPDATE SET {sets} "
            f"WHERE NOT {older('excluded', 'jobs')} AND ({changes('excluded', 'jobs')})")


def outcomes_sql(source: str) -> str:
    """(job_id, refused as older, improved) of each incoming row that matches a stored job and is not
    unchanged, in the source's order."""
    join = f"FROM {source} i JOIN jobs j ON j.cluster = i.cluster AND j.job_id = i.job_id"
    return (f"SELECT i.job_id, {older('i', 'j')}, ({changes('i', 'j')}) {join} "
            f"WHERE {older('i', 'j')} OR ({changes('i', 'j')}) ORDER BY i.rowid")
