"""The text of `asba cluster backtest`: one table per group (overall, then each partition), a row per method."""

from __future__ import annotations

METHODS = (("asba", "asba (wait record + calibrated replay)"), ("replay", "queue replay, uncalibrated"),
           ("slurm", "SLURM's own estimate"), ("naive", "naive: last 200 waits of the partition"))


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 600:
        return f"{seconds:.0f} s"
    if seconds < 36000:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.0f} %"


def render(result: dict, max_groups: int = 12) -> list[str]:
    lines = [f"backtest of {', '.join(result['inputs'])}: {result['jobs_read']} jobs in time order "
             f"({result['skipped_rows']} unreadable rows, {result['out_of_order_skipped']} out of order skipped); "
             f"real wait median {duration(result['real_wait_median_s'])}",
             "each job predicted from jobs that had started before its submission only; "
             "within 2x: both under 5 min counts as within; width: mean log2((p90 + 60 s) / (p10 + 60 s))"]
    groups = list(result["groups"].items())
    for group, methods in groups[:max_groups]:
        lines.append("")
        lines.append(f"{'all partitions' if group == '(all)' else 'partition ' + group}: "
                     f"{methods['asba']['jobs']} jobs")
        lines.append(f"  {'method':<40} {'estimated':>9} {'in [p10,p90]':>12} {'below':>6} {'above':>6} "
                     f"{'med. err p50':>12} {'p50 in 2x':>9} {'width':>6}")
        for key, label in METHODS:
            s = methods.get(key)
            if s is None or not s["estimated"]:
                lines.append(f"  {label:<40} {'0':>9} {'n/a':>12}")
                continue
            lines.append(f"  {label:<40} {s['estimated']:>9} {pct(s['coverage']):>12} {pct(s['below_p10']):>6} "
                         f"{pct(s['above_p90']):>6} {duration(s['median_abs_error_s']):>12} "
                         f"{pct(s['p50_within_2x']):>9} {s['mean_log2_width']:>6.2f}")
    if len(groups) > max_groups:
        lines.append(f"\n({len(groups) - max_groups} smaller partitions not shown; --json has them all)")
    return lines
