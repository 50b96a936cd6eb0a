"""Body facts of hand-written scripts, one file per kind of construct (tests/fixtures/script_body/cases)."""

from __future__ import annotations

from pathlib import Path

from asba.facts.body_facts import body_facts

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "script_body" / "cases"


def _values(name: str) -> dict:
    return {f.name[5:]: f.value for f in body_facts(CASES / name)}


def _sources(name: str) -> dict:
    return {f.name[5:]: f.source for f in body_facts(CASES / name)}


def test_heredoc_text_is_not_run_and_continued_lines_are_one_command() -> None:
    values = _values("heredoc_and_continuation.sbatch")
    assert values["programs"] == ["decomposePar", "simpleFoam"]  # not numberOfSubdomains / method from the heredoc
    assert values["program"] == "simpleFoam" and values["launchers"] == ["mpirun"]
    assert values["mpi_ranks"] == 64 and values["parallel_flags"] == ["-parallel"]
    assert _sources("heredoc_and_continuation.sbatch")["mpi_ranks"].endswith(
        ":9 mpirun -np 64 --bind-to core simpleFoam -parallel > log.simpleFoam")


def test_distributed_training_launchers() -> None:
    values = _values("ml_launchers.sbatch")
    assert values["programs"] == ["finetune.py", "pretrain.py", "train_ds.py"]
    assert values["launchers"] == ["accelerate", "torchrun", "deepspeed"]
    assert values["conda_envs"] == ["llm"] and values["python_env"] == "conda"
    assert values["launcher_nodes"] == 1 and values["procs_per_node"] == 8 and values["gpus_arg"] == 8
    assert values["restart_flags"] == ["--resume_from_checkpoint"]


def test_md_codes_wrappers_containers_and_program_thread_options() -> None:
    values = _values("md_and_wrappers.sbatch")
    assert values["modules"] == ["gromacs/2023.3-cuda", "namd/3.0"]
    assert values["programs"] == ["gmx_mpi", "namd3", "blastn", "cp2k.psmp", "fluent", "cdo"]
    assert values["program"] == "gmx_mpi"  # the first one a launcher starts
    assert values["threads_arg"] == 8  # -ntomp $NT with NT=8
    assert values["threads_from_slurm"] is True  # OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK
    assert values["gpu_flags"] == ["-nb gpu", "-pme gpu", "CUDA_VISIBLE_DEVICES=0", "--rocm"]
    assert values["restart_flags"] == ["-cpi"]
    assert values["databases"] == ["nt"] and values["conda_envs"] == ["tools"]
    assert values["container_runtime"] == "singularity"
    assert values["container_images"] == ["wrf_4.5.sif", "docker://ghcr.io/org/cp2k:2024.1"]
    assert values["launchers"] == ["srun", "apptainer"]
    assert "gromacs" in values["tools"] and "wrf_4.5" in values["tools"] and "cp2k" in values["tools"]
