"""sbatch's option table (SLURM 22.05) and a getopt_long-style reader for one argument list.

The same reader handles ``#SBATCH`` directive words and the sbatch options a user passes after the script on
asba's command line. Like getopt_long it accepts ``--opt=value``, ``--opt value``, ``-Xvalue``, ``-X value``,
unambiguous long-option prefixes (``--part=cpu``) and bundled short flags (``-HO``). Unknown or malformed options
become warnings (the caller names the line), never exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass

REQUIRED, OPTIONAL, NONE = "required", "optional", "none"

# long name -> (short letter or "", argument kind)
OPTIONS: dict[str, tuple[str, str]] = {
    "account": ("A", REQUIRED), "acctg-freq": ("", REQUIRED), "array": ("a", REQUIRED),
    "batch": ("", REQUIRED), "bb": ("", REQUIRED), "bbf": ("", REQUIRED), "begin": ("b", REQUIRED),
    "chdir": ("D", REQUIRED), "cluster-constraint": ("", REQUIRED), "clusters": ("M", REQUIRED),
    "comment": ("", REQUIRED), "constraint": ("C", REQUIRED), "container": ("", REQUIRED),
    "contiguous": ("", NONE), "core-spec": ("S", REQUIRED), "cores-per-socket": ("", REQUIRED),
    "cpu-freq": ("", REQUIRED), "cpus-per-gpu": ("", REQUIRED), "cpus-per-task": ("c", REQUIRED),
    "deadline": ("", REQUIRED), "delay-boot": ("", REQUIRED), "dependency": ("d", REQUIRED),
    "distribution": ("m", REQUIRED), "error": ("e", REQUIRED), "exclude": ("x", REQUIRED),
    "exclusive": ("", OPTIONAL), "export": ("", REQUIRED), "export-file": ("", REQUIRED),
    "extra-node-info": ("B", REQUIRED), "get-user-env": ("", OPTIONAL), "gid": ("", REQUIRED),
    "gpu-bind": ("", REQUIRED), "gpu-freq": ("", REQUIRED), "gpus": ("G", REQUIRED),
    "gpus-per-node": ("", REQUIRED), "gpus-per-socket": ("", REQUIRED), "gpus-per-task": ("", REQUIRED),
    "gres": ("", REQUIRED), "gres-flags": ("", REQUIRED), "help": ("h", NONE), "hint": ("", REQUIRED),
    "hold": ("H", NONE), "ignore-pbs": ("", NONE), "input": ("i", REQUIRED), "job-name": ("J", REQUIRED),
    "kill-on-invalid-dep": ("", REQUIRED), "licenses": ("L", REQUIRED), "mail-type": ("", REQUIRED),
    "mail-user": ("", REQUIRED), "mcs-label": ("", REQUIRED), "mem": ("", REQUIRED),
    "mem-bind": ("", REQUIRED), "mem-per-cpu": ("", REQUIRED), "mem-per-gpu": ("", REQUIRED),
    "mincpus": ("", REQUIRED), "network": ("", REQUIRED), "nice": ("", OPTIONAL), "no-kill": ("k", OPTIONAL),
    "no-requeue": ("", NONE), "nodefile": ("F", REQUIRED), "nodelist": ("w", REQUIRED),
    "nodes": ("N", REQUIRED), "ntasks": ("n", REQUIRED), "ntasks-per-core": ("", REQUIRED),
    "ntasks-per-gpu": ("", REQUIRED), "ntasks-per-node": ("", REQUIRED), "ntasks-per-socket": ("", REQUIRED),
    "open-mode": ("", REQUIRED), "output": ("o", REQUIRED), "overcommit": ("O", NONE),
    "oversubscribe": ("s", NONE), "parsable": ("", NONE), "partition": ("p", REQUIRED),
    "power": ("", REQUIRED), "prefer": ("", REQUIRED), "priority": ("", REQUIRED), "profile": ("", REQUIRED),
    "propagate": ("", OPTIONAL), "qos": ("q", REQUIRED), "quiet": ("Q", NONE), "reboot": ("", NONE),
    "requeue": ("", NONE), "reservation": ("", REQUIRED), "signal": ("", REQUIRED),
    "sockets-per-node": ("", REQUIRED), "spread-job": ("", NONE), "switches": ("", REQUIRED),
    "test-only": ("", NONE), "thread-spec": ("", REQUIRED), "threads-per-core": ("", REQUIRED),
    "time": ("t", REQUIRED), "time-min": ("", REQUIRED), "tmp": ("", REQUIRED), "uid": ("", REQUIRED),
    "usage": ("", NONE), "use-min-nodes": ("", NONE), "verbose": ("v", NONE), "version": ("V", NONE),
    "wait": ("W", NONE), "wait-all-nodes": ("", REQUIRED), "wckey": ("", REQUIRED), "wrap": ("", REQUIRED),
}
SHORT = {short: name for name, (short, _) in OPTIONS.items() if short}

# Input environment variables sbatch 22.05 reads (man sbatch, INPUT ENVIRONMENT VARIABLES) -> option.
ENV_OPTIONS: dict[str, str] = {
    "SBATCH_ACCOUNT": "account", "SBATCH_ACCTG_FREQ": "acctg-freq", "SBATCH_ARRAY_INX": "array",
    "SBATCH_BATCH": "batch", "SBATCH_CLUSTERS": "clusters", "SLURM_CLUSTERS": "clusters",
    "SBATCH_CONSTRAINT": "constraint", "SBATCH_CONTAINER": "container", "SBATCH_CORE_SPEC": "core-spec",
    "SBATCH_CPUS_PER_GPU": "cpus-per-gpu", "SBATCH_DELAY_BOOT": "delay-boot",
    "SBATCH_DISTRIBUTION": "distribution", "SBATCH_ERROR": "error", "SBATCH_EXCLUSIVE": "exclusive",
    "SBATCH_EXPORT": "export", "SBATCH_GET_USER_ENV": "get-user-env", "SBATCH_GPU_BIND": "gpu-bind",
    "SBATCH_GPU_FREQ": "gpu-freq", "SBATCH_GPUS": "gpus", "SBATCH_GPUS_PER_NODE": "gpus-per-node",
    "SBATCH_GPUS_PER_TASK": "gpus-per-task", "SBATCH_GRES": "gres", "SBATCH_GRES_FLAGS": "gres-flags",
    "SBATCH_HINT": "hint", "SLURM_HINT": "hint", "SBATCH_IGNORE_PBS": "ignore-pbs", "SBATCH_INPUT": "input",
    "SBATCH_JOB_NAME": "job-name", "SBATCH_MEM_BIND": "mem-bind", "SBATCH_MEM_PER_CPU": "mem-per-cpu",
    "SBATCH_MEM_PER_GPU": "mem-per-gpu", "SBATCH_MEM_PER_NODE": "mem", "SBATCH_NETWORK": "network",
    "SBATCH_NO_KILL": "no-kill", "SBATCH_NO_REQUEUE": "no-requeue", "SBATCH_OPEN_MODE": "open-mode",
    "SBATCH_OUTPUT": "output", "SBATCH_OVERCOMMIT": "overcommit", "SBATCH_PARTITION": "partition",
    "SBATCH_POWER": "power", "SBATCH_PROFILE": "profile", "SBATCH_QOS": "qos", "SBATCH_REQUEUE": "requeue",
    "SBATCH_RESERVATION": "reservation", "SBATCH_SIGNAL": "signal", "SBATCH_SPREAD_JOB": "spread-job",
    "SBATCH_THREAD_SPEC": "thread-spec", "SBATCH_THREADS_PER_CORE": "threads-per-core",
    "SBATCH_TIMELIMIT": "time", "SBATCH_USE_MIN_NODES": "use-min-nodes", "SBATCH_WAIT": "wait",
    "SBATCH_WAIT_ALL_NODES": "wait-all-nodes", "SBATCH_WCKEY": "wckey",
}


@dataclass(frozen=True)
class OptionValue:
    """One option as given: canonical long name, its value (None for a flag) and where it came from."""

    name: str
    value: str | None
    origin: str  # "script" | "env" | "cli"
    where: str  # "job.sbatch:7", "SBATCH_TIMELIMIT", "command line"
    text: str  # the option as written, for sources: "--mem=64G"


def resolve_long(word: str) -> tuple[str | None, str | None]:
    """A long name or unambiguous prefix -> (canonical name, problem)."""
    if word in OPTIONS:
        return word, None
    matches = [name for name in OPTIONS if name.startswith(word)]
    if len(matches) == 1:
        return matches[0], None
    if matches:
        return None, f"ambiguous option --{word} (could be --{', --'.join(sorted(matches)[:4])})"
    return None, f"unknown sbatch option --{word}"


def read_argv(
    words: list[str], origin: str, where: str | list[str]
) -> tuple[list[OptionValue], list[str], int]:
    """Read options from ``words`` (``where`` per word, or one for all).

    Returns (options, warnings, index of the first word that is not an option: ``--`` or a plain word).
    """
    out: list[OptionValue] = []
    warnings: list[str] = []
    wheres = where if isinstance(where, list) else [where] * len(words)
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--") and len(word) > 2:
            i = _read_long(words, i, origin, wheres[i], out, warnings)
        elif word.startswith("-") and len(word) > 1 and word != "--":
            i = _read_short(words, i, origin, wheres[i], out, warnings)
        else:
            return out, warnings, i
    return out, warnings, i


def _read_long(words: list[str], i: int, origin: str, where: str, out: list, warnings: list) -> int:
    body = words[i][2:]
    key, eq, inline = body.partition("=")
    name, problem = resolve_long(key)
    if name is None:
        warnings.append(f"{where}: {problem}; ignored")
        return i + 1
    kind = OPTIONS[name][1]
    if eq:
        if kind == NONE:
            warnings.append(f"{where}: option --{name} takes no value (got {words[i]!r}); ignored")
            return i + 1
        out.append(OptionValue(name, inline, origin, where, words[i]))
        return i + 1
    if kind == REQUIRED:
        if i + 1 >= len(words):
            warnings.append(f"{where}: option --{name} needs a value; ignored")
            return i + 1
        out.append(OptionValue(name, words[i + 1], origin, where, f"{words[i]} {words[i + 1]}"))
        return i + 2
    out.append(OptionValue(name, None, origin, where, words[i]))
    return i + 1


def _read_short(words: list[str], i: int, origin: str, where: str, out: list, warnings: list) -> int:
    word = words[i]
    pos = 1
    while pos < len(word):
        letter = word[pos]
        name = SHORT.get(letter)
        if name is None:
            warnings.append(f"{where}: unknown sbatch option -{letter}; ignored")
            return i + 1
        kind = OPTIONS[name][1]
        rest = word[pos + 1 :]
        if kind == NONE:
            out.append(OptionValue(name, None, origin, where, f"-{letter}"))
            pos += 1
            continue
        if rest or kind == OPTIONAL:
            out.append(OptionValue(name, rest or None, origin, where, word))
            return i + 1
        if i + 1 >= len(words):
            warnings.append(f"{where}: option -{letter} needs a value; ignored")
            return i + 1
        out.append(OptionValue(name, words[i + 1], origin, where, f"{word} {words[i + 1]}"))
        return i + 2
    return i + 1


def env_options(env: dict[str, str] | None) -> list[OptionValue]:
    """The options set through SBATCH_* input environment variables, in a stable order."""
    if not env:
        return []
    out = []
    for var in sorted(ENV_OPTIONS):
        if var in env:
            name = ENV_OPTIONS[var]
            value = None if OPTIONS[name][1] == NONE else env[var]
            out.append(OptionValue(name, value, "env", var, f"{var}={env[var]}"))
    return out
