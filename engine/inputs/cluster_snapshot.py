"""Which SLURM to read: the live cluster, a saved capture (``--cluster-snapshot DIR``) or, when no SLURM is
installed at all, the example snapshot shipped in ``knowledge/cluster-snapshot/`` (always said so)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from asba.errors import InputError
from asba.inputs.slurm import SlurmRunner
from asba.paths import knowledge_dir


def shipped_snapshot() -> Path:
    return knowledge_dir() / "cluster-snapshot"


def choose_runner(capture: Path | None, snapshot: Path | None, fallback: bool = True) -> tuple[SlurmRunner, str]:
    """A SlurmRunner and a note for the user ("" when the live cluster is read)."""
    if snapshot is not None:
        if not snapshot.is_dir():
            raise InputError(f"no such snapshot directory: {snapshot}", where=str(snapshot),
                             code="ASBA-CLUSTER-010", hint="give a directory written by --capture DIR")
        return SlurmRunner(snapshot_dir=snapshot), f"read from the saved snapshot {snapshot}, not a live cluster"
    if shutil.which("squeue") is None and fallback and shipped_snapshot().is_dir():
        note = (f"no SLURM installed here: showing the shipped example snapshot {shipped_snapshot()} "
                "(a real capture of the test cluster), not your cluster")
        return SlurmRunner(snapshot_dir=shipped_snapshot()), note
    if capture is not None:
        check_capture_dir(capture)
    return SlurmRunner(capture_dir=capture), ""


def check_capture_dir(capture: Path) -> None:
    """--capture DIR must be a directory asba can write to (made if missing): checked before SLURM is read."""
    try:
        capture.mkdir(parents=True, exist_ok=True)
        probe = capture / f".asba-capture-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        what = "is a file, not a directory" if capture.exists() and not capture.is_dir() else (
            f"cannot be written ({exc.strerror})")
        raise InputError(f"--capture {capture} {what}", where=str(capture), code="ASBA-CLUSTER-011",
                         hint="give a directory the outputs can be saved in") from None
