"""`asba report` in a terminal: the same pictures as the HTML page, as bars and sparklines (80 columns)."""

from __future__ import annotations

from asba.history.report_data import WAIT_LABELS, ReportData
from asba.report import units

BLOCKS = "▁▂▃▄▅▆▇█"
BAR = 30


def sparkline(values: list[float | None], width: int = 40) -> str:
    """The last `width` values, 0-100 %, one block each ('·' where unknown)."""
    return "".join("·" if v is None else BLOCKS[min(int(min(max(v, 0), 100) / 100 * len(BLOCKS)), len(BLOCKS) - 1)]
                   for v in values[-width:])


def _bar(value: float, top: float, width: int = BAR) -> str:
    return "█" * max(0, round(width * value / top)) if top > 0 else ""


def render(data: ReportData, limit: int = 10) -> str:
    t = data.totals
    window = f"the last {units.plural(data.days, 'day')}" if data.days else "all of your history"
    lines = [f"{units.plural(t['jobs'], 'job')} in {window}: {units.amount(t['core_hours'])} core-hours allocated, "
             f"CPU efficiency {units.pct((t['cpu_efficiency'] or 0) / 100)}", "", "Core-hours wasted by script:"]
    rows = data.wastes[:limit]
    top = max((r["wasted_core_h"] for r in rows), default=0.0)
    for r in rows:
        lines.append(f"  {r['script'][:24]:<24} {_bar(max(r['wasted_core_h'], 0), top):<{BAR}} "
                     f"{units.amount(r['wasted_core_h'])}")
    if len(data.wastes) > limit:
        lines.append(f"  … and {units.count(len(data.wastes) - limit)} more scripts: asba insights --efficiency --all")
    lines += ["", "CPU efficiency per job, oldest to newest (▁ 0% … █ 100%):"]
    for s in data.series:
        lines.append(f"  {s.script[:24]:<24} {sparkline([p[1] for p in s.points])}")
    lines += ["", f"Queue wait ({units.plural(data.waits_known, 'job')} with a known wait):"]
    most = max(data.wait_counts, default=0)
    for label, n in zip(WAIT_LABELS, data.wait_counts, strict=True):
        lines.append(f"  {label:<8} {_bar(n, most):<{BAR}} {units.count(n)}")
    if data.predicted:
        band = data.predicted
        lines.append(f"  asba predicted p10 {units.duration(band['p10_s'])} to p90 {units.duration(band['p90_s'])} "
                     f"(median of {units.plural(band['decisions'], 'logged decision')})")
    spent = sum(usd for _, usd in data.spend_days)
    if data.budget_usd:
        lines += ["", f"AWS spend this month: {units.usd(spent)} of {units.usd(data.budget_usd)}",
                  f"  {_bar(min(spent, data.budget_usd), data.budget_usd):<{BAR}}|"]
    else:
        lines += ["", f"AWS spend this month: {units.usd(spent)} (no monthly budget set)"]
    lines += _outcomes(data.outcomes)
    return "\n".join(lines) + "\n"


def _outcomes(outcomes: dict | None) -> list[str]:
    if not outcomes or not outcomes["acceptance"]["jobs"]:
        return []
    acc, totals = outcomes["acceptance"], outcomes["regret"].get("total_usd", {})
    lines = ["", f"Decisions ({outcomes['source']}): {units.count(acc['followed'])} of "
                 f"{units.plural(acc['jobs'], 'job')} ran where advised; regret in hindsight:"]
    top = max(totals.values(), default=0.0)
    lines += [f"  {name:<14} {_bar(usd, top):<{BAR}} {units.usd(usd)}" for name, usd in totals.items()]
    return lines
