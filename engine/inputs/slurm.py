"""The one module that starts processes: SLURM commands, with an explicit argv, never a shell.

A SlurmRunner either calls the real commands, optionally saving every raw output to a capture directory, or
replays a saved capture (``--cluster-snapshot DIR``) without calling SLURM at all. Callers give each call a
stable ``key`` (e.g. ``"squeue_json"``): it names the capture file.

Time is bounded: each command has a timeout, and after ``start_deadline()`` all commands share one deadline
(``slurm.deadline_s``, default 20 s). A command still running then is killed with its whole process group
(it runs in a session of its own) and named: "squeue did not answer in 20 s". ``run_many`` runs independent
commands at once, so one hanging command costs the deadline once, not once per command.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from asba.errors import ExternalCommandError

if TYPE_CHECKING:
    import subprocess

DEFAULT_TIMEOUT_S = 20.0
DEFAULT_DEADLINE_S = 20.0
KILL_GRACE_S = 1.0  # after the kill, how long to wait for the pipes to close
# The most asba reads from one SLURM command. squeue --json of 22.05 prints about 5 KiB per job: 64 MiB is
# some 13,000 jobs; a whole output was read at once before, and 100 MB of it took 2 GB of memory to parse.
MAX_OUTPUT_BYTES = 64 << 20
_CHUNK = 1 << 16


class _TooBig(Exception):
    """The command printed more than the cap."""


def _chunks(proc: subprocess.Popen, limit_s: float, cap: int) -> Iterator[tuple[bool, bytes]]:
    """(is stdout, bytes) as the command prints them, within `limit_s` seconds in all; _TooBig past `cap` bytes
    of either stream, subprocess.TimeoutExpired when it takes longer. The command is reaped at the end."""
    import selectors
    import subprocess

    deadline = time.monotonic() + limit_s
    assert proc.stdout is not None and proc.stderr is not None
    out_fd = proc.stdout.fileno()
    sizes: dict[int, int] = {}
    with selectors.DefaultSelector() as selector:
        for pipe in (proc.stdout, proc.stderr):
            selector.register(pipe, selectors.EVENT_READ)
            sizes[pipe.fileno()] = 0
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(proc.args, limit_s)
            for key, _ in selector.select(left):
                data = os.read(key.fd, _CHUNK)
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                sizes[key.fd] += len(data)
                if sizes[key.fd] > cap:
                    raise _TooBig()
                yield key.fd == out_fd, data
    proc.wait(timeout=max(0.01, deadline - time.monotonic()))


def _read_capped(proc: subprocess.Popen, limit_s: float, cap: int) -> tuple[str, str]:
    """The command's stdout and stderr, read whole as they come (see _chunks). Bytes that are not UTF-8 become
    U+FFFD."""
    chunks: dict[bool, list[bytes]] = {True: [], False: []}
    for is_out, data in _chunks(proc, limit_s, cap):
        chunks[is_out].append(data)
    return _text(chunks[True]), _text(chunks[False])


def _lines(proc: subprocess.Popen, limit_s: float, cap: int, out: CommandOutput) -> Iterator[bytes]:
    """stdout's lines (without their newline) as they come; stderr kept in `out` (its first MiB)."""
    tail: list[bytes] = []
    for is_out, data in _chunks(proc, limit_s, cap):
        if not is_out:
            out.stderr += data[:max(0, (1 << 20) - len(out.stderr))].decode("utf-8", "replace")
            continue
        cut = data.rfind(b"\n")
        if cut < 0:  # no line ends in this chunk: keep it (a line longer than a chunk is joined once, at its end)
            tail.append(data)
            continue
        tail.append(data[:cut])
        yield from b"".join(tail).split(b"\n")
        tail = [data[cut + 1:]]
    if any(tail):
        yield b"".join(tail)


def _text(chunks: list[bytes]) -> str:
    data = b"".join(chunks)
    chunks.clear()
    return data.decode("utf-8", errors="replace")


@dataclass
class CommandOutput:
    key: str
    argv: list[str]
    stdout: str
    captured_at: float  # epoch seconds
    from_snapshot: bool = False
    stderr: str = ""  # sbatch --test-only writes its answer here
    returncode: int = 0


@dataclass
class CommandStream:
    """A command whose output is read as it comes (`lines`, without their newline), not held whole."""

    key: str
    argv: list[str]
    captured_at: float  # epoch seconds: when the command was started (or the snapshot's time)
    lines: Iterator[str]
    from_snapshot: bool = False


@dataclass
class SlurmRunner:
    capture_dir: Path | None = None
    snapshot_dir: Path | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    calls: list[CommandOutput] = field(default_factory=list)
    deadline_s: float = DEFAULT_DEADLINE_S
    max_output_bytes: int = MAX_OUTPUT_BYTES
    _deadline: float | None = None  # time.monotonic() by which every command must have answered

    def start_deadline(self, seconds: float | None = None) -> None:
        """From now on, every command must answer within ``seconds`` (default ``deadline_s``) in total."""
        self.deadline_s = self.deadline_s if seconds is None else seconds
        self._deadline = time.monotonic() + self.deadline_s

    def ensure_deadline(self) -> None:
        """Start the shared deadline unless one is already running (one explain, one deadline)."""
        if self._deadline is None:
            self.start_deadline()

    def run_many(self, requests: dict[str, list[str]]) -> dict[str, CommandOutput | ExternalCommandError]:
        """Run independent commands at once; each key maps to its output or to the error it raised."""
        def one(key: str) -> CommandOutput | ExternalCommandError:
            try:
                return self.run(key, requests[key])
            except ExternalCommandError as exc:
                return exc

        if len(requests) <= 1 or self.snapshot_dir:
            return {key: one(key) for key in requests}
        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            futures = {key: pool.submit(one, key) for key in requests}
            return {key: future.result() for key, future in futures.items()}

    @property
    def mode(self) -> str:
        return "snapshot" if self.snapshot_dir else "live"

    def run(self, key: str, argv: list[str], *, timeout_s: float | None = None,
            max_bytes: int | None = None) -> CommandOutput:
        """Run one SLURM command (or read it from the snapshot). Raises ExternalCommandError."""
        out = self._from_snapshot(key, argv) if self.snapshot_dir else self._live(key, argv, timeout_s, max_bytes)
        self.calls.append(out)
        if self.capture_dir and not out.from_snapshot:
            self._save(out)  # a refusal (non-zero exit) is part of what asba read: kept for the replay too
        if out.returncode != 0:
            raise _failed(out)
        return out

    def stream(self, key: str, argv: list[str], *, timeout_s: float | None = None,
               max_bytes: int | None = None) -> CommandStream:
        """Run one SLURM command and read its stdout line by line as the caller consumes it (bounded memory: one
        64 KiB chunk and the line being cut). The limits of `run` hold over the whole read; a non-zero exit raises
        once the output is consumed; stopping early (or Ctrl-C) kills the command. Counted in `calls`."""
        cap = max_bytes or self.max_output_bytes
        if self.snapshot_dir:
            out = self._from_snapshot(key, argv, stdout=False)
            self.calls.append(out)
            path = self.snapshot_dir / f"{key}.out"
            return CommandStream(key, out.argv, out.captured_at, _snapshot_lines(path, out), True)
        proc, limit, shown = self._start(key, argv, timeout_s)
        out = CommandOutput(key, list(argv), "", time.time())
        self.calls.append(out)
        return CommandStream(key, out.argv, out.captured_at, self._stream_lines(proc, out, limit, shown, cap))

    def _stream_lines(self, proc: subprocess.Popen, out: CommandOutput, limit: float, shown: float,
                      cap: int) -> Iterator[str]:
        import subprocess

        save = None
        if self.capture_dir:
            self.capture_dir.mkdir(parents=True, exist_ok=True)
            save = (self.capture_dir / f"{out.key}.out").open("wb")
        try:
            for line in _lines(proc, limit, cap, out):
                if save:
                    save.write(line + b"\n")
                yield line.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise self._timeout_error(out.argv[0], out.key, limit, shown) from None
        except _TooBig:
            _kill(proc)
            raise _too_big(out.argv[0], out.key, cap) from None
        except BaseException:  # the caller stopped reading, an error below, or Ctrl-C
            _kill(proc)
            raise
        finally:
            if save:
                save.close()
        out.returncode = proc.returncode
        if save:
            self._save(out, stdout=False)
        if out.returncode != 0:
            raise _failed(out)

    def _start(self, key: str, argv: list[str], timeout_s: float | None) -> tuple[subprocess.Popen, float, float]:
        """The command started in a session of its own; its time limit, and the figure to name if it passes."""
        exe = argv[0]
        if shutil.which(exe) is None:
            raise ExternalCommandError(
                f"{exe} not found", where=key, hint="install SLURM's client commands or use --cluster-snapshot DIR"
            )
        import subprocess  # here, not at the top: an answer from a snapshot starts no process

        limit, shown = self._limit(timeout_s, exe, key)
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        except OSError as exc:
            raise ExternalCommandError(f"{exe} could not be started: {exc.strerror}", where=key) from None
        if self._deadline is not None:  # starting the process may itself have taken a while on a busy machine
            limit = max(0.01, min(limit, self._deadline - time.monotonic()))
        return proc, limit, shown

    def _live(self, key: str, argv: list[str], timeout_s: float | None, max_bytes: int | None) -> CommandOutput:
        import subprocess

        exe = argv[0]
        proc, limit, shown = self._start(key, argv, timeout_s)
        cap = max_bytes or self.max_output_bytes
        try:  # any way out of the read (Ctrl-C too) stops the command and everything it started
            stdout, stderr = _read_capped(proc, limit, cap)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise self._timeout_error(exe, key, timeout_s, shown) from None
        except _TooBig:
            _kill(proc)
            raise _too_big(exe, key, cap) from None
        except BaseException:
            _kill(proc)
            raise
        return CommandOutput(key, list(argv), stdout, time.time(), stderr=stderr, returncode=proc.returncode)

    def _timeout_error(self, exe: str, key: str, timeout_s: float | None, shown: float) -> ExternalCommandError:
        hint = ("the advice goes on without it; raise slurm.deadline_s if the controller is just slow"
                if timeout_s is None or self._deadline is not None and shown == self.deadline_s else
                f"{exe} waits for SLURM's controller or accounting daemon: check it answers "
                f"(`{exe} --version`, `sdiag`), or read a shorter window")
        return ExternalCommandError(f"{exe} did not answer in {shown:g} s", where=key, hint=hint,
                                    code="ASBA-SLURM-001")

    def _limit(self, timeout_s: float | None, exe: str, key: str) -> tuple[float, float]:
        """Seconds this command may take, and the figure to name if it does not answer (the deadline's)."""
        limit = timeout_s or self.timeout_s
        if self._deadline is None:
            return limit, limit
        left = self._deadline - time.monotonic()
        if left <= 0.05:
            raise ExternalCommandError(f"{exe} not run: the {self.deadline_s:g} s deadline for SLURM reads had passed",
                                       where=key)
        return (left, self.deadline_s) if left < limit else (limit, limit)

    def _from_snapshot(self, key: str, argv: list[str], stdout: bool = True) -> CommandOutput:
        assert self.snapshot_dir is not None
        path = self.snapshot_dir / f"{key}.out"
        if not path.is_file():
            raise ExternalCommandError(f"snapshot has no {path.name}", where=str(self.snapshot_dir))
        meta = _read_meta(self.snapshot_dir / f"{key}.meta.json")
        captured, code, saved_argv = _meta_values(meta, path, argv)
        err_path = self.snapshot_dir / f"{key}.err"
        if stdout and path.stat().st_size > self.max_output_bytes:
            raise ExternalCommandError(f"snapshot file {path.name} is over {self.max_output_bytes >> 20} MiB: "
                                       "not read", where=str(self.snapshot_dir), code="ASBA-SLURM-002")
        stderr = err_path.read_text(errors="replace")[:1 << 20] if err_path.is_file() else ""
        text = path.read_text(errors="replace") if stdout else ""  # streamed: read as it is consumed
        return CommandOutput(key, saved_argv, text, captured, True, stderr, code)

    def _save(self, out: CommandOutput, stdout: bool = True) -> None:
        assert self.capture_dir is not None
        self.capture_dir.mkdir(parents=True, exist_ok=True)
        if stdout:  # a streamed output was written as it was read
            (self.capture_dir / f"{out.key}.out").write_text(out.stdout)
        if out.stderr:
            (self.capture_dir / f"{out.key}.err").write_text(out.stderr)
        meta = {"argv": out.argv, "captured_at": out.captured_at, "returncode": out.returncode}
        (self.capture_dir / f"{out.key}.meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def _kill(proc: subprocess.Popen) -> None:
    """Kill the command and everything it started (its own session), then reap it without waiting long."""
    import subprocess

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    try:
        proc.communicate(timeout=KILL_GRACE_S)
    except subprocess.TimeoutExpired:  # a grandchild left the session and holds the pipes: stop reading them
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        proc.wait(timeout=KILL_GRACE_S)


def _too_big(exe: str, key: str, cap: int) -> ExternalCommandError:
    return ExternalCommandError(f"{exe} printed more than {cap // (1 << 20)} MiB: not read further", where=key,
                                hint="asba reads at most this much from one SLURM command; narrow the query (a "
                                "partition, a user, a shorter window)", code="ASBA-SLURM-002")


def _snapshot_lines(path: Path, out: CommandOutput) -> Iterator[str]:
    """A snapshot's saved output, line by line; its saved non-zero exit raised once it is read."""
    with path.open(encoding="utf-8", errors="replace", newline="\n") as handle:
        for line in handle:
            yield line.rstrip("\n")
    if out.returncode != 0:
        raise _failed(out)


def _failed(out: CommandOutput) -> ExternalCommandError:
    first = (out.stderr.strip().splitlines() or ["no message"])[0]
    return ExternalCommandError(f"{out.argv[0]} exited {out.returncode}: {first}", where=out.key)


_VERSION = re.compile(r"slurm[- ](?:wlm )?(\d+)\.(\d+)\.(\d+)", re.IGNORECASE)


def detect_version(runner: SlurmRunner) -> tuple[int, int, int]:
    """The installed SLURM version from ``sinfo --version`` (``slurm 22.05.8``, Debian: ``slurm-wlm 22.05.8``)."""
    try:
        out: CommandOutput | ExternalCommandError = runner.run("version", ["sinfo", "--version"])
    except ExternalCommandError as exc:
        out = exc
    return parse_version(out)


def parse_version(out: CommandOutput | ExternalCommandError) -> tuple[int, int, int]:
    if isinstance(out, ExternalCommandError):
        raise out
    match = _VERSION.search(out.stdout)
    if not match:
        raise ExternalCommandError(
            f"cannot read a SLURM version from {out.stdout.strip()[:60]!r}", where="sinfo --version"
        )
    return int(match[1]), int(match[2]), int(match[3])


def supports_json(version: tuple[int, int, int]) -> bool:
    """squeue/sinfo --json arrived in 21.08 (openapi v0.0.37); older releases need -o/-O formats."""
    return version >= (21, 8, 0)


def _meta_values(meta: dict, path: Path, argv: list[str]) -> tuple[float, int, list[str]]:
    """(captured_at, returncode, argv) of a snapshot's .meta.json, checked: one line when one is not usable."""
    captured, code, saved = meta.get("captured_at", path.stat().st_mtime), meta.get("returncode", 0), meta.get(
        "argv", argv)
    ok = (isinstance(captured, (int, float)) and not isinstance(captured, bool) and 0 <= captured < 1e11
          and isinstance(code, int) and not isinstance(code, bool)
          and isinstance(saved, list) and all(isinstance(word, str) for word in saved))
    if not ok:
        raise ExternalCommandError(f"snapshot file {path.stem}.meta.json is not usable: captured_at must be epoch "
                                   "seconds, returncode an integer and argv a list of words",
                                   where=str(path.parent), hint="capture it again with --capture DIR",
                                   code="ASBA-SLURM-003")
    return float(captured), code, list(saved)


def _read_meta(path: Path) -> dict:
    try:
        meta = json.loads(path.read_text()[:1 << 20])
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}
