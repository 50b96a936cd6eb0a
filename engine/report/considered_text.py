"""The two option tables of `asba explain`: "Considered resources" (every option the decision weighed, the
chosen one marked) and the instance types. Each row fits 80 columns: its numbers on one line, never cut; a long
instance name is shortened (the JSON keeps it whole) and the reason or notes wrap on the lines below it."""

from __future__ import annotations

import textwrap

from asba.report import units

SHOWN = 15
WIDTH = 80
NAME = 15  # instance type column: longer names end in "…"
NOTE_INDENT = " " * 6


def considered_lines(rows: list[dict] | None) -> list[str]:
    if not rows:
        return []
    lines = ["", "CONSIDERED RESOURCES", "====================",
             "  (p50, p90: time to the result; spot: interruption risk; below: why not chosen)",
             f"  {'':2}{'where':<8}{_name('instance type')} {'nodes':>5} {'purchasing':<10}"
             f"{'cost':>9} {'p50':>8} {'p90':>8} {'spot':>6}"]
    for row in rows[:SHOWN]:
        risk = "-" if row["spot_interruption_probability"] is None else f"{row['spot_interruption_probability']:.1%}"
        mark = "=>" if row["chosen"] else ""
        lines.append(f"  {mark:<2}{_name(row['where'], 7)} {_name(row['instance_type'] or '-')} {row['nodes']:>5} "
                     f"{row['purchasing']:<10}{units.usd(row['cost_usd']):>9} "
                     f"{units.duration(row['time_to_result_s']):>8} {units.duration(row['time_to_result_p90_s']):>8} "
                     f"{risk:>6}")
        if not row["chosen"] and row["reason"]:
            lines += wrapped(row["reason"])
    chosen = next((r for r in rows if r["chosen"]), None)
    if chosen:
        lines += wrapped(f"=> {chosen['reason']}", "  ")
    if len(rows) > SHOWN:
        lines += wrapped(f"... and {len(rows) - SHOWN} more, each with its reason (asba explain --json: "
                          "considered)", "  ")
    return lines


def instance_lines(rows: list[dict]) -> list[str]:
    """The instance type rows: type, nodes, vCPUs, memory, prices and the job's cost on one line; the family,
    architecture, comparison with the current choice and burst-partition note on the next."""
    lines = [f"  {_name('instance type')} {'nodes':>5} {'vCPU':>5} {'memory':>8} {'on-demand':>10} {'spot':>9} "
             f"{'job':>10}"] if rows else []
    for row in rows:
        lines.append(f"  {_name(row['instance_type'])} {'x' + str(row['nodes']):>5} {row['vcpus']:>5} "
                     f"{units.gib(row['memory_gib']):>8} {units.usd_rate(row['on_demand_usd_per_hour']):>10} "
                     f"{units.usd_rate(row.get('spot_usd_per_hour')):>9} {units.usd(row['job_cost_usd']):>10}")
        notes = [f"{row['family_class']}, {row['arch']}"]
        if row.get("vs_current_pct") is not None:
            notes.append(f"{row['vs_current_pct']:+.0f}% vs current")
        if not row["in_burst_partition"]:
            notes.append("not in the burst partition")
        lines += wrapped("; ".join(notes))
    return lines


def _name(name: str, width: int = NAME) -> str:
    return f"{name:<{width}}" if len(name) <= width else name[:width - 1] + "…"


def wrapped(text: str, indent: str = NOTE_INDENT) -> list[str]:
    """Wrapped at spaces only: a number or a name is never split across lines."""
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_long_words=False, break_on_hyphens=False)
