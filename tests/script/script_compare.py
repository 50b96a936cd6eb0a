"""One comparison of asba's parse with SLURM's answer, shared by the live differential test and capture_truth.py.

Expectations (line 3 of each edge case, ``# expect: ...``):

* ``match``: sbatch accepts the script and SLURM resolves exactly what asba says.
* ``both-refuse``: sbatch refuses the script and asba raises one InputError.
* ``sbatch-refuses-asba-warns``: sbatch refuses an unknown/ambiguous option or a stray word; asba reads the rest
  and names the line in a warning (an advisor should not stop at a typo sbatch would report anyway).
* ``asba-refuses``: SLURM accepts something asba deliberately refuses (``--time=1:99:99`` becomes 2:41:00).
* ``quirk:NAME``: SLURM's pending-job view differs from asba in exactly the fields of ``QUIRKS[NAME]``.
"""

from __future__ import annotations

import os
from pathlib import Path

from asba.errors import InputError
from asba.inputs.batch_script import JobRequest, parse_script
from script_cases import Case, cluster_overrides
from script_slurm_truth import asba_view, partition_defaults

# field -> (asba's value, SLURM's pending-job value). Each was checked against a real allocation.
QUIRKS: dict[str, dict[str, tuple]] = {
    # --nodes=2-4 alone: a pending job shows NumCPUs=1 (so TRES mem 500M), but the allocation gets one CPU per
    # node (a run of the same request was given cpu=2, node=2). asba reports the allocation.
    "pending_cpus_below_nodes": {"total_cpus": (2, 1), "total_mem_mb": (1000, 500.0)},
    # -n3 --ntasks-per-node=2: the pending job shows node=1, the allocation uses 2 nodes (checked with a run).
    "pending_node_estimate": {"nodes_min": (2, 1)},
    # --cpus-per-gpu=4 --gpus=2: pending NumCPUs=1, the allocation got cpu=8 (checked with a run).
    "pending_cpus_per_gpu": {"total_cpus": (8, 1), "total_mem_mb": (4000, 500.0)},
    # --gpus-per-task=2 -n2 --cpus-per-gpu=2: CPUs/Task=4 but pending NumCPUs=2; the allocation got cpu=8.
    "pending_cpus_per_gpu_per_task": {"total_cpus": (8, 2), "total_mem_mb": (4000, 1000.0)},
    # --mincpus=4: pending NumCPUs=1, the allocation got cpu=4 (checked with a run).
    "pending_mincpus": {"total_cpus": (4, 1), "total_mem_mb": (2000, 500.0)},
    # --mem-per-gpu: scontrol still shows MinMemoryCPU=500M (DefMemPerCPU) though TRES mem is per GPU.
    "mem_per_gpu_shows_def_mem_per_cpu": {"mem_per_cpu_mb": (None, 500.0)},
}
CORPUS_EXPECT = {
    # an old option (renamed --oversubscribe in 17.x); sbatch 22.05: "unrecognized option '--share'"
    "fredhutch/legacy/dask/fhdask": "sbatch-refuses-asba-warns",
}


def sbatch_env() -> dict[str, str]:
    """The environment for sbatch without any SBATCH_* variable of the caller's shell."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SBATCH_")}


def asba_parse(script: Path, args: list[str]) -> JobRequest:
    first = parse_script(script, cli_args=args, env={})
    return parse_script(script, cli_args=args, env={}, partition_defaults=partition_defaults(first.job["partition"]))


def overrides_for(case: Case, script: Path) -> list[str]:
    if not case.name.startswith(("slurm-jobs/", "princeton/", "uit-no-hpc-doc/", "fredhutch/")):
        return []
    try:
        return [option for option, _ in cluster_overrides(parse_script(script, env={}).job)]
    except InputError:
        return []


def check(expect: str, req: JobRequest | None, asba_error: str | None, slurm: dict | None, sbatch_error: str) -> None:
    """Assert that asba and SLURM agree as ``expect`` says (the message shows both sides)."""
    if expect == "both-refuse":
        assert slurm is None, f"sbatch accepted a script asba should refuse like sbatch: {slurm}"
        assert asba_error, f"sbatch refused ({sbatch_error}) but asba accepted it"
        return
    if expect == "asba-refuses":
        assert slurm is not None and asba_error, (sbatch_error, asba_error)
        return
    if expect == "sbatch-refuses-asba-warns":
        assert slurm is None, "sbatch was expected to refuse this script"
        assert req is not None and req.warnings, f"asba should warn, got error {asba_error}"
        return
    assert slurm is not None, f"sbatch refused the script: {sbatch_error}"
    assert req is not None, f"asba refused a script sbatch accepts: {asba_error}"
    mine = asba_view(req.job)
    quirks = QUIRKS[expect.split(":", 1)[1]] if expect.startswith("quirk:") else {}
    for field, (asba_value, slurm_value) in quirks.items():
        assert (mine[field], slurm[field]) == (asba_value, slurm_value), f"quirk {expect} changed for {field}"
    diff = {k: {"asba": mine[k], "slurm": slurm[k]} for k in slurm if k not in quirks and mine[k] != slurm[k]}
    assert not diff, f"asba and SLURM disagree: {diff}"
