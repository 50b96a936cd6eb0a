"""Best practices and common mistakes from a site's bundles (the roadmap's BestPractice / CommonMistake).

Patterns are grouped by the tool they run (the first program name that is not an interpreter or a generic
module) and their domain. For each group:

* BestPractice: an optimisation (right-size memory / CPUs / time limit), the median share of the request it
  frees among the patterns that would gain from it (``savings_pct``), and the share of the group's users whose
  patterns already do it (``adoption_rate``: that resource within 10 % of right-sized).
* CommonMistake: a habit seen in the group (asking for twice the memory used, leaving half the CPUs idle,
  running out of memory, timing out), how many users show it, and what fixed it where a fix was recorded.

The numbers are medians over patterns; users are counted by their salted contributor hash.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

GENERIC = frozenset("python python3 rscript r julia perl bash sh anaconda3 anaconda miniconda conda cuda cudatoolkit "
                    "intel intel-oneapi intel-mpi openmpi mpich gcc nvhpc cmake".split())
ADOPTED_BELOW_PCT = 10.0
OPTIMISATIONS = (("memory_savings_pct", "request memory at the peak used plus 20 % headroom"),
                 ("cpu_savings_pct", "request the CPUs the job keeps busy (effective cores, rounded up)"),
                 ("time_savings_pct", "set the time limit to the p95 runtime plus 25 %"))


@dataclass
class BestPractice:
    workload: str
    optimization: str
    savings_percent: float
    adoption_rate: float
    users: int
    patterns: int


@dataclass
class CommonMistake:
    workload: str
    mistake: str
    users: int
    share_of_users: float
    typical: str  # the size of it, e.g. "uses 38 % of the memory requested"
    fix: str


@dataclass
class Group:
    tool: str
    domain: str
    entries: list[tuple[str, dict[str, Any]]]  # (contributor, pattern)

    @property
    def label(self) -> str:
        return self.tool if self.domain == "unknown" else f"{self.tool} ({self.domain})"

    def users(self, keep=lambda p: True) -> int:
        return len({c for c, p in self.entries if keep(p)})


def main_tool(programs: Iterable[str]) -> str | None:
    names = [p for p in programs if p.lower() not in GENERIC]
    return names[0].lower() if names else None


def groups(bundles: Iterable[dict[str, Any]]) -> list[Group]:
    found: dict[tuple[str, str], Group] = {}
    for bundle in bundles:
        for pattern in bundle["patterns"]:
            tool = main_tool(pattern["programs"])
            if tool is None:
                continue
            key = (tool, pattern["domain"])
            found.setdefault(key, Group(tool, pattern["domain"], [])).entries.append((bundle["contributor"], pattern))
    return sorted(found.values(), key=lambda g: (-g.users(), g.tool))


def best_practices(group: Group) -> list[BestPractice]:
    out = []
    for key, text in OPTIMISATIONS:
        values = [(c, p["rightsizing"][key]) for c, p in group.entries if key in p.get("rightsizing", {})]
        gains = [v for _, v in values if v >= ADOPTED_BELOW_PCT]
        if not values or not gains:
            continue
        by_user: dict[str, list[float]] = defaultdict(list)
        for contributor, value in values:
            by_user[contributor].append(value)
        adopted = sum(1 for v in by_user.values() if max(v) < ADOPTED_BELOW_PCT)
        out.append(BestPractice(group.label, text, round(median(gains), 1), round(adopted / len(by_user), 3),
                                len(by_user), len(values)))
    return out


def common_mistakes(group: Group) -> list[CommonMistake]:
    total = group.users()
    out = []
    checks = (
        ("requests at least twice the memory it uses", lambda p: p.get("memory_use_ratio", 1) <= 0.5,
         "memory_use_ratio", "uses {:.0f} % of the memory requested", "request memory at the peak plus 20 %"),
        ("leaves half or more of its CPUs idle", lambda p: p.get("cpu_use_ratio", 1) <= 0.5,
         "cpu_use_ratio", "keeps {:.0f} % of the requested CPUs busy", "request fewer CPUs or pass the thread count"),
        ("runs out of memory", lambda p: p["failures"]["oom"] > 0, None, "", "more-memory"),
        ("hits its time limit", lambda p: p["failures"]["timeout"] > 0, None, "", "longer-time-limit"),
    )
    for mistake, test, ratio, typical, fix in checks:
        hits = [p for _, p in group.entries if test(p)]
        if not hits:
            continue
        users = group.users(test)
        size = typical.format(100 * median([p[ratio] for p in hits])) if ratio else _failure_size(hits, mistake)
        out.append(CommonMistake(group.label, mistake, users, round(users / total, 3), size,
                                 fix if ratio else _recorded_fix(hits, fix)))
    return out


def _failure_size(hits: list[dict[str, Any]], mistake: str) -> str:
    key = "oom" if "memory" in mistake else "timeout"
    runs = sum(p["failures"][key] for p in hits)
    return f"{runs} failed run(s) in {len(hits)} pattern(s)"


def _recorded_fix(hits: list[dict[str, Any]], fix: str) -> str:
    factors = [f["factor"] for p in hits for f in p.get("fixes", []) if f["fix"] == fix]
    what = "more memory" if fix == "more-memory" else "a longer time limit"
    if not factors:
        return f"no fix recorded yet; {what} is the usual one"
    return f"fixed by {what}: x{median(factors):.2f} (median of {len(factors)} recorded fix(es))"


def aggregate(bundles: list[dict[str, Any]]) -> dict[str, Any]:
    found = groups(bundles)
    return {
        "bundles": len(bundles),
        "contributors": len({b["contributor"] for b in bundles}),
        "patterns": sum(len(b["patterns"]) for b in bundles),
        "best_practices": [asdict(bp) for g in found for bp in best_practices(g)],
        "common_mistakes": [asdict(m) for g in found for m in common_mistakes(g)],
    }


def for_script(bundles: list[dict[str, Any]], programs: list[str], nodes: int) -> dict[str, Any] | None:
    """What the site's users who run the same tool on the same node count do (for a script with no history)."""
    tool = main_tool(programs)
    if tool is None:
        return None
    same = [(b["contributor"], p) for b in bundles for p in b["patterns"]
            if main_tool(p["programs"]) == tool and p["nodes"] == nodes]
    memory = [p["memory_use_ratio"] for _, p in same if "memory_use_ratio" in p]
    if not same:
        return None
    cpus = [p["cpu_use_ratio"] for _, p in same if "cpu_use_ratio" in p]
    return {"tool": tool, "nodes": nodes, "users": len({c for c, _ in same}), "patterns": len(same),
            "memory_use_pct": round(100 * median(memory), 1) if memory else None,
            "cpu_use_pct": round(100 * median(cpus), 1) if cpus else None}


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
