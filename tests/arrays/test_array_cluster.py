"""On the real SLURM test cluster: a held ``--array=1-20%4`` and a held afterok chain are read back with
``scontrol show job`` and match what asba resolved (task count, throttle, dependency). Nothing runs: every job
is submitted held and cancelled at the end."""

from __future__ import annotations

import re
import subprocess

import pytest
from asba.decide import array_indices as idx
from asba.inputs.batch_script import parse_script

pytestmark = pytest.mark.slurm
BODY = "#!/bin/bash\n#SBATCH -c 1\n#SBATCH -t 1\n#SBATCH --mem=100M\nsleep 1\n"


def _sbatch(*args: str) -> str:
    out = subprocess.run(["sbatch", "--hold", "--parsable", "--output=/dev/null", *args], capture_output=True,
                         text=True, timeout=30, check=True)
    return out.stdout.strip().split(";")[0]


def _show(job_id: str) -> dict[str, str]:
    out = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True, timeout=30,
                         check=True).stdout.splitlines()[0]
    return dict(re.findall(r"(\w+)=(\S*)", out))


@pytest.fixture
def submitted():
    ids: list[str] = []
    yield ids
    if ids:
        subprocess.run(["scancel", *ids], timeout=30)  # only our own jobs
        _wait_gone(ids, 60)  # settled in accounting before the next test syncs sacct


def test_held_array_matches_what_asba_resolved(tmp_path, submitted):
    script = tmp_path / "array.sbatch"
    script.write_text(BODY)
    submitted.append(_sbatch("--array=1-20%4", str(script)))
    shown = _show(submitted[0])
    job = parse_script(script, cli_args=["--array=1-20%4"]).job
    spec, throttle = idx.spec_of(shown["ArrayTaskId"])
    assert len(idx.indices(spec)) == job["array_task_count"] == 20
    assert int(shown["ArrayTaskThrottle"]) == throttle == job["array_max_concurrent"] == 4


def test_held_dependency_chain_matches_what_asba_resolved(tmp_path, submitted):
    script = tmp_path / "step.sbatch"
    script.write_text(BODY)
    first = _sbatch(str(script))
    submitted.append(first)
    second = _sbatch(f"--dependency=afterok:{first}", str(script))
    submitted.append(second)
    third = _sbatch(f"--dependency=afterok:{second}", str(script))
    submitted.append(third)
    for job_id, before in ((second, first), (third, second)):
        shown = _show(job_id)["Dependency"]  # e.g. afterok:123_*(unfulfilled)
        resolved = parse_script(script, cli_args=[f"--dependency=afterok:{before}"]).job["dependencies"]
        assert resolved == [f"afterok:{before}"]
        assert re.sub(r"(_\*)?\(\w+\)", "", shown) == resolved[0]


def _wait_gone(ids: list[str], seconds: float = 120) -> None:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        out = subprocess.run(["squeue", "-h", "-o", "%i", "-j", ",".join(ids)], capture_output=True, text=True,
                             timeout=30).stdout
        if not out.strip():
            _wait_accounted(ids, deadline)
            return
        time.sleep(2)
    pytest.fail(f"jobs {ids} still queued after {seconds} s")


def _wait_accounted(ids: list[str], deadline: float) -> None:
    """Until sacct shows every job and step of ours with its end: slurmdbd records ends a moment after squeue
    forgets a job, and a test that syncs sacct next must not see our rows change under it."""
    import time

    while time.monotonic() < deadline:
        out = subprocess.run(["sacct", "-n", "-P", "-j", ",".join(ids), "--format=JobID,State,End"],
                             capture_output=True, text=True, timeout=30).stdout
        rows = [line.split("|") for line in out.splitlines() if line.strip()]
        if rows and all(len(r) == 3 and r[2] not in ("", "Unknown") and r[1] not in ("RUNNING", "PENDING")
                        for r in rows):
            time.sleep(2)
            return
        time.sleep(2)


def test_a_real_afterok_chain_is_detected_from_sacct(tmp_path, submitted):
    """Three one-second jobs chained with afterok run; sacct's SubmitLine links them as one workflow."""
    import os

    from asba.history import pipelines as hp
    from asba.history.store import HistoryStore
    from asba.inputs.slurm import SlurmRunner

    names = [f"asba_i13_{os.getpid()}_{step}.sbatch" for step in ("pre", "align", "post")]
    ids: list[str] = []
    for name in names:
        script = tmp_path / name
        script.write_text(BODY)
        dep = [f"--dependency=afterok:{ids[-1]}"] if ids else []
        out = subprocess.run(["sbatch", "--parsable", "-p", "cpu", "--output=/dev/null", *dep, str(script)],
                             capture_output=True, text=True, timeout=30, check=True)
        ids.append(out.stdout.strip().split(";")[0])
    submitted.extend(ids)
    _wait_gone(ids)
    store = HistoryStore.open(tmp_path / "jobs.db")
    store.sync(SlurmRunner(timeout_s=120), days=1)
    ours = [j for j in store.jobs() if j.base_id in ids]
    assert sorted(j.script_name for j in ours) == sorted(names)
    chain = hp.chain_of(names[1], [k for k in hp.links(hp.runs_of(ours)) if k.via == "dependency"])
    assert chain.steps == names


def test_live_explain_of_an_array_reads_the_clusters_limits(run_asba):
    """The live cluster answers sacctmgr (it sets no per-user limits) and its MaxArraySize (100001) is used."""
    import json

    from array_support import EXAMPLES

    code, out, err = run_asba("explain", str(EXAMPLES / "blast_array.sbatch"), "cpu-aws", "--json", "--no-log")
    assert code == 0, err
    result = json.loads(out)
    assert not any("per-user/QOS limits not read" in n for n in result["notes"])
    names = [b["name"] for b in result["array"]["local"]["bounds"]]
    assert "throttle %10" in names and not any(n.startswith("per-user") for n in names)
    assert result["data_sources"]["cluster"].startswith("live")
