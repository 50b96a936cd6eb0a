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
    out = subprocess.run(["sbatch", "--hold", "--parsable", *args], capture_output=True, text=True, timeout=30,
                         check=True)
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
