"""The trace renderers read the same events: notes < fails < full; and the trace is the same in any process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from asba.facts.model import Fact
from asba.report.trace import render_json, render_text
from asba.rules import evaluate, load_packs

FACTS = [Fact("history.run_count", 4, "sacct history: 4 runs of align.sbatch"),
         Fact("evidence.ok_runs", 4, "sacct history: 4 runs of align.sbatch"),
         Fact("evidence.cpu_efficiency_pct", 97.0, "sacct history: 4 runs of align.sbatch"),
         Fact("evidence.memory_efficiency_pct", 12.0, "sacct history: 4 runs of align.sbatch"),
         Fact("job.total_gpus", 0, "align.sbatch:5 (no --gres)")]


def workload_evaluation():
    from asba.paths import packs_dir

    # the workload pack reads failure.oom_risk (a failure outranks an efficiency), and the failure pack reads
    # advice.platform (a past failure repeated where asba advises), so those packs come too
    packs = load_packs([packs_dir() / name for name in ("workload", "failure", "decision")], builtin=False)
    return evaluate(packs, FACTS)


def test_levels_add_detail():
    ev = workload_evaluation()
    notes, fails, full = (render_text(ev, level) for level in ("notes", "fails", "full"))
    assert "FIRED   workload.cpu-bound" in notes and "Why not" not in notes and "fact " not in notes
    assert "workload.memory-bound" in fails and "evidence.memory_efficiency_pct = 12.0 (needed >= 80)" in fails
    assert "fact       history.run_count = 4   [sacct history: 4 runs of align.sbatch]" in full
    assert "SUPPRESSED workload.cpu-bound: job.total_gpus = 0 (needed absent)" in full


def test_json_levels():
    ev = workload_evaluation()
    notes = render_json(ev, "notes")
    assert {e["type"] for e in notes["events"]} == {"rule_fired", "conclusion_asserted"} and notes["why_not"] == []
    full = render_json(ev, "full")
    assert full["events"][0]["type"] == "fact_asserted" and any(e["type"] == "rule_suppressed" for e in full["events"])
    assert json.loads(json.dumps(full)) == full


def test_same_trace_in_processes_with_different_hash_seeds():
    code = ("import json; from tests.rules.test_rules_trace import workload_evaluation; "
            "print(json.dumps(workload_evaluation().as_dict(), sort_keys=True))")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root,
                              check=False, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs.add(proc.stdout)
    assert len(outputs) == 1
