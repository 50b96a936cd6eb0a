"""``#PBS`` and ``#BSUB`` directives, as sbatch 22.05 translates them (checked on the test cluster).

sbatch reads these lines anywhere in the script (also after the first command), after the ``#SBATCH`` lines, so
their values override ``#SBATCH`` ones; ``--ignore-pbs`` turns both off. A script with any ``#BSUB`` line is read
as LSF and its ``#PBS`` lines are ignored.

* PBS: ``-l walltime=``, ``-l nodes=N[:ppn=M]``, ``-l mem=``, ``-N`` (name), ``-q`` (partition), ``-A``
  (account), ``-t`` (array), ``-o``, ``-e``. Other ``-l`` resources (``ncpus``, ``pmem``, ...) change nothing.
* LSF: ``-n`` (tasks), ``-W`` (passed to --time as written: ``-W 90`` is 90 minutes), ``-M`` (KB per CPU),
  ``-x`` (exclusive), ``-J``, ``-q``, ``-o``, ``-e``.
"""

from __future__ import annotations

import re

from asba.inputs.sbatch_options import OptionValue
from asba.inputs.sbatch_script import ScriptText, split_directive

PBS_SIMPLE = {"-N": "job-name", "-q": "partition", "-A": "account", "-t": "array", "-o": "output", "-e": "error"}
BSUB_SIMPLE = {"-n": "ntasks", "-W": "time", "-J": "job-name", "-q": "partition", "-o": "output", "-e": "error"}
_NODES_RE = re.compile(r"^(\d+)(?::ppn=(\d+))?(?::.*)?$")


def pbs_options(script: ScriptText) -> tuple[list[OptionValue], list[str]]:
    """The sbatch options the script's #BSUB or #PBS lines set, and warnings for what sbatch does not use."""
    magic = "#BSUB" if any(line.startswith("#BSUB") for line in script.lines) else "#PBS"
    options: list[OptionValue] = []
    warnings: list[str] = []
    for number, line in enumerate(script.lines, 1):
        if line.startswith(magic):
            where = f"{script.display}:{number}"
            words = split_directive(line[len(magic):], where)
            reader = _bsub_words if magic == "#BSUB" else _pbs_words
            reader(words, where, options, warnings)
    return options, warnings


def _pbs_words(words: list[str], where: str, options: list[OptionValue], warnings: list[str]) -> None:
    i = 0
    while i < len(words):
        flag, value = words[i], words[i + 1] if i + 1 < len(words) else None
        i += 2
        if flag in PBS_SIMPLE and value is not None:
            options.append(OptionValue(PBS_SIMPLE[flag], value, "script", where, f"#PBS {flag} {value}"))
        elif flag == "-l" and value is not None:
            options += _resources(value, where, warnings)
        else:
            warnings.append(f"{where}: #PBS {flag} is not used by sbatch or asba")
            i -= 1 if value is not None and value.startswith("-") else 0


def _bsub_words(words: list[str], where: str, options: list[OptionValue], warnings: list[str]) -> None:
    i = 0
    while i < len(words):
        flag, value = words[i], words[i + 1] if i + 1 < len(words) else None
        i += 2
        if flag == "-x":
            options.append(OptionValue("exclusive", None, "script", where, "#BSUB -x"))
            i -= 1
        elif flag in BSUB_SIMPLE and value is not None:
            options.append(OptionValue(BSUB_SIMPLE[flag], value, "script", where, f"#BSUB {flag} {value}"))
        elif flag == "-M" and value is not None:
            options.append(OptionValue("mem-per-cpu", f"{value}K", "script", where, f"#BSUB -M {value}"))
        else:
            warnings.append(f"{where}: #BSUB {flag} is not used by sbatch or asba")
            i -= 1 if value is not None and value.startswith("-") else 0


def _resources(value: str, where: str, warnings: list[str]) -> list[OptionValue]:
    out = []
    for item in value.split(","):
        key, _, setting = item.partition("=")
        text = f"#PBS -l {item}"
        if key == "walltime" and setting:
            out.append(OptionValue("time", setting, "script", where, text))
        elif key == "mem" and setting:
            out.append(OptionValue("mem", setting, "script", where, text))
        elif key == "nodes" and (match := _NODES_RE.match(setting)):
            out.append(OptionValue("nodes", match[1], "script", where, text))
            if match[2]:
                out.append(OptionValue("ntasks-per-node", match[2], "script", where, text))
        else:
            warnings.append(f"{where}: #PBS -l {item} is not used by sbatch or asba")
    return out
