"""body.* facts: what the script body runs (asba.inputs.script_body), each with the line(s) it came from.

    body_facts("job.sbatch")   # [Fact("body.program", "gmx_mpi", "job.sbatch:14 srun gmx_mpi mdrun -ntomp 8"), ...]
"""

from __future__ import annotations

import re
from pathlib import Path

from asba.facts.model import Fact
from asba.inputs.sbatch_script import directive_words, read_script
from asba.inputs.script_body import Body, read_body

BOOLEANS = ("venv", "threads_from_slurm", "ranks_from_slurm")
_MAX_LINES_SHOWN = 3
_SUFFIX = re.compile(r"\.(py|x|exe|sh|pl|r|jl)$", re.IGNORECASE)


def body_facts(path: str | Path) -> list[Fact]:
    """The body.* facts of the script at ``path`` (already validated by the batch-script parser)."""
    script = read_script(path)
    _, start, _ = directive_words(script)
    return facts_of(read_body(script.lines, start), script.display)


def facts_of(body: Body, display: str) -> list[Fact]:
    facts = []
    for key, value in body.values.items():
        lines = body.lines.get(key, [])
        if key in BOOLEANS and not value:
            continue
        facts.append(Fact(f"body.{key}", value, _source(body, display, lines)))
    for key in BOOLEANS:
        if not body.values.get(key):
            facts.append(Fact(f"body.{key}", False, f"{display} body: not found"))
    tools = tool_names(body)
    if tools:
        lines = sorted({n for k in ("programs", "interpreters", "modules", "container_images")
                        for n in body.lines.get(k, [])})
        facts.append(Fact("body.tools", tools, _source(body, display, lines)))
    return facts


def tool_names(body: Body) -> list[str]:
    """Lower-case names of what the body runs or loads: programs (without .py/.x/...), interpreters, modules
    (the part before '/'), container images (no registry, path or tag)."""
    values = body.values
    names = [_SUFFIX.sub("", p) for p in values.get("programs", [])]
    names += values.get("interpreters", [])
    names += [m.split("/")[0] for m in values.get("modules", [])]
    names += [i.split("://")[-1].rsplit("/", 1)[-1].split(":")[0].removesuffix(".sif")
              for i in values.get("container_images", [])]
    return list(dict.fromkeys(n.lower() for n in names if n))


def _source(body: Body, display: str, lines: list[int]) -> str:
    if not lines:
        return f"{display} body"
    shown = [f"{display}:{n} {body.texts.get(n, '')[:80]}".rstrip() for n in lines[:_MAX_LINES_SHOWN]]
    more = len(lines) - _MAX_LINES_SHOWN
    return "; ".join(shown) + (f"; and {more} more line(s)" if more > 0 else "")
