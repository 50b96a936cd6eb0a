"""`asba rules new PACK`: a new pack folder with a manifest, one rule and its test cases, ready to edit.

The scaffold passes `asba rules validate`, `asba rules test` and `asba rules lint --strict` as written, so a
domain expert starts from a green pack and changes one thing at a time.
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from pathlib import Path

from asba.errors import InputError

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RULE_FILE = "threads.yaml"
TEST_FILE = "threads.test.yaml"

MANIFEST = """\
# {name}: what this pack knows. Bump revision on every change: traces record it.
pack: {name}
revision: "{today}-1"
description: >-
  Advice for {name} jobs. Start from the example rule in threads.yaml: a multi-threaded tool given CPUs but no
  thread count.
owner: {owner}
namespaces: [{name}]
references:
  - "Cite where every threshold comes from: the tool's manual, your centre's documentation"
conclusions:
  {name}.threads_idle:
    type: boolean
    meaning: The tool is given CPUs but no thread count, so it runs one thread.
"""

RULE = """\
rules:
  - id: {name}.threads-not-passed
    severity: warning
    message:
      found: "{{body.program}} gets {{job.cpus_per_task}} CPUs but the script gives it no thread count."
      why: "{tool} runs one thread unless told otherwise; the other CPUs sit idle."
      fix: "Pass the thread option from SLURM, e.g. {tool} -t $SLURM_CPUS_PER_TASK."
    when:
      - {{fact: body.program, eq: {tool}}}
      - {{fact: job.cpus_per_task, gte: 4}}
      - {{absent: body.threads_arg}}
      - {{fact: body.threads_from_slurm, eq: false}}
    then:
      - {{assert: {name}.threads_idle, value: true}}
"""

TESTS = """\
cases:
  - name: {tool} on 16 CPUs without -t
    facts: {{body.program: {tool}, job.cpus_per_task: 16, body.threads_from_slurm: false}}
    fires: {name}.threads-not-passed
    conclusions: {{{name}.threads_idle: true}}
  - name: {tool} -t 16
    facts: {{body.program: {tool}, job.cpus_per_task: 16, body.threads_arg: 16, body.threads_from_slurm: false}}
    silent: {name}.threads-not-passed
  - name: {tool} -t $SLURM_CPUS_PER_TASK
    facts: {{body.program: {tool}, job.cpus_per_task: 16, body.threads_from_slurm: true}}
    silent: {name}.threads-not-passed
  - name: 3 CPUs is below the threshold (boundary)
    facts: {{body.program: {tool}, job.cpus_per_task: 3, body.threads_from_slurm: false}}
    silent: {name}.threads-not-passed
"""


def _today() -> str:
    from asba.decide.context import now_utc

    return now_utc().astimezone(UTC).strftime("%Y.%m.%d")


def builtin_names() -> set[str]:
    from asba.rules.packs import builtin_pack_dirs

    names = set()
    for folder in builtin_pack_dirs():
        found = re.search(r"^pack:\s*([a-z0-9_]+)", (folder / "pack.yaml").read_text(encoding="utf-8"), re.M)
        if found:
            names.add(found.group(1))
    return names


def new_pack(name: str, parent: Path, owner: str = "", tool: str = "") -> list[Path]:
    """Create ``parent/name`` with pack.yaml, threads.yaml and threads.test.yaml; return the files written."""
    if not NAME.match(name) or len(name) > 40:
        raise InputError(f"'{name}' is not a pack name", where="command line", code="ASBA-PACK-060",
                         hint="use lower-case letters, digits and _ (starting with a letter), e.g. alignment")
    tool = tool or "bwa"
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$", tool):
        raise InputError(f"'{tool}' is not a program name", where="command line", code="ASBA-PACK-060",
                         hint="give the program as the script runs it, e.g. --tool bwa")
    if name in builtin_names():
        raise InputError(f"'{name}' is the name of a built-in pack; yours would replace it", where="command line",
                         code="ASBA-PACK-060", hint="choose another name (to change a built-in pack, copy its folder)")
    folder = parent / name
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(f"{folder} already exists and is not an empty folder", where=str(folder),
                         code="ASBA-PACK-061", hint="choose another name or --dir, or remove the folder first")
    owner = " ".join((owner or "you <you@example.org>").split())  # one line, no control characters
    values = {"name": name, "tool": tool, "owner": json.dumps(owner),  # a JSON string is a YAML string
              "today": _today()}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for file_name, template in (("pack.yaml", MANIFEST), (RULE_FILE, RULE), (TEST_FILE, TESTS)):
            path = folder / file_name
            path.write_text(template.format(**values), encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise InputError(f"cannot write the pack: {exc.strerror}", where=str(folder), code="ASBA-PACK-061",
                         hint="choose a folder you can write to (--dir)") from None
    return written
