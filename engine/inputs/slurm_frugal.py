"""A SlurmRunner that spares the controller: it counts and caps the SLURM commands of one asba command, and
reuses the cluster facts another asba command read in the last ``reuse_s`` seconds.

Reused: only read-only commands whose answer does not depend on the job (squeue, sinfo, scontrol, sprio, sshare,
sacctmgr), and only an answer to the very same argv, under the same SLURM_CONF (another cluster), that exited 0.
They are kept in ``ASBA_HOME/cache/slurm/`` in the capture format of ``--capture DIR`` (one ``KEY.out`` and
``KEY.meta.json`` each, written atomically) with the time they were read, which stays their time: the facts
built from a reused answer carry its real age. sbatch (``--test-only`` answers for this very script), sacct and
anything that changes the cluster always run.
The cap (``slurm.max_calls``) stops a command that would run more: it is named, and the advice goes on without
it, as for a command that did not answer.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asba.errors import ExternalCommandError
from asba.inputs.slurm import CommandOutput, CommandStream, SlurmRunner

REUSABLE = frozenset({"squeue", "sinfo", "scontrol", "sprio", "sshare", "sacctmgr"})


@dataclass
class FrugalRunner(SlurmRunner):
    reuse_dir: Path | None = None
    reuse_s: float = 0.0
    max_calls: int = 0  # 0: no cap
    reused: list[str] = field(default_factory=list)  # keys answered from the reuse cache

    @property
    def ran(self) -> int:
        """SLURM commands actually started (reused answers excluded)."""
        return len(self.calls) - len(self.reused)

    def run(self, key: str, argv: list[str], *, timeout_s: float | None = None,
            max_bytes: int | None = None) -> CommandOutput:
        recent = self._recent(key, argv)
        if recent is not None:
            self.calls.append(recent)
            self.reused.append(key)
            return recent
        self._check_cap(key, argv)
        out = super().run(key, argv, timeout_s=timeout_s, max_bytes=max_bytes)
        self._keep(out)
        return out

    def stream(self, key: str, argv: list[str], *, timeout_s: float | None = None,
               max_bytes: int | None = None) -> CommandStream:
        """Counted and capped like `run`; never reused (only sacct is streamed, and sacct always runs)."""
        self._check_cap(key, argv)
        return super().stream(key, argv, timeout_s=timeout_s, max_bytes=max_bytes)

    def _check_cap(self, key: str, argv: list[str]) -> None:
        if self.max_calls and self.ran >= self.max_calls:
            raise ExternalCommandError(f"{argv[0]} not run: this command's cap of {self.max_calls} SLURM calls was "
                                       "reached", where=key, hint="raise slurm.max_calls if a site needs more")

    def _paths(self, key: str) -> tuple[Path, Path] | None:
        if self.reuse_dir is None or self.reuse_s <= 0 or "/" in key:
            return None
        return self.reuse_dir / f"{key}.out", self.reuse_dir / f"{key}.meta.json"

    def _recent(self, key: str, argv: list[str]) -> CommandOutput | None:
        paths = self._paths(key)
        if paths is None or not argv or argv[0] not in REUSABLE:
            return None
        try:
            meta = json.loads(paths[1].read_text())
            if (meta.get("argv") != list(argv) or meta.get("slurm_conf") != os.environ.get("SLURM_CONF", "")
                    or time.time() - float(meta["captured_at"]) > self.reuse_s):
                return None
            stdout = paths[0].read_text(errors="replace")
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return CommandOutput(key, list(argv), stdout, float(meta["captured_at"]))

    def _keep(self, out: CommandOutput) -> None:
        paths = self._paths(out.key)
        if paths is None or out.argv[0] not in REUSABLE or out.returncode != 0 or out.from_snapshot:
            return
        try:
            paths[0].parent.mkdir(parents=True, exist_ok=True)
            for path, text in ((paths[0], out.stdout),
                               (paths[1], json.dumps({"argv": out.argv, "captured_at": out.captured_at,
                                                      "slurm_conf": os.environ.get("SLURM_CONF", "")}))):
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                tmp.write_text(text)
                os.replace(tmp, path)
        except OSError:
            return  # a cache that cannot be written costs a re-read next time, nothing else


def frugal(runner: SlurmRunner, cfg: Any) -> SlurmRunner:
    """The live runner made frugal by the config (slurm.reuse_s, slurm.max_calls); a snapshot runner as it is."""
    if runner.snapshot_dir is not None:
        return runner
    from asba.paths import asba_home

    return FrugalRunner(capture_dir=runner.capture_dir, timeout_s=runner.timeout_s, deadline_s=runner.deadline_s,
                        reuse_dir=asba_home() / "cache" / "slurm", reuse_s=float(cfg.get("slurm.reuse_s", 60)),
                        max_calls=int(cfg.get("slurm.max_calls", 40)))


def reuse_note(runner: SlurmRunner) -> str:
    """"cluster facts reused from N s ago: squeue, sinfo" for the Data used block, or ""."""
    if not isinstance(runner, FrugalRunner) or not runner.reused:
        return ""
    oldest = min(c.captured_at for c in runner.calls if c.key in runner.reused)
    names = ", ".join(sorted({c.argv[0] for c in runner.calls if c.key in runner.reused}))
    return (f"cluster facts read {time.time() - oldest:.0f} s ago by another asba command were reused ({names}; "
            f"slurm.reuse_s = {runner.reuse_s:g})")
