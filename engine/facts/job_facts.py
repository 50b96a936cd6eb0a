"""job.* facts from a parsed batch script (asba.inputs.batch_script.JobRequest).

Every fact's source names the script line(s) and the option as written ("job.sbatch:7 --mem=64G"), or
"SLURM default" / "partition default". A value the script leaves unknown (no --time and no partition default,
no memory request and no DefMemPerCPU) is left out, never invented.
"""

from __future__ import annotations

from asba.facts.model import Fact
from asba.inputs.batch_script import JobRequest

# fact name -> key of JobRequest.job
FACT_KEYS = {
    "job.nodes_min": "nodes_min",
    "job.nodes_max": "nodes_max",
    "job.ntasks": "ntasks",
    "job.ntasks_per_node": "ntasks_per_node",
    "job.cpus_per_task": "cpus_per_task",
    "job.total_cpus": "total_cpus",
    "job.mem_per_node_mb": "mem_per_node_mb",
    "job.mem_per_cpu_mb": "mem_per_cpu_mb",
    "job.mem_per_gpu_mb": "mem_per_gpu_mb",
    "job.total_mem_mb": "total_mem_mb",
    "job.mem_basis": "mem_basis",
    "job.gpus_per_node": "gpus_per_node",
    "job.total_gpus": "total_gpus",
    "job.gpu_type": "gpu_type",
    "job.gres": "gres",
    "job.time_limit_s": "time_limit_s",
    "job.time_limit_basis": "time_limit_basis",
    "job.time_min_s": "time_min_s",
    "job.array_task_count": "array_task_count",
    "job.array_max_concurrent": "array_max_concurrent",
    "job.dependencies": "dependencies",
    "job.partition": "partition",
    "job.partitions": "partitions",
    "job.account": "account",
    "job.qos": "qos",
    "job.constraint": "constraint",
    "job.exclusive": "exclusive",
    "job.threads_per_core": "threads_per_core",
    "job.hint": "hint",
    "job.tmp_mb": "tmp_mb",
    "job.job_name": "job_name",
    "job.is_mpi": "is_mpi",
    "job.programs": "programs",
    "job.modules": "modules",
    "job.script_hash": "script_hash",
}
# string facts whose absence is itself meaningful: emitted as "" rather than left out
EMPTY_STRING_FACTS = frozenset({"job.partition", "job.gpu_type", "job.account", "job.qos", "job.constraint"})


def job_facts(req: JobRequest) -> list[Fact]:
    """The job.* facts of one parsed script, each with its provenance."""
    facts: list[Fact] = []
    for name, key in FACT_KEYS.items():
        value = req.job.get(key)
        if value is None:
            if name not in EMPTY_STRING_FACTS:
                continue
            value = ""
        source = req.provenance.get(key) or req.sources.get(key) or req.script
        facts.append(Fact(name, value, source))
    facts.append(Fact("job.dependency_count", len(req.job.get("dependencies") or []),
                      req.provenance.get("dependencies", req.script)))
    facts.append(Fact("job.warning_count", len(req.warnings), f"{req.script}: parser warnings"))
    return facts
