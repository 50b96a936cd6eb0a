"""The consistency check (asba.decide.consistency) as `asba explain` prints it: only when there is something to say."""

from __future__ import annotations


def consistency_lines(block: dict | None) -> list[str]:
    if not block or not (block["resolved"] or block["violations"]):
        return []
    lines = ["", "CONSISTENCY", "==========="]
    lines += [f"  {r['lost']} yielded to {r['won']} on {r['resource']}: {r['why']}" for r in block["resolved"]]
    lines += [f"  [error] {v}" for v in block["violations"]]
    return lines
