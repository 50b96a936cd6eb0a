"""Word lists the script-body reader uses: launchers and their options, interpreters, flags that matter.

Options are those of the tools' own manuals: srun(1) (SLURM 22.05), mpirun(1) (Open MPI 4.1) and
mpiexec (Intel MPI 2021, MPICH 4 Hydra), torchrun (PyTorch 2.x `torch.distributed.run --help`), deepspeed and
accelerate launch (`--help`), apptainer exec (Apptainer 1.2 user guide), GROMACS `gmx mdrun -h`, BLAST+
`-num_threads`, NAMD/Charm++ `+pN`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class LauncherSpec:
    value_options: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()  # options without a value
    long_takes_value: bool = False  # an unknown --option takes the next word as its value
    image: bool = False  # a container runtime: SUBCOMMAND [options] IMAGE [command]
    subcommands: frozenset[str] = frozenset()
    positionals: int = 0  # words after the options that are not the command (taskset's CPU list)
    wrapper: bool = False  # time, nohup, ...: peeled off but not a launcher

    def takes_value(self, option: str) -> bool:
        if option in self.value_options:
            return True
        if option in self.flags:
            return False
        return self.long_takes_value and option.startswith("--")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SRUN = LauncherSpec(value_options=_words(
    "-n -N -c -w -p -t -J -o -e -i -G -m -d -D -x -C -A -q -r -T -W -L --ntasks --nodes --cpus-per-task "
    "--nodelist --partition --time --job-name --output --error --input --gpus --gres --mem --mem-per-cpu "
    "--distribution --exclude --constraint --account --qos --ntasks-per-node --gpus-per-task --gpus-per-node "
    "--cpu-bind --mpi --export --chdir --relative --mem-per-gpu --cpus-per-gpu --threads-per-core --het-group "
    "--network --gpu-bind --kill-on-bad-exit"))
MPIRUN = LauncherSpec(value_options=_words(
    "-np -n -c -N -ppn -npernode --npernode -perhost --map-by -map-by --bind-to -bind-to -x -H --host -host "
    "-hosts -hostfile --hostfile -machinefile --machinefile -f -wdir --wdir -bootstrap -iface -rf --rankfile "
    "-genv -env -genvlist -envlist -launcher -rmk -configfile --prefix -prefix --mca -mca -gmca --rank-by "
    "-rank-by --app -app"))
TORCHRUN = LauncherSpec(long_takes_value=True, flags=_words(
    "--standalone --no-python --no_python --run-path --run_path -m --module"))
DEEPSPEED = LauncherSpec(long_takes_value=True, flags=_words(
    "--no_python --no_local_rank --force_multi --elastic_training --bind_cores_to_rank --module"))
ACCELERATE = LauncherSpec(long_takes_value=True, flags=_words(
    "--multi_gpu --cpu --use_deepspeed --use_fsdp --use_megatron_lm -m --module --no_python --debug -q --quiet "
    "--tpu --use_cpu"))
HOROVOD = LauncherSpec(long_takes_value=True, value_options=_words("-np -H -p"))
CONTAINER = LauncherSpec(image=True, subcommands=_words("exec run"))
WRAPPER = LauncherSpec(wrapper=True)
LAUNCHERS: dict[str, LauncherSpec] = {
    "srun": SRUN, "mpirun": MPIRUN, "mpiexec": MPIRUN, "mpiexec.hydra": MPIRUN, "orterun": MPIRUN,
    "ibrun": MPIRUN, "torchrun": TORCHRUN, "deepspeed": DEEPSPEED, "accelerate": ACCELERATE,
    "horovodrun": HOROVOD, "apptainer": CONTAINER, "singularity": CONTAINER,
    "time": LauncherSpec(wrapper=True, flags=_words("-p -v")), "exec": WRAPPER, "nohup": WRAPPER,
    "command": WRAPPER, "stdbuf": WRAPPER, "perf-report": WRAPPER, "map": LauncherSpec(wrapper=True),
    "numactl": LauncherSpec(wrapper=True, value_options=_words("-C -N -m -p -i")),
    "taskset": LauncherSpec(wrapper=True, positionals=1),
}
TIMERS = _words("time perf-report map")
MPI_LAUNCHERS = _words("srun mpirun mpiexec mpiexec.hydra orterun ibrun horovodrun")
DISTRIBUTED_LAUNCHERS = _words("torchrun deepspeed accelerate horovodrun")
TWO_WORD_OPTIONS = _words("-genv -env --mca -mca -gmca")
_MPI_COUNTS = {"-np": "mpi_ranks", "-n": "mpi_ranks", "-N": "ranks_per_node", "-ppn": "ranks_per_node",
               "-npernode": "ranks_per_node", "--npernode": "ranks_per_node", "-perhost": "ranks_per_node"}
LAUNCHER_COUNTS: dict[str, dict[str, str]] = {
    "srun": {"-n": "mpi_ranks", "--ntasks": "mpi_ranks", "-N": "launcher_nodes", "--nodes": "launcher_nodes"},
    **{name: _MPI_COUNTS for name in ("mpirun", "mpiexec", "mpiexec.hydra", "orterun", "ibrun")},
    "horovodrun": {"-np": "mpi_ranks"},
    "torchrun": {"--nproc_per_node": "procs_per_node", "--nproc-per-node": "procs_per_node",
                 "--nnodes": "launcher_nodes"},
    "deepspeed": {"--num_gpus": "procs_per_node", "--num_nodes": "launcher_nodes"},
    "accelerate": {"--num_machines": "launcher_nodes"},
}
PYTHON_LAUNCHER_MODULES = _words("torch.distributed.run torch.distributed.launch")
CONTAINER_OPTIONS = _words(
    "-B --bind --pwd --home -H --env --env-file --overlay -o --mount --workdir -W --security --app --network "
    "--network-args --hostname --dns --fusemount --scratch -S --apply-cgroups --cpus --memory")
CONTAINER_GPU_FLAGS = _words("--nv --rocm --nvccli")

INTERPRETERS = _words("python python2 python3 Rscript R julia perl ruby bash sh zsh ksh tclsh node octave")
PYTHON_VERSIONED = re.compile(r"^python3\.\d+$")
INTERPRETER_VALUE_OPTIONS = _words("-W -X -t -p -J --project")
CONDA = _words("conda mamba micromamba")

KEYWORDS = _words("if then else elif do while until ! {")
SKIP_COMMANDS = _words("for case select [[ [ test function")
ML_SUBCOMMANDS = _words("load add purge list avail unload spider show save restore swap")
NOT_PROGRAMS = _words(
    "fi done esac } ;; : echo printf cd export set unset exit return wait sleep date hostname mkdir cp mv rm cat "
    "ls true false read local shift trap umask ulimit eval let declare typeset alias pwd touch ln chmod chgrp tee "
    "head tail grep egrep awk sed sort uniq wc cut tr basename dirname env which type seq shuf netstat lscpu "
    "scontrol squeue sinfo sacct sstat scancel jobs hash lfs nproc nvidia-smi rsync tar gzip gunzip zcat xargs "
    "find du df free ps kill sync mktemp realpath readlink printenv id whoami uname getconf break continue "
    "source . module ml conda mamba micromamba spack newgrp")

SLURM_COUNT_VARS = ("SLURM_CPUS_PER_TASK", "SLURM_NTASKS", "SLURM_NPROCS", "SLURM_CPUS_ON_NODE",
                    "SLURM_JOB_CPUS_PER_NODE", "SLURM_TASKS_PER_NODE", "SLURM_NTASKS_PER_NODE", "SLURM_GPUS",
                    "SLURM_GPUS_ON_NODE", "SLURM_NNODES", "SLURM_JOB_NUM_NODES", "nproc")
THREAD_FLAGS = _words(
    "-nt -ntomp -nthreads --nthreads -t --threads -threads -num_threads --num_threads --num-threads -@ --cpus "
    "--ncpus --cpu --runThreadN --native-pair-hmm-threads -T --cores")
# programs whose thread option is one the general list leaves out (their manuals): -p, cdo -P, fluent -tN
_P_IS_THREADS = _words("bowtie bowtie2 hisat2 hisat2-build salmon diamond")
PROGRAM_THREAD_FLAGS = {**{name: frozenset({"-p"}) for name in _P_IS_THREADS}, "cdo": frozenset({"-P"})}
ATTACHED_THREADS = re.compile(r"^(?:\+p|-t)(\d+)$")  # NAMD/Charm++ +p8; Fluent -t16 (only for those programs)
ATTACHED_THREAD_PROGRAMS = _words("namd2 namd3 namd charmrun fluent")
PARALLEL_FLAGS = _words("-parallel")  # OpenFOAM: run decomposed, one sub-domain per rank
RESTART_FLAGS = _words(
    "-cpi -cpt --resume -resume --restart -restart --resume_from_checkpoint --resume-from-checkpoint "
    "--resume-from --continue -continue --ckpt --checkpoint --checkpoint-dir --checkpoint_dir --load-checkpoint "
    "--from-checkpoint")
DB_FLAGS = _words("-db --db --database")
GPU_FLAGS = _words("--gpu --cuda --use-gpu --use_gpu -gpu")
GPU_VALUE_FLAGS = _words("-nb -pme -update -bonded -pmefft --device -device -sf --accelerator")
GPU_COUNT_FLAGS = _words("--gpus --num_gpus --num-gpus --ngpus --n_gpus --devices")
