"""Render an evaluation's trace events as text or JSON (the events themselves are data: asba.rules).

Levels follow OPA's ``--explain``: ``notes`` shows fired rules with their findings and conclusions;
``fails`` adds, for every rule that did not fire, the conditions that failed (why-not); ``full`` adds every
asserted fact with its source and every suppressed or rejected step.
"""

from __future__ import annotations

from typing import Any

LEVELS = ("notes", "fails", "full")


def _value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _event_lines(event, level: str) -> list[str]:
    data, kind = event.data, event.type
    if kind == "fact_asserted":
        if level != "full":
            return []
        return [f"  fact       {data['fact']} = {_value(data['value'])}   [{data['source']}]"]
    if kind == "rule_fired":
        matched = ", ".join(f"{m['name']}={_value(m['value'])}" for m in data["matched"])
        return [f"{event.seq:>3} FIRED   {data['rule']} ({data['pack']}@{data['pack_revision']}, {data['severity']})",
                f"      matched {matched or '(no facts: absent/none conditions only)'}"]
    if kind == "conclusion_asserted":
        return [f"      => {data['name']} = {_value(data['value'])}"]
    if kind == "conclusion_rejected" and level != "notes":
        return [(f"{event.seq:>3} KEPT    {data['name']} = {_value(data['kept'])} ({data['kept_from']}); "
                 f"{data['rule']} wanted {_value(data['value'])}")]
    if kind == "rule_suppressed" and level == "full":
        failed = "; ".join(f["text"] for f in data["failed"])
        return [f"{event.seq:>3} SUPPRESSED {data['rule']}: {failed}"]
    return []


def render_text(ev, level: str = "notes", why_not: list[str] | None = None) -> str:
    """Human-readable trace; ``why_not`` adds explanations for specific rule ids or conclusion names."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    lines = ["Trace (" + ", ".join(f"{p.name}@{p.revision}" for p in ev.packset.packs) + ")"]
    for event in ev.events:
        lines.extend(_event_lines(event, level))
    if not ev.fired:
        lines.append("  (no rule fired)")
    if ev.findings:
        lines.append("Findings")
        for f in ev.findings:
            lines += [f"  [{f.severity}] {f.rule_id}", f"    found: {f.found}", f"    why:   {f.why}",
                      f"    fix:   {f.fix}"]
    targets = list(why_not or [])
    if level in ("fails", "full"):
        targets += [r.id for r in ev.packset.rules if r.id not in ev.fired and r.id not in targets]
    if targets:
        lines.append("Why not")
        for target in targets:
            lines.extend(_why_not_lines(ev.why_not(target)))
    return "\n".join(lines) + "\n"


def _why_not_lines(answer) -> list[str]:
    if answer.happened or not answer.rules:
        return [f"  {answer.summary}"]
    lines = [f"  {answer.target}: not {'fired' if answer.target == answer.rules[0]['rule'] else 'asserted'}"]
    for entry in answer.rules:
        for k, alt in enumerate(entry["alternatives"]):
            label = entry["rule"] if len(entry["alternatives"]) == 1 else f"{entry['rule']} (alternative {k + 1})"
            reasons = "; ".join(f["text"] for f in alt) or "its conditions held but another rule already decided"
            lines.append(f"    {label}: {reasons}")
    return lines


def render_json(ev, level: str = "notes", why_not: list[str] | None = None) -> dict:
    """The same content as render_text, as JSON-ready data."""
    data = ev.as_dict()
    if level != "full":
        data["events"] = [e for e in data["events"] if e["type"] in ("rule_fired", "conclusion_asserted")
                          or (level == "fails" and e["type"] == "conclusion_rejected")]
    targets = list(why_not or [])
    if level in ("fails", "full"):
        targets += [r.id for r in ev.packset.rules if r.id not in ev.fired and r.id not in targets]
    data["why_not"] = [ev.why_not(t).as_dict() for t in targets]
    return data
