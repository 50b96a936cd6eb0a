"""What `asba explain` says from the site's shared patterns when the script has no personal history."""

from __future__ import annotations

from typing import Any

from asba.errors import AsbaError


def site_note(cfg: Any, script: str, job: dict[str, Any]) -> str | None:
    """One note about the site's users who run the same tool on the same node count, or None."""
    from asba.facts.body_facts import body_facts
    from asba.share.export import shareable_programs
    from asba.share.insights import for_script
    from asba.share.site import site_for

    try:
        site = site_for(cfg)
        if not site.count():
            return None
        bundles = list(site.bundles())
        body = {f.name[5:]: f.value for f in body_facts(script)}
    except AsbaError:
        return None
    nodes = max(int(job.get("nodes_min") or 1), 1)
    found = for_script(bundles, shareable_programs(body), nodes)
    if found is None:
        return None
    parts = []
    if found["memory_use_pct"] is not None:
        parts.append(f"use {found['memory_use_pct']:.0f} % of the memory they request")
    if found["cpu_use_pct"] is not None:
        parts.append(f"keep {found['cpu_use_pct']:.0f} % of their CPUs busy")
    if not parts:
        return None
    return (f"no personal history for this script, so from the site's shared patterns ({site.root}): "
            f"{found['users']} user(s) at this site who run {found['tool']} on {nodes} node(s) "
            f"({found['patterns']} pattern(s)) {' and '.join(parts)} (median); asba share insights lists more")
