"""Research-domain packs reach the decision only through facts the decision and instance-family packs read,
and the trace names the domain rule that did it."""

from __future__ import annotations

from advisor_support import REPO, rules_fired, warning_rules

BODY = REPO / "tests" / "fixtures" / "script_body"


def _fact(result: dict, name: str) -> dict:
    return next(f for f in result["facts"] if f["name"] == name)


def test_gromacs_cpi_makes_the_job_checkpointing_through_the_chemistry_pack(explain) -> None:
    result = explain(BODY / "gromacs_cpi.sbatch", "cpu-aws")
    checkpointing = _fact(result, "decision.checkpointing")
    assert checkpointing["value"] is True
    assert "chem.gromacs-checkpoint-restart" in checkpointing["source"]
    fired = rules_fired(result)
    assert {"chem.detect-md", "chem.gromacs-checkpoint-restart", "domain.checkpoint-restart"} <= set(fired)
    assert "chem.gromacs-ntomp-mismatch" in warning_rules(result)
    assert "chem.gromacs-no-restart" not in fired


def test_starccm_on_four_nodes_gets_efa_types_through_the_cfd_pack(explain) -> None:
    result = explain(BODY / "starccm_4nodes.sbatch", "cpu-aws")
    assert _fact(result, "job.is_mpi")["value"] is False  # its own MPI: the generic EFA rule cannot see it
    fired = rules_fired(result)
    assert {"cfd.detect", "cfd.solver-across-nodes", "domain.family-hpc", "instance_family.domain-hpc"} <= set(fired)
    assert "instance_family.compute" not in fired and "instance_family.general" not in fired


def test_containerised_torchrun_facts_and_advice(explain) -> None:
    result = explain(BODY / "apptainer_torchrun.sbatch", "gpu-aws")
    values = {f["name"]: f["value"] for f in result["facts"] if f["name"].startswith("body.")}
    assert values["body.container_images"] == ["pytorch_24.01.sif"]
    assert values["body.gpu_flags"] == ["--nv"]
    assert values["body.launchers"] == ["srun", "apptainer", "torchrun"]
    assert values["body.procs_per_node"] == 1 and values["body.launcher_nodes"] == 2
    assert values["body.venv"] is True and values["body.omp_num_threads"] == 4
    assert values["body.program"] == "train_gpt.py"
    warned = warning_rules(result)
    assert "ml.nproc-not-gpus" in warned and "domain.omp-threads-mismatch" in warned
    assert "domain.gpu-container-without-nv" not in warned


def test_a_script_no_domain_pack_knows_gets_no_domain(explain) -> None:
    result = explain("tiny.sbatch", "cpu-aws")
    assert not [r for r in rules_fired(result) if r.split(".")[0] in ("domain", "ml", "bio", "chem", "cfd")]
