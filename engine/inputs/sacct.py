"""sacct: the call asba makes (explicit fields, a safe delimiter, always -S) and a streaming reader of its
output or of a saved dump. Rows come out as (line number, list of fields) with the column positions known;
merging a job's step rows into one record is `asba.history.merge`'s job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from asba.errors import InputError
from asba.inputs.slurm import CommandStream, SlurmRunner

# A delimiter no job name, SubmitLine or WorkDir contains (ASCII unit separator).
SYNC_DELIMITER = "\x1f"
SYNC_FIELDS = (
    "Cluster", "JobID", "JobIDRaw", "JobName", "User", "Account", "Partition", "QOS", "State", "ExitCode",
    "Submit", "Start", "End", "ElapsedRaw", "Timelimit", "ReqCPUS", "AllocCPUS", "NNodes", "NTasks",
    "ReqMem", "ReqTRES", "AllocTRES", "TotalCPU", "MaxRSS", "TRESUsageInTot", "SubmitLine", "WorkDir",
    "TRESUsageInAve", "TRESUsageInMax", "Eligible", "ReqNodes",
)
# Every state SLURM 22.05's sacct knows (sacct(1), JOB STATE CODES). Naming them all with -s lists every job that
# was in any state in the window: the jobs sacct lists without -s (eligible before the window's end) plus the
# ones that never became eligible (held, then cancelled), which the history keeps. One call instead of two.
ALL_STATES = "BF,CA,CD,DL,F,NF,OOM,PD,PR,R,RQ,RS,RV,S,TO"
DELIMITER_CANDIDATES = ("\x1f", "^|^", ";|;", "|", "\t", ";", ",")


@dataclass
class Columns:
    """Positions of the sacct fields in a row; -1 where the dump lacks a field."""

    names: list[str]
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {name.lower(): pos for pos, name in enumerate(self.names)}

    def pos(self, name: str) -> int:
        return self.index.get(name.lower(), -1)


@dataclass
class Malformed:
    line_no: int
    reason: str


@dataclass
class SacctStream:
    """Rows of one sacct output, read lazily. Malformed lines are recorded, not raised."""

    lines: Iterable[str]
    source: str
    delimiter: str | None = None
    fields: list[str] | None = None
    malformed: list[Malformed] = field(default_factory=list)
    columns: Columns | None = None
    rows_read: int = 0
    _carry: tuple[int, list[str]] | None = None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        it = iter(self.lines)
        line_no, first = _first_nonblank(it)
        if first is None:
            return
        pending: list[tuple[int, str]] = []
        if self.fields:
            self.columns = Columns(list(self.fields))
            self.delimiter = self.delimiter or _guess_delimiter(first, len(self.fields))
            pending.append((line_no, first))
        else:
            self._read_header(first, line_no)
        assert self.columns is not None and self.delimiter is not None
        width, delim = len(self.columns.names), self.delimiter
        for number, line in pending:
            parts = line.split(delim)
            if len(parts) == width:
                self.rows_read += 1
                yield number, parts
            else:
                yield from self._slow(number, parts, width)
        for line in it:
            line_no += 1
            parts = line.rstrip("\r\n").split(delim)
            if len(parts) == width and self._carry is None:
                self.rows_read += 1
                yield line_no, parts
            else:
                yield from self._slow(line_no, parts, width)
        self.finish()

    def _slow(self, number: int, parts: list[str], width: int) -> Iterator[tuple[int, list[str]]]:
        """Rows that are not exactly `width` fields: blank, trailing delimiter (--parsable), a field with a
        newline in it (SubmitLine of ``srun python3 -c "..."``) continued on the next lines, or malformed."""
        if len(parts) == 1 and not parts[0].strip():
            return
        if len(parts) == width + 1 and parts[-1] == "" and self._carry is None:
            self.rows_read += 1
            yield number, parts[:width]
            return
        if self._carry is not None and len(parts) in (width, width + 1):
            start, carried = self._carry  # a complete row: what came before was not its beginning
            self._carry = None
            self.malformed.append(Malformed(start, f"{len(carried)} fields, expected {width}"))
            if parts[-1] == "" and len(parts) == width + 1 or len(parts) == width:
                self.rows_read += 1
                yield number, parts[:width]
            else:
                self.malformed.append(Malformed(number, f"{len(parts)} fields, expected {width}"))
            return
        if self._carry is not None:
            start, carried = self._carry
            self._carry = None
            joined = carried[:-1] + [carried[-1] + "\n" + parts[0]] + parts[1:]
            if len(joined) in (width, width + 1):
                self.rows_read += 1
                yield start, joined[:width]
                return
            if len(joined) < width:
                self._carry = (start, joined)
                return
            self.malformed.append(Malformed(start, f"{len(carried)} fields, expected {width}"))
            yield from self._slow(number, parts, width)
            return
        if 1 < len(parts) < width:
            self._carry = (number, parts)
        else:
            self.malformed.append(Malformed(number, f"{len(parts)} fields, expected {width}"))

    def finish(self) -> None:
        """Report a row left incomplete at the end of the input."""
        if self._carry is not None:
            number, parts = self._carry
            width = len(self.columns.names) if self.columns else 0
            self.malformed.append(Malformed(number, f"{len(parts)} fields, expected {width}"))
            self._carry = None

    def _read_header(self, line: str, line_no: int) -> None:
        self.columns, self.delimiter = read_header(line, line_no, self.source, self.delimiter)


def read_header(line: str, line_no: int, source: str, delimiter: str | None = None) -> tuple[Columns, str]:
    """The columns and the delimiter named by a dump's header line (the delimiter guessed when not given)."""
    delim = delimiter or next((d for d in DELIMITER_CANDIDATES if "JobID" in line.split(d)), None)
    names = line.split(delim) if delim else []
    if names and names[-1] == "":
        names = names[:-1]
    if delim is None or "JobID" not in names:
        raise InputError(
            "no sacct header line (a line naming the fields, with JobID among them)",
            where=f"{source}:{line_no}",
            hint="save the dump with sacct --parsable2 and without --noheader, or pass --fields",
            code="ASBA-HIST-001",
        )
    return Columns(names), delim


BLOCK_BYTES = 1 << 22


def read_lines(path: Path, start: int = 0, end: int | None = None,
               on_block: Callable[[bytes], None] | None = None) -> Iterator[str]:
    """The lines of a dump (without their newline) between two byte offsets, read in 4 MiB blocks.

    Much cheaper than iterating a text file line by line. `start` must be a line start; `end` a line start
    or the end of the file. Bytes that are not UTF-8 are replaced (sacct prints what users typed).
    `on_block` is called with each block read (for a progress bar, or to count lines).
    """
    with path.open("rb") as handle:
        handle.seek(start)
        left = (end - start) if end is not None else -1
        tail = b""
        while left:
            block = handle.read(BLOCK_BYTES if left < 0 else min(BLOCK_BYTES, left))
            if not block:
                break
            if left > 0:
                left -= len(block)
            if on_block:
                on_block(block)
            block = tail + block
            cut = block.rfind(b"\n") + 1
            tail = block[cut:]
            if cut:
                lines = block[:cut].decode("utf-8", "replace").split("\n")
                lines.pop()  # the empty text after the block's last newline
                yield from lines
        if tail:
            yield tail.decode("utf-8", "replace")


@dataclass
class DumpLayout:
    """Where a dump file's data starts, and how to read it (for reading it in parts)."""

    columns: Columns
    delimiter: str
    data_start: int  # byte offset of the first data line
    first_line_no: int  # its line number


def dump_layout(path: Path, delimiter: str | None = None, fields: list[str] | None = None) -> DumpLayout | None:
    """The header (or, with `fields`, the first line) of a dump file; None for a file with no data."""
    with path.open("rb") as handle:
        line_no, offset = 0, 0
        for raw in handle:
            line_no += 1
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line.strip():
                break
            offset += len(raw)
        else:
            return None
        if fields:
            return DumpLayout(Columns(list(fields)), delimiter or _guess_delimiter(line, len(fields)), offset, line_no)
        columns, delimiter = read_header(line, line_no, str(path), delimiter)
        return DumpLayout(columns, delimiter, offset + len(raw), line_no + 1)


def _first_nonblank(it: Iterator[str]) -> tuple[int, str | None]:
    for line_no, line in enumerate(it, 1):
        line = line.rstrip("\r\n")
        if line.strip():
            return line_no, line
    return 0, None


def _guess_delimiter(line: str, width: int) -> str:
    for delim in DELIMITER_CANDIDATES:
        count = len(line.split(delim))
        if count in (width, width + 1):
            return delim
    raise InputError(
        f"cannot tell the delimiter: no candidate splits the first line into {width} fields",
        hint="pass --delimiter",
        code="ASBA-HIST-002",
    )


def sacct_argv(start: datetime, *, user: str | None, all_users: bool) -> list[str]:
    """The sync's one sacct command line: job and step rows, every field the history and the wait record read.
    -S is always given (sacct's default window is 'since midnight')."""
    argv = [
        "sacct", "--parsable2", f"--delimiter={SYNC_DELIMITER}", "--format=" + ",".join(SYNC_FIELDS),
        "-S", start.strftime("%Y-%m-%dT%H:%M:%S"), "-E", "now", "-s", ALL_STATES,
    ]
    if all_users:
        argv.append("--allusers")
    elif user:
        argv += ["--user", user]
    return argv


# A sync's sacct call waits at most this long (a hung slurmdbd), and prints at most this much (about 300 bytes
# a row: some 3.5 million job and step rows).
SYNC_TIMEOUT_S = 300.0
SYNC_MAX_BYTES = 1 << 30
SYNC_KEY = "sacct_sync"


def run_sacct(runner: SlurmRunner, start: datetime, *, user: str | None, all_users: bool) -> CommandStream:
    """The one sacct call of a sync: every job in any state in the window, with its steps; its output read line
    by line as the merge consumes it (asba.inputs.slurm.SlurmRunner.stream), never held whole."""
    return runner.stream(SYNC_KEY, sacct_argv(start, user=user, all_users=all_users), timeout_s=SYNC_TIMEOUT_S,
                      max_bytes=SYNC_MAX_BYTES)


def start_for_days(days: float, now: datetime | None = None) -> datetime:
    return (now or datetime.now()) - timedelta(days=days)
