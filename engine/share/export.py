"""`asba share export`: the user's script patterns as an anonymised bundle.

What goes in, per script with at least ``share.k_anonymity_runs`` runs: the research domain and workload class
(the rule packs' conclusions), program names (tools, interpreters and module names; never arguments, paths or
the user's own script names such as ``analysis.py``), request-vs-use ratios, what right-sizing would give back,
failure counts and what fixed them (a later successful run with more memory or time), and per-platform outcomes.
What never goes in: user, account, host, partition, path, job name, job id, script text. The script's key and
the contributor are HMAC-SHA256 hashes with the site's salt, so the same script or user gives the same key at one
site and cannot be looked up elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asba.share.bundle import FORMAT, VERSION, seal

USER_SCRIPT = re.compile(r"\.(py|r|jl|sh|bash|pl|m|do|x|out|sbatch|slurm|jar|ipynb)$", re.IGNORECASE)
NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$")
FAILED = {"OUT_OF_MEMORY": "oom", "TIMEOUT": "timeout"}


@dataclass
class ExportReport:
    bundle: dict[str, Any]
    exported: int = 0
    withheld: int = 0  # patterns on fewer runs than the k-anonymity threshold
    without_script: list[str] = field(default_factory=list)  # no script file found: no programs or domain


def keyed(salt: bytes, text: str) -> str:
    return "h:" + hmac.new(salt, text.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def build_bundle(store: Any, salt: bytes, *, k: int, memory_headroom: float, time_headroom: float,
                 script_dirs: list[Path], today: datetime | None = None) -> ExportReport:
    from asba.history.patterns import all_patterns
    from asba.rules import load_packs

    packs = load_packs()
    report = ExportReport({})
    users: Counter[str] = Counter()
    patterns = []
    for pat in all_patterns(store):
        if pat.runs < k:
            report.withheld += 1
            continue
        runs = store.jobs(script_hash=pat.script_hash or None, script_name=None if pat.script_hash else pat.script)
        users.update(r.user for r in runs if r.user)
        script = _script_file(runs, pat.script, script_dirs)
        if script is None:
            report.without_script.append(pat.script)
        entry = _pattern(pat, runs, script, packs, salt, memory_headroom, time_headroom)
        entry["programs"] = [p for p in entry["programs"] if not _personal(p, runs)]
        patterns.append(entry)
    if today is None:
        from asba.decide.context import now_utc

        today = now_utc()
    day = today.astimezone(UTC).strftime("%Y-%m-%d")
    user = users.most_common(1)[0][0] if users else _login()
    report.exported = len(patterns)
    report.bundle = seal({"format": FORMAT, "version": VERSION, "created": day, "site": keyed(salt, "site"),
                          "contributor": keyed(salt, "user:" + user), "k_anonymity_runs": k,
                          "patterns": patterns})
    return report


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _script_file(runs: list[Any], name: str, dirs: list[Path]) -> Path | None:
    for run in reversed(runs):
        if run.script_path and Path(run.script_path).is_file():
            return Path(run.script_path)
    for folder in dirs:
        if name and (folder / name).is_file():
            return folder / name
    return None


def _personal(name: str, runs: list[Any]) -> bool:
    lowered = name.lower()
    words = {w.lower() for r in runs for w in (r.user, r.account, r.job_name, r.script_name) if w and len(w) >= 3}
    return any(w in lowered for w in words)


def _pattern(pat: Any, runs: list[Any], script: Path | None, packs: Any, salt: bytes, memory_headroom: float,
             time_headroom: float) -> dict[str, Any]:
    from asba.history.workload_class import classify

    facts, body = _script_facts(script)
    conclusions = _conclusions(packs, pat, facts)
    entry: dict[str, Any] = {
        "key": keyed(salt, pat.script_hash or "name:" + pat.script),
        "runs": pat.runs,
        "domain": conclusions.get("domain.name", "unknown"),
        "workload_class": classify(pat).name,  # the one class history --patterns, explain and profile show
        "programs": shareable_programs(body),
        "launchers": [n for n in body.get("launchers", []) if NAME_OK.match(n)][:10],
        "nodes": max(1, int(_median([r.nodes for r in runs if r.nodes]) or 1)),
        "gpus": max([r.requested_gpus or 0 for r in runs] or [0]),
        "failures": {"oom": pat.oom_count, "timeout": pat.timeout_count, "other": pat.other_failure_count},
        "platforms": _platforms(runs),
    }
    entry.update(_ratios(pat))
    sizing = _rightsizing(pat, memory_headroom, time_headroom)
    if sizing:
        entry["rightsizing"] = sizing
    fixes = _fixes(runs)
    if fixes:
        entry["fixes"] = fixes
    return entry


def _script_facts(script: Path | None) -> tuple[list[Any], dict[str, Any]]:
    if script is None:
        return [], {}
    from asba.errors import AsbaError
    from asba.facts.body_facts import body_facts
    from asba.facts.job_facts import job_facts
    from asba.inputs.batch_script import parse_script

    try:
        req = parse_script(script)
        body = body_facts(script)
    except AsbaError:
        return [], {}
    return job_facts(req) + body, {f.name[5:]: f.value for f in body}


def _conclusions(packs: Any, pat: Any, facts: list[Any]) -> dict[str, Any]:
    from asba.facts.history_facts import history_facts
    from asba.rules import evaluate

    evaluation = evaluate(packs, facts + history_facts(pat))
    return {name: c.value for name, c in evaluation.conclusions.items()}


def shareable_programs(body: dict[str, Any]) -> list[str]:
    """The program names a bundle may carry: no user script names, no paths, at most 20."""
    names = [p for p in body.get("programs", []) if not USER_SCRIPT.search(p)]
    names += body.get("interpreters", [])
    names += [m.split("/")[0] for m in body.get("modules", [])]
    return [n for n in dict.fromkeys(names) if NAME_OK.match(n)][:20]


def _ratios(pat: Any) -> dict[str, float]:
    out = {}
    if pat.effective_cores is not None and pat.requested_cpus:
        out["cpu_use_ratio"] = round(min(pat.effective_cores / pat.requested_cpus, 1000), 3)
    if pat.peak_memory_mb is not None and pat.requested_memory_mb:
        out["memory_use_ratio"] = round(min(pat.peak_memory_mb / pat.requested_memory_mb, 1000), 3)
    if pat.runtime_to_limit_ratio is not None:
        out["runtime_to_limit_ratio"] = round(min(pat.runtime_to_limit_ratio, 1000), 3)
    return out


def _rightsizing(pat: Any, memory_headroom: float, time_headroom: float) -> dict[str, float]:
    """The share of each request that right-sizing (peak + headroom, effective cores, p95 + headroom) frees."""
    out = {}
    if pat.peak_memory_mb and pat.requested_memory_mb:
        out["memory_savings_pct"] = _pct(1 - pat.peak_memory_mb * (1 + memory_headroom) / pat.requested_memory_mb)
    if pat.effective_cores is not None and pat.requested_cpus:
        out["cpu_savings_pct"] = _pct(1 - max(1, math.ceil(pat.effective_cores)) / pat.requested_cpus)
    if pat.runtime_p95_s and pat.time_limit_s:
        out["time_savings_pct"] = _pct(1 - pat.runtime_p95_s * (1 + time_headroom) / pat.time_limit_s)
    return out


def _pct(share: float) -> float:
    return round(min(max(share, 0.0), 1.0) * 100, 1)


def _fixes(runs: list[Any]) -> list[dict[str, Any]]:
    """A failure followed, later, by a successful run that asked for more of what ran out."""
    found: dict[tuple[str, str], float] = {}
    for i, run in enumerate(runs):
        kind = FAILED.get(run.state)
        if kind is None:
            continue
        later = next((r for r in runs[i + 1:] if r.state == "COMPLETED"), None)
        if later is None:
            continue
        attr, fix = ("requested_memory_mb", "more-memory") if kind == "oom" else ("time_limit_s", "longer-time-limit")
        before, after = getattr(run, attr), getattr(later, attr)
        if before and after and after > before:
            found.setdefault((kind, fix), round(min(after / before, 1000), 2))
    return [{"failure": k, "fix": f, "factor": v} for (k, f), v in found.items()]


def _platforms(runs: list[Any]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for platform in ("local", "aws"):
        finished = [r for r in runs if r.execution_platform == platform and r.state not in ("RUNNING", "PENDING")]
        if finished:
            ok = sum(1 for r in finished if r.state == "COMPLETED")
            out[platform] = {"runs": len(finished), "success_rate": round(ok / len(finished), 3)}
    return out


def _median(values: list[float]) -> float | None:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else None
