"""Ask the real SLURM what it resolves for a batch script: sbatch --hold, scontrol show job, scancel.

Used by the differential tests (and by capture_truth.py, which stores the answers as a fixture so the offline
tests compare against real SLURM output too). Only ever cancels the job ids it submitted itself.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from asba.inputs.slurm_formats import parse_duration_s, parse_size_mb

_FIELD_SPLIT = re.compile(r" (?=[A-Za-z/:_]+=)")
# Test-cluster facts the comparison needs (scripts/slurm/slurm.conf.in).
DEFAULTS = {"DefMemPerCPU": 500, "DefaultTime_s": 3600}
NODE_MEMORY_MB = {"cpu": 262144, "highmem": 1048576, "gpu": 524288, "cpu-aws": 262144}
DEFAULT_ACCOUNT, DEFAULT_QOS, DEFAULT_PARTITION = "research", "normal", "cpu"


def submit_held(script: Path, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[str | None, str]:
    """(job id, "") when sbatch accepted the script held; (None, sbatch's error) when it refused it."""
    proc = subprocess.run(["sbatch", "--hold", "--parsable", *args, str(script)], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env=env, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        return None, (proc.stderr.strip() or proc.stdout.strip())
    return proc.stdout.strip().split(";")[0], ""


def cancel(job_id: str) -> None:
    subprocess.run(["scancel", job_id], capture_output=True, timeout=60)


def show_job(job_id: str) -> dict[str, str]:
    out = subprocess.run(["scontrol", "-o", "show", "job", job_id], capture_output=True, text=True, timeout=60,
                         check=True).stdout.splitlines()[0]
    return dict(part.split("=", 1) for part in _FIELD_SPLIT.split(out.strip()) if "=" in part)


def array_task_count(fields: dict[str, str]) -> int:
    """Count the tasks of scontrol's canonical ArrayTaskId (``1-3,10,20,22,24%2``, ``0-18:2``); 1 if none.

    Not ``squeue -r | wc -l``: on 22.05 that leaves out the last task of a stepped range (0-99:2 lists 49).
    """
    expr = fields.get("ArrayTaskId")
    if not expr or "ArrayJobId" not in fields:
        return 1
    count = 0
    for item in expr.split("%")[0].split(","):
        bounds, _, step = item.partition(":")
        low, _, high = bounds.partition("-")
        count += (int(high or low) - int(low)) // int(step or 1) + 1
    return count


def slurm_view(fields: dict[str, str]) -> dict:
    """What SLURM resolved, in asba's job keys (see tests/script/test_script_differential.py)."""
    tres = dict(item.split("=", 1) for item in fields.get("TRES", "").split(",") if "=" in item)
    num_nodes = fields["NumNodes"]
    gpu_types = [k.split(":", 1)[1] for k in tres if k.startswith("gres/gpu:")]
    deps = fields.get("Dependency", "(null)")
    return {
        "nodes_min": int(tres["node"]),
        "nodes_max": int(num_nodes.split("-")[1]) if "-" in num_nodes and num_nodes.split("-")[1] else None,
        "ntasks": int(fields["NumTasks"]),
        "cpus_per_task": int(fields["CPUs/Task"]),
        "total_cpus": int(fields["NumCPUs"]),
        "total_mem_mb": parse_size_mb(tres["mem"]),
        "mem_per_node_mb": parse_size_mb(fields["MinMemoryNode"]) if "MinMemoryNode" in fields else None,
        "mem_per_cpu_mb": parse_size_mb(fields["MinMemoryCPU"]) if "MinMemoryCPU" in fields else None,
        "total_gpus": int(tres.get("gres/gpu", 0)),
        "gpu_type": ",".join(gpu_types) or None,
        "time_limit_s": _limit(fields["TimeLimit"]),
        "time_min_s": _limit(fields["TimeMin"]) if fields.get("TimeMin", "N/A") != "N/A" else None,
        "array_task_count": array_task_count(fields),
        "array_max_concurrent": int(fields["ArrayTaskThrottle"]) if int(fields.get("ArrayTaskThrottle", 0)) else None,
        # "afterok:12(unfulfilled)" -> "afterok:12"; "aftercorr:13_*" (all tasks of array job 13) -> "aftercorr:13"
        "dependencies": [] if deps == "(null)" else sorted(re.sub(r"_\*$", "", re.sub(r"\([^)]*\)", "", d))
                                                           for d in re.split(r"[,?]", deps)),
        "partitions": sorted(fields["Partition"].split(",")),
        "account": fields["Account"],
        "qos": fields["QOS"],
        "job_name": fields["JobName"],
        "tmp_mb": parse_size_mb(fields.get("MinTmpDiskNode", "0")) or None,
        "constraint": None if fields.get("Features", "(null)") == "(null)" else fields["Features"],
        "exclusive": fields.get("OverSubscribe", "OK") not in ("OK", "YES"),
        "threads_per_core": _star_or_int(fields.get("ReqB:S:C:T", "*").split(":")[-1]),
    }


def _star_or_int(text: str) -> int | None:
    return None if text in ("*", "") else int(text)


def _limit(text: str) -> int | None:
    seconds = parse_duration_s(text)
    return None if seconds is None else int(seconds)


def asba_view(job: dict) -> dict:
    """asba's job dict in the same shape as slurm_view (cluster defaults filled in where SLURM fills them)."""
    view = {key: job[key] for key in ("nodes_min", "nodes_max", "ntasks", "cpus_per_task", "total_cpus",
                                       "total_mem_mb", "mem_per_node_mb", "mem_per_cpu_mb", "total_gpus",
                                       "gpu_type", "time_limit_s", "time_min_s", "array_task_count",
                                       "array_max_concurrent", "job_name", "tmp_mb", "constraint", "exclusive",
                                       "threads_per_core")}
    view["dependencies"] = sorted(job["dependencies"])
    view["partitions"] = sorted(job["partitions"] or [DEFAULT_PARTITION])
    view["account"] = job["account"] or DEFAULT_ACCOUNT
    view["qos"] = job["qos"] or DEFAULT_QOS
    if job["mem_basis"] in ("per-node", "whole-node"):
        view["mem_per_cpu_mb"] = None  # SLURM shows MinMemoryNode only
    if job["mem_basis"] != "per-node" and job["mem_basis"] != "whole-node":
        view["mem_per_node_mb"] = None  # SLURM shows MinMemoryCPU only
    if job["mem_basis"] == "whole-node":
        view["mem_per_node_mb"] = 0  # SLURM keeps MinMemoryNode=0 and puts the node's memory in TRES
    return view


def partition_defaults(job_partition: str | None) -> dict:
    return {**DEFAULTS, "RealMemory": NODE_MEMORY_MB.get(job_partition or DEFAULT_PARTITION)}
