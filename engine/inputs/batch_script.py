"""Parse a batch script into the resources it requests, as sbatch and SLURM would resolve them.

    req = parse_script("job.sbatch", cli_args=["--mem=64G"], env=os.environ, partition_defaults=None)
    req.job        # {"nodes_min": 1, ..., "script_hash": "..."}; the `job` object of `asba facts --json`
    req.sources    # {"total_cpus": "job.sbatch:4, job.sbatch:5", ...}
    req.warnings   # ["job.sbatch:9: unknown sbatch option --foo; ignored", ...]

Precedence is sbatch's: command-line options over SBATCH_* environment variables over #SBATCH directives.
``partition_defaults`` (from asba.facts.cluster_facts.partition_defaults: DefMemPerCPU, DefMemPerNode,
DefaultTime_s, ... and optionally RealMemory for --mem=0) fills what the script leaves to the partition; without
it those values are None and ``mem_basis``/``time_limit_basis`` say "partition-default".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asba.errors import InputError
from asba.inputs.sbatch_options import OptionValue, env_options, read_argv
from asba.inputs.sbatch_pbs import pbs_options
from asba.inputs.sbatch_resolve import Resolver, effective_options
from asba.inputs.sbatch_script import MAX_BODY_ITEMS, analyse_body, directive_words, read_script

# The keys every job dict has, in output order (the list first).
JOB_KEYS = (
    "nodes_min", "nodes_max", "ntasks", "cpus_per_task", "total_cpus", "mem_per_node_mb", "mem_per_cpu_mb",
    "total_mem_mb", "gpus_per_node", "gpu_type", "total_gpus", "time_limit_s", "array_task_count", "partition",
    "account", "qos", "dependencies", "script_hash",
    "ntasks_per_node", "mem_per_gpu_mb", "mem_basis", "gres", "time_limit_basis", "time_min_s", "array",
    "array_max_concurrent", "dependency_mode", "partitions", "constraint", "exclusive", "job_name", "output",
    "error", "begin", "hint", "threads_per_core", "tmp_mb", "nodelist", "exclude", "reservation",
    "is_mpi", "programs", "modules", "script", "directive_count",
)


@dataclass
class JobRequest:
    script: str
    job: dict[str, Any]
    sources: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    options: list[OptionValue] = field(default_factory=list)  # every option seen, in precedence order
    provenance: dict[str, str] = field(default_factory=dict)  # key -> "job.sbatch:7 --mem=64G; ..."

    def as_dict(self) -> dict[str, Any]:
        return {"job": self.job, "sources": self.sources, "warnings": self.warnings}


def parse_script(
    path: str | Path,
    cli_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    partition_defaults: Mapping[str, Any] | None = None,
) -> JobRequest:
    """Read ``path`` and resolve its request. Raises InputError (one message with file:line) on bad input."""
    script = read_script(path)
    words, body_start, warnings = directive_words(script)
    options = _script_options(words, script.display, warnings)
    environment = env_options(dict(env) if env else None)
    cli, cli_warnings, rest = read_argv(list(cli_args), "cli", "command line")
    if rest < len(cli_args):
        raise InputError(f"unexpected argument {cli_args[rest]!r} after the script", where="command line",
                         hint="pass sbatch options (e.g. --mem=64G) after the script", code="ASBA-SCRIPT-031")
    if not any(o.name == "ignore-pbs" for o in options + environment + cli):
        pbs, pbs_warnings = pbs_options(script)  # after #SBATCH: a #PBS value wins, as in sbatch
        options += pbs
        warnings += pbs_warnings
    options += environment + cli
    warnings += cli_warnings
    resolver = Resolver(effective_options(options), partition_defaults)
    resolver.resolve()
    body = analyse_body(script.lines, body_start)
    if body.cut:
        warnings.append(f"{script.display}: the body runs more than {MAX_BODY_ITEMS} distinct programs or modules: "
                        f"the first {MAX_BODY_ITEMS} are used")
    job, sources = resolver.job, resolver.sources
    if job["job_name"] is None:
        job["job_name"], sources["job_name"] = Path(script.display).name, "SLURM default (the script's name)"
        resolver.provenance["job_name"] = sources["job_name"]
    job.update(is_mpi=body.is_mpi, programs=body.programs, modules=body.modules, script_hash=script.digest,
               script=script.display, directive_count=len({w.line for w in words}))
    provenance = resolver.provenance
    sources.update(is_mpi=f"{script.display}:{body.mpi_line}" if body.is_mpi else f"{script.display} body",
                   programs=f"{script.display} body", modules=f"{script.display} body",
                   script_hash=script.display, script=script.display, directive_count=script.display)
    for key in ("is_mpi", "programs", "modules", "script_hash", "script", "directive_count"):
        provenance[key] = sources[key]
    ordered = {key: job.get(key) for key in JOB_KEYS}
    return JobRequest(script.display, ordered, {k: sources[k] for k in JOB_KEYS if k in sources},
                      warnings + resolver.warnings, options, provenance)


def _script_options(words: list, display: str, warnings: list[str]) -> list[OptionValue]:
    """Read all directive words as ONE argument list (as sbatch does), keeping each word's line."""
    texts = [w.text for w in words]
    wheres = [f"{display}:{w.line}" for w in words]
    out: list[OptionValue] = []
    i = 0
    while i < len(texts):
        found, problems, stop = read_argv(texts[i:], "script", wheres[i:])
        out += found
        warnings += problems
        i += stop
        if i >= len(texts):
            break
        if texts[i] == "--":
            warnings.append(f"{wheres[i]}: '--' in a #SBATCH line; sbatch refuses every later directive word, "
                            "asba ignores them")
            break
        warnings.append(f"{wheres[i]}: {texts[i]!r} is not an sbatch option; sbatch refuses it as an invalid "
                        "directive, asba ignores it")
        i += 1
    return out


def memory_override(job: Mapping[str, Any], mem_per_node_mb: float) -> list[str]:
    """The sbatch option that sets ``mem_per_node_mb`` per node for this job, in the script's own kind.

    sbatch 22.05 refuses a command-line ``--mem`` on a script that uses ``--mem-per-cpu`` (or the reverse), so a
    right-sized request must override memory the way the script asks for it.
    """
    from asba.inputs.slurm_formats import format_memory

    nodes = max(int(job.get("nodes_min") or 1), 1)
    if job.get("mem_basis") == "per-cpu":
        cpus_per_node = max(-(-int(job["total_cpus"]) // nodes), 1)
        return [f"--mem-per-cpu={format_memory(-(-mem_per_node_mb // cpus_per_node))}"]
    if job.get("mem_basis") == "per-gpu" and job.get("gpus_per_node"):
        return [f"--mem-per-gpu={format_memory(-(-mem_per_node_mb // int(job['gpus_per_node'])))}"]
    return [f"--mem={format_memory(mem_per_node_mb)}"]
