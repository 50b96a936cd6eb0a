"""The one module that starts processes: SLURM commands, with an explicit argv, never a shell.

A SlurmRunner either calls the real commands (each with a timeout), optionally saving every raw output to a
capture directory, or replays a saved capture (``--cluster-snapshot DIR``) without calling SLURM at all.
Callers give each call a stable ``key`` (e.g. ``"squeue_json"``): it names the capture file.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from asba.errors import ExternalCommandError

DEFAULT_TIMEOUT_S = 20.0


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
class SlurmRunner:
    capture_dir: Path | None = None
    snapshot_dir: Path | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    calls: list[CommandOutput] = field(default_factory=list)

    @property
    def mode(self) -> str:
        return "snapshot" if self.snapshot_dir else "live"

    def run(self, key: str, argv: list[str], *, timeout_s: float | None = None) -> CommandOutput:
        """Run one SLURM command (or read it from the snapshot). Raises ExternalCommandError."""
        out = self._from_snapshot(key, argv) if self.snapshot_dir else self._live(key, argv, timeout_s)
        self.calls.append(out)
        if self.capture_dir and not out.from_snapshot:
            self._save(out)  # a refusal (non-zero exit) is part of what asba read: kept for the replay too
        if out.returncode != 0:
            raise _failed(out)
        return out

    def _live(self, key: str, argv: list[str], timeout_s: float | None) -> CommandOutput:
        exe = argv[0]
        if shutil.which(exe) is None:
            raise ExternalCommandError(
                f"{exe} not found", where=key, hint="install SLURM's client commands or use --cluster-snapshot DIR"
            )
        limit = timeout_s or self.timeout_s
        import subprocess  # here, not at the top: an answer from a snapshot starts no process

        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=limit, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ExternalCommandError(f"{' '.join(argv)} did not answer within {limit:g} s", where=key) from None
        except OSError as exc:
            raise ExternalCommandError(f"{exe} could not be started: {exc.strerror}", where=key) from None
        return CommandOutput(key, list(argv), proc.stdout, time.time(), stderr=proc.stderr, returncode=proc.returncode)

    def _from_snapshot(self, key: str, argv: list[str]) -> CommandOutput:
        assert self.snapshot_dir is not None
        path = self.snapshot_dir / f"{key}.out"
        if not path.is_file():
            raise ExternalCommandError(f"snapshot has no {path.name}", where=str(self.snapshot_dir))
        meta = _read_meta(self.snapshot_dir / f"{key}.meta.json")
        captured = float(meta.get("captured_at", path.stat().st_mtime))
        err_path = self.snapshot_dir / f"{key}.err"
        stderr = err_path.read_text(errors="replace") if err_path.is_file() else ""
        stdout = path.read_text(errors="replace")
        code = int(meta.get("returncode", 0))
        return CommandOutput(key, list(meta.get("argv", argv)), stdout, captured, True, stderr, code)

    def _save(self, out: CommandOutput) -> None:
        assert self.capture_dir is not None
        self.capture_dir.mkdir(parents=True, exist_ok=True)
        (self.capture_dir / f"{out.key}.out").write_text(out.stdout)
        if out.stderr:
            (self.capture_dir / f"{out.key}.err").write_text(out.stderr)
        meta = {"argv": out.argv, "captured_at": out.captured_at, "returncode": out.returncode}
        (self.capture_dir / f"{out.key}.meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def _failed(out: CommandOutput) -> ExternalCommandError:
    first = (out.stderr.strip().splitlines() or ["no message"])[0]
    return ExternalCommandError(f"{out.argv[0]} exited {out.returncode}: {first}", where=out.key)


_VERSION = re.compile(r"slurm[- ](?:wlm )?(\d+)\.(\d+)\.(\d+)", re.IGNORECASE)


def detect_version(runner: SlurmRunner) -> tuple[int, int, int]:
    """The installed SLURM version from ``sinfo --version`` (``slurm 22.05.8``, Debian: ``slurm-wlm 22.05.8``)."""
    out = runner.run("version", ["sinfo", "--version"])
    match = _VERSION.search(out.stdout)
    if not match:
        raise ExternalCommandError(
            f"cannot read a SLURM version from {out.stdout.strip()[:60]!r}", where="sinfo --version"
        )
    return int(match[1]), int(match[2]), int(match[3])


def supports_json(version: tuple[int, int, int]) -> bool:
    """squeue/sinfo --json arrived in 21.08 (openapi v0.0.37); older releases need -o/-O formats."""
    return version >= (21, 8, 0)


def _read_meta(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
