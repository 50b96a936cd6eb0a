"""Measure the workload classification on the labelled corpus (tests/fixtures/corpus/labels.yaml).

Two measurements, both against labels made from how a job was built or from reading its sacct output:

* per job: every labelled job's own record, classified by the shipped packs (the same rules and facts asba
  explain uses, with that one run as the history);
* per script: each corpus script explained end to end (`asba explain SCRIPT --history-dump capture
  --optimize --with-history --recommend-instance --json`), which also yields the consistency check, the
  right-sizing and the instance family.

`python tests/corpus/corpus_eval.py` prints the report (accuracy per class, the confusion list).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
BOTTLENECK = {"cpu-bound": "cpu", "memory-bound": "memory", "cpu-and-memory-bound": "cpu+memory",
              "io-or-idle": "none", "gpu-idle": "none", "time-limited": "time", "gpu-bound": "gpu",
              "insufficient-evidence": "unknown"}
FAMILY = {"cpu-bound": {"compute"}, "memory-bound": {"memory"}}  # what the instance family must follow
NOW = "2026-12-03T12:00:00Z"


@dataclass(frozen=True)
class Outcome:
    where: str  # capture:job or script
    label: str
    got_class: str
    confidence: str | None

    @property
    def got(self) -> str:
        return BOTTLENECK[self.got_class]

    @property
    def right(self) -> bool:
        return self.got == self.label


def labels() -> dict:
    return yaml.safe_load((CORPUS / "labels.yaml").read_text())


def _reportseff_formats() -> dict[str, dict]:
    with (REPO / labels()["captures"]["reportseff"]["dir"] / "FIXTURES.tsv").open() as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}


def _records(capture: str, jobs: dict, store: Any) -> dict[str, Any]:
    caps = labels()["captures"]
    if capture == "reportseff":
        formats = _reportseff_formats()
        for name in sorted({j["file"] for j in jobs.values()}):
            fmt = formats[name]
            store.import_file(REPO / caps[capture]["dir"] / name, delimiter=fmt["delimiter"],
                              fields=fmt["sacct_format"].split(","))
    else:
        store.import_file(REPO / caps[capture]["file"])
    return {job_id: store.jobs(job_id=job_id)[0] for job_id in jobs}


def job_facts(record: Any) -> list:
    """The facts asba would have with this one run as the script's history."""
    from asba.facts.model import Fact
    from asba.history.evidence import evidence_facts, from_runs

    src = f"sacct job {record.job_id}"
    facts = [Fact("history.run_count", 1, src), Fact("job.total_cpus", int(record.alloc_cpus or 1), src),
             Fact("job.total_gpus", int(record.requested_gpus or 0), src),
             Fact("history.oom_count", int(record.state == "OUT_OF_MEMORY"), src),
             Fact("history.timeout_count", int(record.state in ("TIMEOUT", "DEADLINE")), src)]
    return facts + evidence_facts(from_runs([record]), src)


def per_job() -> list[Outcome]:
    from asba.history.store import HistoryStore
    from asba.history.workload_class import from_evaluation
    from asba.rules import evaluate, load_packs

    packs = load_packs()
    outcomes = []
    for capture, jobs in labels()["jobs"].items():
        with tempfile.TemporaryDirectory() as tmp, HistoryStore.open(Path(tmp) / "jobs.db") as store:
            for job_id, record in _records(capture, jobs, store).items():
                cls = from_evaluation(evaluate(packs, job_facts(record)))
                outcomes.append(Outcome(f"{capture}:{job_id}", jobs[job_id]["bottleneck"], cls.name, cls.confidence))
    return outcomes


def held_out() -> list[Outcome]:
    """Jobs of a capture made after the thresholds were fixed, each labelled by the script that built it."""
    from asba.history.store import HistoryStore
    from asba.history.workload_class import from_evaluation
    from asba.rules import evaluate, load_packs

    spec = labels()["captures"].get("heldout")
    if not spec or not (REPO / spec["file"]).is_file():
        return []
    by_script = {s["script"]: s["bottleneck"] for s in labels()["scripts"]}
    packs = load_packs()
    with tempfile.TemporaryDirectory() as tmp, HistoryStore.open(Path(tmp) / "jobs.db") as store:
        store.import_file(REPO / spec["file"])
        return [Outcome(f"heldout:{r.job_id}", by_script[r.script_name], cls.name, cls.confidence)
                for r in store.jobs() if r.script_name in by_script
                for cls in [from_evaluation(evaluate(packs, job_facts(r)))]]


def explain(script: str, *extra: str, capture: str = "corpus") -> dict:
    """`asba explain` on a corpus script with a corpus capture as its history, as JSON."""
    from asba.cli.main import main

    argv = ["explain", str(CORPUS / "jobs" / script), "cpu-aws", "--history-dump",
            str(REPO / labels()["captures"][capture]["file"]), "--optimize", "--with-history",
            "--recommend-instance", "--cluster-snapshot", str(REPO / "knowledge" / "cluster-snapshot"),
            "--no-log", "--json", *extra]
    out = io.StringIO()
    with tempfile.TemporaryDirectory() as home, contextlib.redirect_stdout(out):
        saved = {k: os.environ.get(k) for k in ("ASBA_HOME", "ASBA_NOW", "ASBA_CONFIG")}
        os.environ.update(ASBA_HOME=home, ASBA_NOW=NOW)
        os.environ.pop("ASBA_CONFIG", None)
        try:
            code = main(argv)
        finally:
            for key, value in saved.items():
                os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    if code != 0:
        raise AssertionError(f"asba explain {script} exited {code}")
    return json.loads(out.getvalue())


def per_script(capture: str = "corpus") -> list[tuple[Outcome, dict]]:
    found = []
    for entry in labels()["scripts"]:
        result = explain(entry["script"], capture=capture)
        work = result["workload"]
        found.append((Outcome(entry["script"], entry["bottleneck"], work["name"], work["confidence"]), result))
    return found


def report(outcomes: list[Outcome], title: str) -> list[str]:
    lines = [f"{title}: {sum(o.right for o in outcomes)} of {len(outcomes)} bottlenecks right "
             f"({accuracy(outcomes):.1f} %)"]
    for label in sorted({o.label for o in outcomes}):
        mine = [o for o in outcomes if o.label == label]
        lines.append(f"  {label:<11} {sum(o.right for o in mine)}/{len(mine)}")
    confused = Counter((o.label, o.got) for o in outcomes if not o.right)
    lines += [f"  confused: {label} labelled, {got} given ({n}x: "
              + ", ".join(o.where for o in outcomes if (o.label, o.got) == (label, got)) + ")"
              for (label, got), n in sorted(confused.items())]
    return lines


def accuracy(outcomes: list[Outcome]) -> float:
    return 100.0 * sum(o.right for o in outcomes) / len(outcomes) if outcomes else 0.0


def family_mismatches(results: list[tuple[Outcome, dict]]) -> list[str]:
    return [f"{o.where}: class {o.got_class} but family {r['workload']['family_class']}"
            for o, r in results if o.got_class in FAMILY and r["workload"]["family_class"] not in FAMILY[o.got_class]]


def main() -> int:
    jobs, later = per_job(), held_out()
    scripts = per_script() + (per_script("heldout") if later else [])
    lines = report(jobs, "per job") + report([o for o, _ in scripts], "per script (asba explain), both captures")
    if later:
        lines += report(later, "held-out capture, per job (after the thresholds were fixed)")
    violations = [v for _, r in scripts for v in r["consistency"]["violations"]]
    lines.append(f"consistency violations over {len(scripts)} explain outputs: {len(violations)}")
    lines += [f"  {v}" for v in violations]
    lines.append(f"instance family not following the class: {len(family_mismatches(scripts))}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
