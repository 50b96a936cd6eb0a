"""Read a batch script the way sbatch does: refuse what sbatch refuses, split ``#SBATCH`` lines into words.

Rules, each checked against sbatch 22.05.8 on the test cluster:

* The first line must start with ``#!`` (a UTF-8 BOM breaks that); DOS line breaks are refused.
* Directives are lines starting with exactly ``#SBATCH`` in column 1. Blank lines and comment lines (``#`` after
  optional whitespace) are skipped; the first other line ends the directives.
* All directive words form ONE argument list, so an option may take its value from the next ``#SBATCH`` line.
* Within a line: whitespace separates words; ``"`` and ``'`` quote (and are removed); a backslash escapes the
  next character (except whitespace, which still ends the word); an unquoted, unescaped ``#`` starts a comment.
  An unmatched quote is fatal.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path

from asba.errors import InputError

MAX_SCRIPT_BYTES = 4 * 1024 * 1024  # SLURM's default max_script_size (4 MB)
MAGIC = "#SBATCH"
HETJOB_WORDS = ("hetjob", "packjob")
_SPECIAL_RE = re.compile(r"[\"'\\#]")
_WS = " \t\n\v\f\r"  # C isspace() in the C locale, which sbatch uses
_WS_RE = re.compile(r"[ \t\n\v\f\r]+")


@dataclass(frozen=True)
class Word:
    text: str
    line: int  # 1-based


@dataclass(frozen=True)
class ScriptText:
    display: str  # the path as the user gave it, used in every "file:line"
    lines: list[str]
    digest: str  # sha256 of the normalised text (see script_hash)


def read_script(path: str | Path) -> ScriptText:
    """Read and validate a batch script. Raises InputError for anything sbatch would refuse or cannot read."""
    display = str(path)
    data = _read_bytes(Path(path), display)
    if b"\0" in data:
        raise InputError("this is a binary file, not a batch script", where=display,
                         hint="give the path of the shell script you submit with sbatch", code="ASBA-SCRIPT-005")
    text = _decode(data, display)
    lines = text.split("\n")
    if not text.strip():
        raise InputError("the batch script is empty", where=f"{display}:1", code="ASBA-SCRIPT-007",
                         hint="a batch script starts with #!/bin/bash and #SBATCH lines")
    if "\r\n" in text:
        line = next(i for i, ln in enumerate(lines, 1) if ln.endswith("\r"))
        raise InputError("the script has DOS line breaks (\\r\\n); sbatch refuses it", where=f"{display}:{line}",
                         hint="convert it with dos2unix", code="ASBA-SCRIPT-009")
    if not lines[0].startswith("#!"):
        raise InputError("the first line must start with #! and an interpreter; sbatch refuses this script",
                         where=f"{display}:1", hint="add #!/bin/bash as the first line", code="ASBA-SCRIPT-008")
    return ScriptText(display=display, lines=lines, digest=script_hash(text))


def _read_bytes(path: Path, display: str) -> bytes:
    try:
        if path.is_dir():
            raise InputError("this is a directory, not a batch script", where=display, code="ASBA-SCRIPT-002",
                             hint="give the path of the job script file")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise InputError("this is not a regular file", where=display, code="ASBA-SCRIPT-002",
                             hint="give the path of the job script file")
        size = info.st_size
        if size > MAX_SCRIPT_BYTES:
            raise InputError(f"the file is {size / 1048576:.1f} MiB; batch scripts over 4 MiB are refused",
                             where=display, hint="SLURM's default max_script_size is 4 MB",
                             code="ASBA-SCRIPT-004")
        with path.open("rb") as handle:
            return handle.read(MAX_SCRIPT_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file", where=display, hint="check the path of the batch script",
                         code="ASBA-SCRIPT-001") from None
    except PermissionError:
        raise InputError("permission denied", where=display, code="ASBA-SCRIPT-003") from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", where=display, code="ASBA-SCRIPT-003") from None


def _decode(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"invalid UTF-8 (byte 0x{data[exc.start]:02x})", where=f"{display}:{line}",
                         hint="save the script as UTF-8", code="ASBA-SCRIPT-006") from None


def script_hash(text: str) -> str:
    """sha256 of the script with trailing whitespace and trailing blank lines removed (same script, same hash)."""
    import hashlib  # only when a script is read: keeps `asba` start-up light

    normal = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).rstrip("\n")
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def is_command_line(line: str) -> bool:
    stripped = line.lstrip()
    return bool(stripped) and not stripped.startswith("#")


def directive_words(script: ScriptText) -> tuple[list[Word], int, list[str]]:
    """All #SBATCH words in order, the 1-based line where the body starts (0 if none), and warnings."""
    words: list[Word] = []
    warnings: list[str] = []
    for number, line in enumerate(script.lines, 1):
        if line.startswith(MAGIC):
            rest = line[len(MAGIC):]
            if any(w in rest.lower() for w in HETJOB_WORDS):
                warnings.append(f"{script.display}:{number}: heterogeneous job: only the first component is read")
                return words, _first_command(script.lines, number), warnings
            words += [Word(w, number) for w in split_directive(rest, f"{script.display}:{number}")]
        elif is_command_line(line):
            return words, number, warnings
    return words, 0, warnings


def _first_command(lines: list[str], after: int) -> int:
    return next((n for n, line in enumerate(lines, 1) if n > after and is_command_line(line)), 0)


def split_directive(text: str, where: str) -> list[str]:
    """Split the text after ``#SBATCH`` into words exactly as sbatch does (see the module docstring)."""
    if not _SPECIAL_RE.search(text):
        return [w for w in _WS_RE.split(text) if w]  # no quote, backslash or '#': plain splitting is the same
    words: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in _WS:
            i += 1
        if i >= n or text[i] == "#":
            return words
        word, i, ended = _one_word(text, i, where)
        words.append(word)
        if ended:
            return words


def _one_word(text: str, i: int, where: str) -> tuple[str, int, bool]:
    """Read one word from ``i``. Returns (word, next index, whether a comment ended the line)."""
    buf: list[str] = []
    quote = ""
    escaped = False
    while i < len(text) and (quote or text[i] not in _WS):
        char = text[i]
        i += 1
        if escaped:
            buf.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote:
            if char == quote:
                quote = ""
            else:
                buf.append(char)
        elif char in "\"'":
            quote = char
        elif char == "#":
            return "".join(buf), i, True
        else:
            buf.append(char)
    if quote:
        raise InputError(f"unmatched {quote} in #SBATCH line; sbatch refuses the script", where=where,
                         hint=f"close the {quote} quote", code="ASBA-SCRIPT-010")
    return "".join(buf), i, False


_MPI_RE = re.compile(r"(?:^|[\s;&|(`$])(srun|mpirun|mpiexec(?:\.hydra)?|ibrun|orterun)(?=\s|$)")
_SPLIT_RE = re.compile(r"\|\||&&|[;|&()`]|\$\(")
_ASSIGN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
NOT_PROGRAMS = frozenset(
    "if then else elif fi for while until do done case esac in function select { } [ [[ ]] ] ! echo printf cd "
    "export set unset source . exit return module ml wait sleep date hostname mkdir cp mv rm cat ls true false "
    "test read local shift trap umask ulimit eval let declare alias pwd touch ln chmod tee head tail grep awk sed "
    "sort uniq wc cut tr basename dirname env which type seq".split()
)
LAUNCHERS = frozenset("srun mpirun mpiexec mpiexec.hydra ibrun orterun time exec nohup command stdbuf "
                      "numactl taskset".split())


# Distinct programs (and modules) kept from a body: the rules engine takes lists of at most 10,000 items
# (asba.rules.values.MAX_LIST_ITEMS) and body.tools joins four such lists; real scripts run a few dozen.
MAX_BODY_ITEMS = 1000


@dataclass(frozen=True)
class BodyInfo:
    is_mpi: bool
    mpi_line: int  # 0 when not MPI-style
    programs: list[str]
    modules: list[str]
    cut: bool = False  # more than MAX_BODY_ITEMS distinct programs or modules: the first ones are kept


def analyse_body(lines: list[str], start: int) -> BodyInfo:
    """What the script body runs: MPI launchers, programs (first words of commands) and loaded modules."""
    programs: dict[str, None] = {}  # ordered sets: membership in constant time (a list made it quadratic)
    modules: dict[str, None] = {}
    mpi_line = 0
    for number in range(start, len(lines) + 1) if start else ():
        code = _strip_comment(lines[number - 1])
        if not code.strip():
            continue
        if not mpi_line and _MPI_RE.search(code):
            mpi_line = number
        for command in _SPLIT_RE.split(code):
            words = command.split()
            _collect(words, programs, modules)
    cut = len(programs) > MAX_BODY_ITEMS or len(modules) > MAX_BODY_ITEMS
    return BodyInfo(bool(mpi_line), mpi_line, list(programs)[:MAX_BODY_ITEMS], list(modules)[:MAX_BODY_ITEMS], cut)


def _strip_comment(line: str) -> str:
    stripped = line.lstrip()
    if stripped.startswith("#"):
        return ""
    match = re.search(r"\s#", line)  # a '#' after whitespace starts a shell comment
    return line[: match.start()] if match else line


def _collect(words: list[str], programs: dict[str, None], modules: dict[str, None]) -> None:
    words = [w.strip("\"'") for w in words if not _ASSIGN_RE.match(w)] if words else []
    if not words:
        return
    head = words[0]
    if head in ("module", "ml"):
        modules.update((m, None) for m in _module_args(words) if not m.startswith("-"))
        return
    while words and words[0] in LAUNCHERS:
        words = [w for w in words[1:] if not w.startswith("-") and not w.isdigit()]
    if words:
        name = words[0].rsplit("/", 1)[-1]
        if name and name not in NOT_PROGRAMS and not name.startswith("$") and name not in programs:
            if re.match(r"^[\w.+-]+$", name):
                programs[name] = None


def _module_args(words: list[str]) -> list[str]:
    """The modules a ``module load``/``module add``/``ml`` command loads."""
    sub = words[1] if len(words) > 1 else ""
    if sub in ("load", "add"):
        return words[2:]
    if words[0] == "ml" and sub and sub not in ("purge", "list", "avail", "unload", "spider", "show", "save"):
        return words[1:]
    return []
