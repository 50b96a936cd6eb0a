"""Regenerate tests/fixtures/script/slurm_truth.json from the live SLURM test cluster.

    bash scripts/slurm-cluster.sh start && .venv/bin/python tests/script/capture_truth.py

Submits every corpus script and edge case held (with the same command-line overrides as the differential test),
stores what SLURM resolved (or sbatch's refusal), and cancels its own jobs. The offline test
test_script_truth.py then checks asba against these real answers on machines without SLURM.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from script_cases import CORPUS, DEPENDENCY_SETUP, FIXTURES, corpus_cases, edge_cases, materialise
from script_compare import overrides_for, sbatch_env
from script_slurm_truth import cancel, show_job, slurm_view, submit_held

TRUTH = FIXTURES / "slurm_truth.json"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="asba-truth-"))
    deps = [submit_held(CORPUS / "slurm-jobs" / "dep_after.sbatch", args, work, sbatch_env())[0]
            for _, args in DEPENDENCY_SETUP]
    version = subprocess.run(["sbatch", "--version"], capture_output=True, text=True).stdout.strip()
    truth: dict = {"slurm_version": version, "dependency_ids": deps, "cases": {}}
    try:
        for case in corpus_cases() + edge_cases():
            script = materialise(case, work, deps)
            args = overrides_for(case, script)
            job_id, error = submit_held(script, args, work, sbatch_env())
            entry = {"args": args, "slurm": None, "sbatch_error": error}
            if job_id:
                entry["slurm"] = slurm_view(show_job(job_id))
                cancel(job_id)
            truth["cases"][case.name] = entry
    finally:
        for job_id in deps:
            if job_id:
                cancel(job_id)
    TRUTH.write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(truth['cases'])} cases to {TRUTH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
