"""Read the cluster's state through the SlurmRunner: queue, nodes, partitions, priorities, fair-share, config.

Every command is optional: one that is missing, fails or hangs becomes a *gap* (what could not be read and why)
and reading goes on. JSON is used where the installed SLURM has it (21.08+), else explicit ``-o`` formats.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field
from pathlib import Path

from asba.errors import ExternalCommandError
from asba.inputs.cluster_parse import (
    SQUEUE_FORMAT,
    NodeInfo,
    PartitionInfo,
    PrioRow,
    QueueJob,
    ShareRow,
    TestOnlyEstimate,
    json_version,
    parse_squeue_json,
    parse_squeue_text,
)
from asba.inputs.cluster_parse_nodes import (
    SINFO_FORMAT,
    SPRIO_FORMAT,
    SSHARE_FIELDS,
    parse_config,
    parse_partitions,
    parse_sinfo_json,
    parse_sinfo_text,
    parse_sprio,
    parse_sshare,
    parse_test_only,
)
from asba.inputs.reservations import Reservation, parse_reservations
from asba.inputs.slurm import CommandOutput, SlurmRunner, parse_version, supports_json


@dataclass
class ClusterState:
    """Everything read from SLURM at one moment; ``captured`` maps a command key to (epoch, describe)."""

    source: str  # "live", "snapshot DIR" or "none"
    version: str | None = None
    jobs: list[QueueJob] = field(default_factory=list)
    nodes: list[NodeInfo] = field(default_factory=list)
    partitions: dict[str, PartitionInfo] = field(default_factory=dict)
    prio: list[PrioRow] = field(default_factory=list)
    shares: list[ShareRow] = field(default_factory=list)
    config: dict[str, str] = field(default_factory=dict)
    user: str = ""
    captured: dict[str, tuple[float, str]] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.captured

    @property
    def now(self) -> float:
        """The moment the queue was read: remaining times are measured from here, not from the wall clock."""
        for key in ("squeue", "sinfo"):
            if key in self.captured:
                return self.captured[key][0]
        return max((t for t, _ in self.captured.values()), default=0.0)


def current_user() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return os.environ.get("USER", "")


def read_state(runner: SlurmRunner, user: str | None = None) -> ClusterState:
    """All reads at once (under the runner's deadline, when one is started); the queue and nodes as JSON where
    the installed SLURM has it, falling back to ``-o`` formats."""
    source = f"snapshot {runner.snapshot_dir}" if runner.snapshot_dir else "live"
    state = ClusterState(source=source, user=user or _snapshot_user(runner) or current_user())
    results = runner.run_many({
        "version": ["sinfo", "--version"], "squeue_json": ["squeue", "--json"], "sinfo_json": ["sinfo", "--json"],
        "partitions": ["scontrol", "show", "partition", "-o"], "config": ["scontrol", "show", "config"],
        "sprio": ["sprio", "-h", "-o", SPRIO_FORMAT],
        "sshare": ["sshare", "-P", "-U", "-u", state.user, "-o", SSHARE_FIELDS],
        "reservations": ["scontrol", "show", "reservation", "-o"]})
    version = _read_version(results["version"], state)
    use_json = version is None or supports_json(version)
    _read_queue(runner, state, results, use_json)
    _read_nodes(runner, state, results, use_json)
    if not state.has("squeue") and not state.has("sinfo"):
        state.gaps.append("partitions, config, sprio, sshare: not used, squeue and sinfo both failed")
        state.source = "none" if not state.captured else state.source
        return state
    _take(state, "partitions", results, lambda out: state.partitions.update(parse_partitions(out)))
    _take(state, "config", results, lambda out: state.config.update(parse_config(out)))
    _take(state, "sprio", results, lambda out: state.prio.extend(parse_sprio(out)))
    _take(state, "sshare", results, lambda out: state.shares.extend(parse_sshare(out)))
    if not (runner.snapshot_dir and isinstance(results["reservations"], ExternalCommandError)):  # older captures
        _take(state, "reservations", results, lambda out: state.reservations.extend(parse_reservations(out)))
    if not state.version:
        state.version = state.config.get("SLURM_VERSION")
    if not state.captured:
        state.source = "none"
    return state


def _snapshot_user(runner: SlurmRunner) -> str | None:
    if not runner.snapshot_dir:
        return None
    path = Path(runner.snapshot_dir) / "user.txt"
    return path.read_text().strip() if path.is_file() else None


Results = dict[str, CommandOutput | ExternalCommandError]


def _read_version(result: CommandOutput | ExternalCommandError, state: ClusterState) -> tuple[int, int, int] | None:
    try:
        version = parse_version(result)
    except ExternalCommandError as exc:
        state.gaps.append(f"SLURM version: {exc.message}")
        return None
    assert isinstance(result, CommandOutput)
    state.version = f"{version[0]}.{version[1]:02d}.{version[2]}"
    state.captured["version"] = (result.captured_at, "sinfo --version")
    return version


def _read_queue(runner: SlurmRunner, state: ClusterState, results: Results, use_json: bool) -> None:
    if use_json and _take(state, "squeue", results, lambda out: _json_queue(state, out), key="squeue_json"):
        return
    _try(runner, state, "squeue", ["squeue", "-h", "-a", "-O", SQUEUE_FORMAT],
         lambda out: state.jobs.extend(parse_squeue_text(out)), key="squeue_text")


def _json_queue(state: ClusterState, out: str) -> None:
    state.jobs.extend(parse_squeue_json(out))
    state.version = state.version or json_version(out)


def _read_nodes(runner: SlurmRunner, state: ClusterState, results: Results, use_json: bool) -> None:
    if use_json and _take(state, "sinfo", results, lambda out: state.nodes.extend(parse_sinfo_json(out)),
                          key="sinfo_json"):
        return
    _try(runner, state, "sinfo", ["sinfo", "-N", "-h", "-O", SINFO_FORMAT],
         lambda out: state.nodes.extend(parse_sinfo_text(out)), key="sinfo_text")


def _take(state: ClusterState, what: str, results: Results, parse, key: str | None = None) -> bool:
    """Parse one result of ``run_many``; a failure becomes a gap."""
    result = results[key or what]
    try:
        if isinstance(result, ExternalCommandError):
            raise result
        parse(result.stdout)
    except ExternalCommandError as exc:
        state.gaps.append(f"{what}: {exc.message}")
        return False
    state.captured[what] = (result.captured_at, " ".join(result.argv))
    return True


def _try(runner: SlurmRunner, state: ClusterState, what: str, argv: list[str], parse, key: str | None = None) -> bool:
    """Run and parse one command; on failure record a gap instead of raising."""
    try:
        out = runner.run(key or what, argv)
        parse(out.stdout)
    except ExternalCommandError as exc:
        state.gaps.append(f"{what}: {exc.message}")
        return False
    state.captured[what] = (out.captured_at, " ".join(argv))
    return True


def test_only(runner: SlurmRunner, script: Path, partition: str, cli_args: list[str]) -> TestOnlyEstimate:
    """SLURM's own start estimate for this job on ``partition`` (``sbatch --test-only``; nothing is queued)."""
    argv = ["sbatch", "--test-only", f"--partition={partition}", *cli_args, str(script)]
    key = test_only_key(partition)
    try:
        out = runner.run(key, argv)
    except ExternalCommandError:
        _check_snapshot_request(runner, key, argv)  # a refusal saved for another script is not this job's
        raise
    _check_snapshot_request(runner, key, argv)
    return parse_test_only(out.stderr + "\n" + out.stdout)


def test_only_key(partition: str) -> str:
    return f"sbatch_test_only_{_safe(partition)}"


def _check_snapshot_request(runner: SlurmRunner, key: str, argv: list[str]) -> None:
    last = next((c for c in reversed(runner.calls) if c.key == key), None)
    if last is not None and last.from_snapshot and not _same_request(last.argv, argv):
        options = " ".join(last.argv[3:-1])
        raise ExternalCommandError(
            f"the snapshot holds SLURM's answer for {Path(last.argv[-1]).name}{' ' + options if options else ''}, "
            "not for this script and options", where=key)


def _same_request(captured: list[str], wanted: list[str]) -> bool:
    """Same options and the same script name (its directory differs between machines)."""
    return captured[:-1] == wanted[:-1] and Path(captured[-1]).name == Path(wanted[-1]).name


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
