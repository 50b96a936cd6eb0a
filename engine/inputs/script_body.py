"""What a batch script's body runs: programs, launchers, thread and GPU arguments, modules, environments, images.

    body = read_body(lines, start)      # start: first body line (asba.inputs.sbatch_script.directive_words)
    body.programs                       # ["gmx_mpi"], each with body.lines["programs"] = [14]
    body.values["threads_arg"]          # 8 (from "-ntomp 8"), body.lines["threads_arg"] = [14]

A program is the first word of a command once launchers and wrappers are peeled off: ``srun``/``mpirun``/
``mpiexec`` (with their options), ``torchrun``/``deepspeed``/``accelerate launch``/``python -m
torch.distributed.run``, ``apptainer``/``singularity exec IMAGE``, ``conda run -n ENV``, ``time``/``exec``/
``nohup``/``numactl``/``taskset``/``perf-report``. For an interpreter (``python``, ``Rscript``, ``julia``, ...)
the program is the script it runs (``train.py``) and the interpreter is listed apart. Shell built-ins, file
utilities and the script's own shell functions are not programs. Literal variables (``cores=40``) are resolved
when an argument is exactly ``$cores``; ``$SLURM_CPUS_PER_TASK`` and friends mark a value as taken from SLURM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from asba.inputs import body_tables as t
from asba.inputs.sbatch_script import MAX_BODY_ITEMS
from asba.inputs.shell_words import Command, commands, function_names

_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_VAR = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")
_NAME_OK = re.compile(r"^[\w.+-]+$")


@dataclass
class Body:
    """Facts of one script body. ``values`` keys are the fact names without ``body.``; ``lines`` their lines."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, list[int]] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)  # line -> the command text there
    # what each list already holds, as sets: membership in constant time (a list search made a body of 60,000
    # distinct programs take minutes)
    _seen: dict[str, set] = field(default_factory=dict, repr=False, compare=False)

    def add(self, key: str, item: str, cmd: Command) -> None:
        seen = self._seen.setdefault(key, set())
        if len(seen) != len(self.values.get(key, ())):  # the list was set directly
            seen.clear()
            seen.update(self.values.get(key, ()))
        if item not in seen and len(seen) < MAX_BODY_ITEMS:
            seen.add(item)
            self.values.setdefault(key, []).append(item)
            self._line(key, cmd)

    def first(self, key: str, value: Any, cmd: Command) -> None:
        if key not in self.values:
            self.values[key] = value
            self._line(key, cmd)

    def _line(self, key: str, cmd: Command) -> None:
        lines = self.lines.setdefault(key, [])
        seen = self._seen.setdefault(f"line:{key}", set())
        if len(seen) != len(lines):  # the list was set or shared directly (last_program, program)
            seen.clear()
            seen.update(lines)
        if cmd.line not in seen:
            seen.add(cmd.line)
            lines.append(cmd.line)
        self.texts[cmd.line] = cmd.text

    @property
    def programs(self) -> list[str]:
        return list(self.values.get("programs", []))


def read_body(lines: list[str], start: int) -> Body:
    body = Body()
    local = function_names(lines)
    variables: dict[str, str] = {}
    for cmd in commands(lines, start):
        _command(cmd, list(cmd.words), body, variables, local)
    _summaries(body)
    return body


def _command(cmd: Command, words: list[str], body: Body, variables: dict[str, str], local: set[str]) -> None:
    rest = _assignments(words, cmd, body, variables)
    if rest and len(rest) < len(words):  # NAME=value cmd: the variables are in the command's environment
        _env_names(words[:len(words) - len(rest)], cmd, body)
    words = rest
    while words and words[0] in t.KEYWORDS:
        words = words[1:]
    if not words or words[0] in t.SKIP_COMMANDS:
        return
    head = words[0]
    if head == "export":
        _assignments(words[1:], cmd, body, variables)
        _env_names([w for w in words[1:] if not w.startswith("-")], cmd, body)
    elif head in ("module", "ml"):
        for name in _module_args([_resolve(w, variables) for w in words]):
            body.add("modules", name, cmd)
    elif head == "spack" and words[1:2] == ["load"]:
        for name in words[2:]:
            if not name.startswith("-"):
                body.add("modules", name, cmd)
    elif head in t.CONDA and len(words) > 1:
        _conda(cmd, words, body, variables, local)
    elif head in ("source", ".") and len(words) > 1:
        _source(cmd, words[1:], body)
    else:
        _run(cmd, words, body, variables, local)


def _assignments(words: list[str], cmd: Command, body: Body, variables: dict[str, str]) -> list[str]:
    """Drop leading NAME=value words, remembering literal values and thread settings."""
    while words:
        match = _ASSIGN.match(words[0])
        if not match:
            return words
        name, value = match.groups()
        if "$" not in value and "`" not in value:
            variables[name] = value
        if name == "OMP_NUM_THREADS":
            _threads("omp_num_threads", value, cmd, body, variables)
        if name == "CUDA_VISIBLE_DEVICES" and value:
            body.add("gpu_flags", f"CUDA_VISIBLE_DEVICES={value}", cmd)
        words = words[1:]
    return words


def _env_names(words: list[str], cmd: Command, body: Body) -> None:
    for word in words:
        name = word.split("=", 1)[0]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            body.add("env_vars", name, cmd)


def _threads(key: str, value: str, cmd: Command, body: Body, variables: dict[str, str]) -> None:
    if _from_slurm(value):
        body.first("threads_from_slurm", True, cmd)
        return
    number = _integer(value, variables)
    if number is not None:
        body.first(key, number, cmd)


def _from_slurm(value: str) -> bool:
    return any(name in value for name in t.SLURM_COUNT_VARS)


def _integer(value: str, variables: dict[str, str]) -> int | None:
    match = _VAR.match(value)
    if match:
        value = variables.get(match.group(1), "")
    return int(value) if value.isdigit() and len(value) < 7 else None


def _module_args(words: list[str]) -> list[str]:
    args = [w for w in words[1:] if not w.startswith("-")]
    if words[0] == "module":
        return args[1:] if args and args[0] in ("load", "add", "try-load") else []
    if args and args[0] in t.ML_SUBCOMMANDS:
        return args[1:] if args[0] in ("load", "add") else []
    return [a for a in args if not a.startswith("$")]


def _conda(cmd: Command, words: list[str], body: Body, variables: dict[str, str], local: set[str]) -> None:
    if words[1] == "activate":
        name = next((w for w in words[2:] if not w.startswith("-")), "base")
        body.add("conda_envs", _basename(name), cmd)
    elif words[1] == "run":
        _run(cmd, words, body, variables, local)


def _conda_run(cmd: Command, rest: list[str], body: Body) -> list[str]:
    """``conda run -n ENV cmd ...``: note the environment, return the command."""
    rest = list(rest)
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option in ("-n", "--name", "-p", "--prefix") and rest:
            body.add("conda_envs", _basename(rest.pop(0)), cmd)
    return rest


def _source(cmd: Command, args: list[str], body: Body) -> None:
    target = args[0]
    if target.endswith("/bin/activate") or target == "activate" and len(args) == 1:
        body.first("venv", True, cmd)
    elif target.endswith("activate"):
        body.add("conda_envs", _basename(args[1]) if len(args) > 1 else "base", cmd)


def _basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1] or path


@dataclass
class Launch:
    """What the launchers in front of a program said; recorded only if a real program follows."""

    launchers: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    from_slurm: bool = False
    timed: bool = False  # under `time` or a profiler: what the author measures is the main program


def _run(cmd: Command, words: list[str], body: Body, variables: dict[str, str], local: set[str],
         launch: Launch | None = None) -> None:
    """Peel launchers and wrappers off ``words`` and record the program and the arguments that matter."""
    launch = launch or Launch()
    while words:
        words = _assignments(words[1:] if words[0] == "env" else words, cmd, body, variables)
        head = _basename(words[0]) if words else ""
        if head == "accelerate" and words[1:2] == ["launch"]:
            words = [words[0], *words[2:]]
        if head in t.CONDA and words[1:2] == ["run"]:
            words = _conda_run(cmd, words[2:], body)
            continue
        spec = t.LAUNCHERS.get(head)
        if spec is None:
            break
        launch.timed = launch.timed or head in t.TIMERS
        if not spec.wrapper:
            launch.launchers.append(head)
        words = _launcher_args(head, spec, words[1:], cmd, body, variables, launch)
    if not words:
        return
    head = _resolve(words[0], variables)
    name = _basename(head)
    if name in t.INTERPRETERS or t.PYTHON_VERSIONED.match(name):
        _interpreter(cmd, name, words[1:], body, variables, local, launch)
    elif _is_program(name, head, local):
        _program(cmd, name, words[1:], body, variables, launch)


def _resolve(word: str, variables: dict[str, str]) -> str:
    match = _VAR.match(word)
    return variables.get(match.group(1), word) if match else word


def _is_program(name: str, head: str, local: set[str]) -> bool:
    return (bool(name) and "$" not in name and name not in t.NOT_PROGRAMS and name not in local
            and not name.isdigit() and bool(_NAME_OK.match(name)))


def _launcher_args(head: str, spec: t.LauncherSpec, args: list[str], cmd: Command, body: Body,
                   variables: dict[str, str], launch: Launch) -> list[str]:
    """Consume a launcher's own options (noting rank and process counts); return the command it runs."""
    i = 0
    while i < len(args) and args[i].startswith(("-", "+")) and args[i] != "--":
        option, _, inline = args[i].partition("=")
        value = inline
        if not inline and spec.takes_value(option) and i + 1 < len(args):
            i += 1
            value = args[i]
        _launcher_option(head, option, value, variables, launch)
        if option in t.TWO_WORD_OPTIONS and i + 1 < len(args):
            i += 1  # -genv NAME VALUE
        i += 1
    rest = args[i + 1:] if i < len(args) and args[i] == "--" else args[i:]
    rest = rest[spec.positionals:]
    if spec.image and rest:
        if rest[0] not in spec.subcommands:
            return []
        body.first("container_runtime", head, cmd)
        return _container(rest[0], rest[1:], cmd, body, variables)
    return rest


def _launcher_option(head: str, option: str, value: str, variables: dict[str, str], launch: Launch) -> None:
    key = t.LAUNCHER_COUNTS.get(head, {}).get(option)
    if key:
        number = _integer(value.split(":")[0], variables)
        if number is not None:
            launch.counts.setdefault(key, number)
        elif _from_slurm(value):
            launch.from_slurm = True


def _container(sub: str, rest: list[str], cmd: Command, body: Body, variables: dict[str, str]) -> list[str]:
    i = 0
    while i < len(rest) and rest[i].startswith("-"):
        option, _, inline = rest[i].partition("=")
        if option in t.CONTAINER_GPU_FLAGS:
            body.add("gpu_flags", option, cmd)
        if not inline and option in t.CONTAINER_OPTIONS:
            i += 1
        i += 1
    if i >= len(rest):
        return []
    image = _resolve(rest[i], variables)
    if "$" not in image:
        body.add("container_images", image if "://" in image else _basename(image), cmd)
    return rest[i + 1:] if sub == "exec" else []


def _interpreter(cmd: Command, name: str, args: list[str], body: Body, variables: dict[str, str],
                 local: set[str], launch: Launch) -> None:
    body.add("interpreters", name, cmd)
    i = 0
    while i < len(args) and args[i].startswith("-"):
        option = args[i]
        if option == "-m" and i + 1 < len(args):
            module = args[i + 1]
            if module in t.PYTHON_LAUNCHER_MODULES:
                _run(cmd, ["torchrun", *args[i + 2:]], body, variables, local, launch)
            else:
                _program(cmd, module, args[i + 2:], body, variables, launch)
            return
        if option in ("-c", "-e", "--eval"):
            return
        i += 2 if option in t.INTERPRETER_VALUE_OPTIONS else 1
    if name == "R" and args[i:i + 2] == ["CMD", "BATCH"]:
        i += 2
        while i < len(args) and args[i].startswith("-"):
            i += 1
    if i < len(args) and "$" not in _basename(args[i]):
        _program(cmd, _basename(args[i]), args[i + 1:], body, variables, launch)


def _program(cmd: Command, name: str, args: list[str], body: Body, variables: dict[str, str],
             launch: Launch) -> None:
    if not _NAME_OK.match(name):
        return
    body.add("programs", name, cmd)
    for launcher in launch.launchers:
        body.add("launchers", launcher, cmd)
    if launch.launchers:
        body.first("program", name, cmd)
        for key, number in launch.counts.items():
            body.first(key, number, cmd)
        if launch.from_slurm:
            body.first("ranks_from_slurm", True, cmd)
    if launch.timed:
        body.first("timed_program", name, cmd)
    body.values["last_program"] = name
    body.lines["last_program"] = [cmd.line]
    thread_flags = t.THREAD_FLAGS | t.PROGRAM_THREAD_FLAGS.get(name, frozenset())
    attached = name in t.ATTACHED_THREAD_PROGRAMS
    for i, arg in enumerate(args):
        _argument(cmd, arg, args[i + 1] if i + 1 < len(args) else "", (thread_flags, attached), body, variables)


def _argument(cmd: Command, arg: str, following: str, threads: tuple[frozenset[str], bool], body: Body,
              variables: dict[str, str]) -> None:
    option, _, inline = arg.partition("=")
    value = inline or following
    glued = t.ATTACHED_THREADS.match(arg) if threads[1] else None
    if option in threads[0] or glued:
        _threads("threads_arg", glued.group(1) if glued else value, cmd, body, variables)
    if option in t.PARALLEL_FLAGS:
        body.add("parallel_flags", option, cmd)
    if option in t.RESTART_FLAGS:
        body.add("restart_flags", option, cmd)
    if option in t.DB_FLAGS and value and "$" not in value:
        body.add("databases", _basename(value), cmd)
    if option in t.GPU_COUNT_FLAGS:
        number = _integer(value, variables)
        if number is not None:
            body.first("gpus_arg", number, cmd)
    if option in t.GPU_VALUE_FLAGS and value.lower().startswith(("gpu", "cuda")):
        body.add("gpu_flags", f"{option} {value}", cmd)
    elif option in t.GPU_FLAGS:
        body.add("gpu_flags", option, cmd)


def _summaries(body: Body) -> None:
    values = body.values
    for fallback in ("timed_program", "last_program"):  # no launched program: the timed one, else the last
        if "program" not in values and fallback in values:
            values["program"], body.lines["program"] = values[fallback], body.lines[fallback]
    for key in ("timed_program", "last_program"):
        values.pop(key, None)
        body.lines.pop(key, None)
    if values.get("launchers"):
        values["launcher"] = values["launchers"][0]
        body.lines["launcher"] = body.lines["launchers"][:1]
    if values.get("conda_envs") or values.get("venv"):
        lines = body.lines.get("conda_envs", []) + body.lines.get("venv", [])
        values["python_env"] = "conda" if values.get("conda_envs") else "venv"
        body.lines["python_env"] = sorted(lines)[:1]
    values.setdefault("venv", False)
    body.lines.setdefault("venv", [])
