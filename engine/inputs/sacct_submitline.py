"""The batch script named in sacct's SubmitLine (``sbatch -p cpu --mem=1G train.sbatch arg1``).

sbatch's first positional argument is the script; options either carry their value after ``=`` or take the
next word, except the flags listed here. ``--wrap`` jobs have no script.
"""

from __future__ import annotations

import shlex
from functools import lru_cache

# sbatch options that take no value (from `sbatch --help`, SLURM 22.05).
_FLAGS = frozenset(
    "--contiguous --exclusive -O --overcommit -H --hold --ignore-pbs --parsable -Q --quiet --reboot --requeue "
    "--no-requeue --spread-job --test-only --use-min-nodes -v --verbose -W --wait --get-user-env -s --oversubscribe "
    "--no-kill -k -h --help --usage -V --version".split()
)


@lru_cache(maxsize=4096)
def script_from_submit_line(line: str) -> str:
    """The script path as typed on the sbatch command line, or '' (no SubmitLine, --wrap, unparsable)."""
    if not line:
        return ""
    if '"' in line or "'" in line or "\\" in line:
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
    else:
        words = line.split()  # no quoting: the same words, without shlex's cost
    if not words or not words[0].endswith("sbatch"):
        return ""
    skip_next = False
    for word in words[1:]:
        if skip_next:
            skip_next = False
        elif word.startswith("--wrap"):
            return ""
        elif word.startswith("-"):
            skip_next = "=" not in word and word not in _FLAGS and not _short_with_value(word)
        else:
            return word
    return ""


def _short_with_value(word: str) -> bool:
    """``-n4``, ``-pgpu``: a short option with its value attached."""
    return len(word) > 2 and word[1] != "-"
