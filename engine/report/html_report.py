"""`asba report --html FILE`: one self-contained HTML page (inline SVG and CSS, no network, no library).

Every drawn datum is an SVG element of class ``mark``; each chart's ``<svg>`` says how many it holds
(``data-marks``), so a browser test can count what was drawn against what was meant to be.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from asba.history.report_data import WAIT_EDGES, WAIT_LABELS, ReportData, ScriptSeries
from asba.report import units

W, BAR_H = 720, 22
CSS = """body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:760px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}.note{color:#666;font-size:12px}
svg text{font:11px system-ui,sans-serif;fill:#333}.cpu{fill:#1f77b4}.mem{fill:#ff7f0e}
.waste{fill:#d62728}.used{fill:#2ca02c}.wait{fill:#6a51a3}.req{stroke:#999;stroke-dasharray:4 3}
.band{fill:#fdae6b;fill-opacity:.45}"""
CHECK = """<script>
(function(){var total=0,bad=[];document.querySelectorAll('svg[data-chart]').forEach(function(s){
var n=s.querySelectorAll('.mark').length;total+=n;if(n!==Number(s.dataset.marks))bad.push(s.dataset.chart);});
document.getElementById('check').textContent='marks drawn: '+total+(bad.length?'; MISMATCH in '+bad.join(', '):'');
document.title='asba report ('+total+' marks)';})();
</script>"""


def _svg(chart: str, height: int, marks: int, body: list[str]) -> str:
    return (f'<svg data-chart="{chart}" data-marks="{marks}" width="{W}" height="{height}" '
            f'viewBox="0 0 {W} {height}" role="img" xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>")


def wastes_chart(rows: list[dict], limit: int = 15) -> str:
    """Core-hours allocated by script, the used part green and the wasted part red (one mark each)."""
    rows = rows[:limit]
    top = max((r["core_h"] for r in rows), default=0.0) or 1.0
    body, marks = [], 0
    for i, r in enumerate(rows):
        y, scale = 10 + i * BAR_H, (W - 300) / top
        used, wasted = r["used_core_h"] * scale, max(r["wasted_core_h"], 0) * scale
        name = html.escape(r["script"][:28])
        body += [f'<text x="0" y="{y + 14}">{name}</text>',
                 f'<rect class="mark used" x="190" y="{y}" width="{used:.1f}" height="16">'
                 f'<title>{name}: {units.amount(r["used_core_h"])} core-h used</title></rect>',
                 f'<rect class="mark waste" x="{190 + used:.1f}" y="{y}" width="{wasted:.1f}" height="16">'
                 f'<title>{name}: {units.amount(r["wasted_core_h"])} core-h wasted</title></rect>',
                 f'<text x="{196 + used + wasted:.1f}" y="{y + 14}">{units.amount(r["wasted_core_h"])} wasted</text>']
        marks += 2
    return _svg("wastes", 20 + len(rows) * BAR_H, marks, body)


def efficiency_chart(series: ScriptSeries, t0: int, t1: int) -> str:
    """One script: CPU (blue) and memory (orange) efficiency per job over time; the dashed line is the request."""
    height, left, top_pad = 150, 40, 10
    plot_h, span = height - 30, max(t1 - t0, 1)
    body = [f'<line class="req" x1="{left}" x2="{W}" y1="{top_pad}" y2="{top_pad}"/>',
            f'<text x="0" y="{top_pad + 4}">100%</text><text x="0" y="{top_pad + plot_h}">0%</text>']
    marks = 0
    for ts, cpu, mem in series.points:
        x = left + (ts - t0) / span * (W - left - 10)
        for value, cls in ((cpu, "cpu"), (mem, "mem")):
            if value is None:
                continue
            y = top_pad + plot_h * (1 - min(value, 100) / 100)
            body.append(f'<circle class="mark {cls}" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{cls} '
                        f'{value:.0f}%</title></circle>')
            marks += 1
    return _svg(f"efficiency:{html.escape(series.script)}", height, marks, body)


def waits_chart(counts: list[int], predicted: dict | None = None) -> str:
    """The real waits, one bar per bin; where the decision log gives asba's predicted band, a shaded band from its
    p10 to its p90 on the same axis (one more mark)."""
    height, plot_h, slot = 170, 130, W // len(counts)
    top = max(counts, default=0) or 1
    body = []
    if predicted:
        x0, x1 = _wait_x(predicted["p10_s"], slot), _wait_x(predicted["p90_s"], slot)
        body.append(f'<rect class="mark band" x="{x0:.1f}" y="10" width="{max(x1 - x0, 2):.1f}" height="{plot_h}">'
                    f'<title>asba predicted p10 {units.duration(predicted["p10_s"])} to p90 '
                    f'{units.duration(predicted["p90_s"])}</title></rect>')
    for i, (label, n) in enumerate(zip(WAIT_LABELS, counts, strict=True)):
        h = plot_h * n / top
        body += [f'<rect class="mark wait" x="{i * slot + 10}" y="{10 + plot_h - h:.1f}" width="{slot - 20}" '
                 f'height="{h:.1f}"><title>{label}: {units.plural(n, "job")}</title></rect>',
                 f'<text x="{i * slot + 10}" y="{height - 14}">{label} ({units.count(n)})</text>']
    return _svg("waits", height, len(counts) + bool(predicted), body)


def _wait_x(seconds: float, slot: int) -> float:
    """Where a wait lies on the bins' axis: in its bin, in proportion between the bin's edges (the last bin runs
    to two days)."""
    edges = (0, *WAIT_EDGES, 2 * WAIT_EDGES[-1])
    i = next((k for k in range(len(edges) - 1) if seconds < edges[k + 1]), len(edges) - 2)
    within = min((seconds - edges[i]) / (edges[i + 1] - edges[i]), 1.0)
    return i * slot + 10 + within * (slot - 20)


def spend_chart(days: list[tuple[str, float]], budget: float | None) -> str:
    """This month's AWS spend, cumulative by day (one bar a day), against the monthly budget (dashed)."""
    height, plot_h = 170, 130
    total, cumulative = 0.0, []
    for _, usd in days:
        total += usd
        cumulative.append(total)
    top = max([*cumulative, budget or 0.0]) or 1.0
    slot = (W - 60) / max(len(days), 1)
    body = []
    if budget:
        y = 10 + plot_h * (1 - budget / top)
        body.append(f'<line class="req" x1="50" x2="{W}" y1="{y:.1f}" y2="{y:.1f}"/>'
                    f'<text x="0" y="{y + 4:.1f}">{units.usd(budget)}</text>')
    for i, ((day, _), value) in enumerate(zip(days, cumulative, strict=True)):
        h = plot_h * value / top
        body.append(f'<rect class="mark waste" x="{55 + i * slot:.1f}" y="{10 + plot_h - h:.1f}" '
                    f'width="{max(slot - 4, 2):.1f}" height="{h:.1f}"><title>{day}: {units.usd(value)} so far'
                    f'</title></rect>')
    return _svg("spend", height, len(days), body)


POLICIES = ("asba", "taken", "go-rule", "always-local", "always-aws")


def regret_chart(regret: dict) -> str:
    """Regret in hindsight (dollars lost against the best choice, counting the value of time) of asba's advice and
    of simple policies, over the same jobs: one bar per policy."""
    totals = regret.get("total_usd", {})
    top = max(totals.values(), default=0.0) or 1.0
    body = []
    for i, name in enumerate(p for p in POLICIES if p in totals):
        y, width = 10 + i * BAR_H, (W - 300) * totals[name] / top
        body += [f'<text x="0" y="{y + 14}">{name}</text>',
                 f'<rect class="mark waste" x="190" y="{y}" width="{width:.1f}" height="16"><title>{name}: '
                 f'{units.usd(totals[name])} regret</title></rect>',
                 f'<text x="{196 + width:.1f}" y="{y + 14}">{units.usd(totals[name])}</text>']
    return _svg("regret", 20 + len(body) // 3 * BAR_H, len(body) // 3, body)


def _outcome_parts(outcomes: dict | None) -> list[str]:
    if not outcomes:
        return []
    acc = outcomes["acceptance"]
    head = (f"<h2>Decisions and what followed ({html.escape(outcomes['source'])})</h2>"
            f"<p>{units.count(acc['followed'])} of {units.plural(acc['jobs'], 'job')} ran where asba advised. "
            "Regret: dollars lost in hindsight against the best choice, counting the value of time.</p>")
    if not acc["jobs"]:
        return [head]
    return [head, regret_chart(outcomes["regret"])]


def _band_note(predicted: dict | None) -> str:
    if not predicted:
        return ('<p class="note">No logged decision predicted a local wait in this window: '
                "asba's predicted band is not drawn.</p>")
    return (f'<p class="note"><span style="color:#e6550d">&#9632; asba predicted</span> p10 '
            f'{units.duration(predicted["p10_s"])} to p90 {units.duration(predicted["p90_s"])} (the median over '
            f'{units.plural(predicted["decisions"], "logged decision")}); bars: the real waits.</p>')


def render(data: ReportData, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    window = f"the last {units.plural(data.days, 'day')}" if data.days else "all of your history"
    t = data.totals
    points = [p[0] for s in data.series for p in s.points]
    t0, t1 = (min(points), max(points)) if points else (0, 1)
    parts = [f"<h1>asba report: {window}</h1>",
             f"<p><b>{units.plural(t['jobs'], 'job')}, {units.amount(t['core_hours'])} core-hours allocated, "
             f"CPU efficiency {units.pct((t['cpu_efficiency'] or 0) / 100)}.</b></p>",
             '<p class="note">Generated ' + now.strftime("%Y-%m-%d %H:%M UTC") + ' by asba; no network needed. '
             '<span id="check"></span></p>',
             "<h2>Core-hours wasted by script</h2>", wastes_chart(data.wastes),
             "<h2>CPU and memory efficiency over time</h2>",
             '<p class="note"><span style="color:#1f77b4">● CPU</span> <span style="color:#ff7f0e">● memory</span>'
             ' per job, by submit time; the dashed line is the request (100%).</p>']
    for s in data.series:
        parts += [f"<h3>{html.escape(s.script)} ({units.amount(s.core_hours)} core-h)</h3>",
                  efficiency_chart(s, t0, t1)]
    parts += [f"<h2>Queue wait ({units.plural(data.waits_known, 'job')} with a known wait)</h2>",
              _band_note(data.predicted), waits_chart(data.wait_counts, data.predicted)]
    spent = sum(usd for _, usd in data.spend_days)
    budget = f" of the {units.usd(data.budget_usd)} monthly budget" if data.budget_usd else " (no budget set)"
    parts += [f"<h2>AWS spend this month: {units.usd(spent)}{budget}</h2>",
              spend_chart(data.spend_days, data.budget_usd)]
    parts += _outcome_parts(data.outcomes)
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>asba report</title>"
            f"<style>{CSS}</style></head><body>" + "\n".join(parts) + CHECK + "</body></html>\n")


def expected_marks(data: ReportData, limit: int = 15) -> int:
    """What render() draws: 2 per listed script, one per known efficiency figure, one per wait bin (and the
    predicted band), one per day of AWS spend."""
    eff = sum((cpu is not None) + (mem is not None) for s in data.series for _, cpu, mem in s.points)
    regret = len((data.outcomes or {}).get("regret", {}).get("total_usd", {})) \
        if (data.outcomes or {}).get("acceptance", {}).get("jobs") else 0
    return (2 * len(data.wastes[:limit]) + eff + len(data.wait_counts) + bool(data.predicted) + len(data.spend_days)
            + regret)
