"""The "Considered resources" table of `asba explain`: every option the decision weighed, the chosen one marked."""

from __future__ import annotations

from asba.report import units

SHOWN = 15


def considered_lines(rows: list[dict] | None) -> list[str]:
    if not rows:
        return []
    lines = ["", "CONSIDERED RESOURCES", "====================",
             f"  {'':2}{'platform':<9}{'where':<9}{'instance type':<17}{'nodes':>5}  {'purchasing':<10}"
             f"{'cost':>10}  {'result p50':>10}  {'p90':>8}  {'spot risk':>9}  why not chosen"]
    for row in rows[:SHOWN]:
        risk = "-" if row["spot_interruption_probability"] is None else f"{row['spot_interruption_probability']:.1%}"
        mark = "=>" if row["chosen"] else ""
        lines.append(f"  {mark:<2}{row['platform']:<9}{row['where']:<9}{row['instance_type'] or '-':<17}"
                     f"{row['nodes']:>5}  {row['purchasing']:<10}{units.usd(row['cost_usd']):>10}  "
                     f"{units.duration(row['time_to_result_s']):>10}  "
                     f"{units.duration(row['time_to_result_p90_s']):>8}  "
                     f"{risk:>9}  {'' if row['chosen'] else row['reason']}")
    chosen = next((r for r in rows if r["chosen"]), None)
    if chosen:
        lines.append(f"  => {chosen['reason']}")
    if len(rows) > SHOWN:
        lines.append(f"  ... and {len(rows) - SHOWN} more, each with its reason (asba explain --json: considered)")
    return lines
