"""The text of `asba cluster backtest`: one table per group (overall, then each partition), a row per method."""

from __future__ import annotations

METHODS = (("asba", "asba (product-limit record of the class)"),
           ("record", "earlier: started waits + calibrated replay"), ("replay", "queue replay, uncalibrated"),
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


def _title(group: str) -> str:
    if group == "(all)":
        return "all partitions"
    if group.startswith("truncation "):
        return f"snapshot rows with truncation point {group.removeprefix('truncation ')}"
    return f"partition {group}"


def _num(value: float | None, width: int = 7) -> str:
    return f"{'n/a':>{width}}" if value is None else f"{value:>{width}.3f}"


def render(result: dict, max_groups: int = 12) -> list[str]:
    lines = [f"backtest of {', '.join(result['inputs'])}: {result['jobs_read']} jobs in time order "
             f"({result['skipped_rows']} unreadable rows, {result['out_of_order_skipped']} out of order skipped); "
             f"real wait median {duration(result['real_wait_median_s'])}",
             "each job predicted from what was known at its submission only (jobs still pending then: censored); "
             "within 2x: both under 5 min counts as within; width: mean log2((p90 + 60 s) / (p10 + 60 s)); "
             "pinball: mean quantile loss of p10/p50/p90 on log(wait + 60 s) (lower is better); "
             f"Brier: of P(wait > the job's break-even wait at ${result.get('value_of_hour_usd', 5):g}/h) "
             "(lower is better); snapshot rows scored given wait > their truncation point"]
    groups = list(result["groups"].items())
    for group, methods in groups[:max_groups]:
        lines.append("")
        lines.append(f"{_title(group)}: {methods['asba']['jobs']} jobs")
        lines.append(f"  {'method':<44} {'estimated':>9} {'in [p10,p90]':>12} {'below':>6} {'above':>6} "
                     f"{'med. err p50':>12} {'p50 in 2x':>9} {'width':>6} {'pinball':>7} {'Brier':>6}")
        for key, label in METHODS:
            s = methods.get(key)
            if s is None or not s["estimated"]:
                lines.append(f"  {label:<44} {'0':>9} {'n/a':>12}")
                continue
            lines.append(f"  {label:<44} {s['estimated']:>9} {pct(s['coverage']):>12} {pct(s['below_p10']):>6} "
                         f"{pct(s['above_p90']):>6} {duration(s['median_abs_error_s']):>12} "
                         f"{pct(s['p50_within_2x']):>9} {s['mean_log2_width']:>6.2f} {_num(s.get('pinball_log'))} "
                         f"{_num(s.get('brier_break_even'), 6)}")
        pit = methods.get("asba", {}).get("pit_histogram")
        if pit:
            lines.append("  asba PIT histogram (share of real waits per tenth of the forecast CDF; 10 % each when "
                         "calibrated): " + " ".join(f"{100 * x:.0f}" for x in pit))
    if len(groups) > max_groups:
        lines.append(f"\n({len(groups) - max_groups} smaller partitions not shown; --json has them all)")
    if "decisions" in result:
        lines += decision_lines(result["decisions"])
    return lines


def decision_lines(d: dict) -> list[str]:
    lines = ["", f"decisions at ${d['value_of_hour_usd']:g} an hour: {d['jobs']} jobs over {d['days']} days "
             f"({d['censored']} never started: censored), AWS better in hindsight for {pct(d['aws_better_share'])}; "
             "normalised regret = regret / sum |local total - AWS total| (0 = hindsight-perfect, always-local + "
             "always-AWS = 1)",
             f"  {'policy':<14} {'norm. regret':>12} {'mean regret/job':>16} {'95 % (day blocks)':>20} "
             f"{'wrong':>6} {'AWS chosen':>10}"]
    for name, p in d["policies"].items():
        band = p["mean_regret_95_usd"]
        band_text = f"${band[0]:.3f}-{band[1]:.3f}" if band else "n/a"
        norm = "n/a" if p["normalised_regret"] is None else f"{p['normalised_regret']:.3f}"
        lines.append(f"  {name:<14} {norm:>12} {'$' + format(p['mean_regret_usd'] or 0, '.3f'):>16} "
                     f"{band_text:>20} {pct(p['wrong_choice_rate']):>6} {p['aws_chosen']:>10}")
    return lines
