"""Pure parsers for SLURM's queue and partition commands (22.05 output, text and JSON).

Each function takes the raw text a command printed and returns plain records; nothing here runs a command.
The text formats are the explicit ``-o`` strings in ``cluster_state`` (``|``-delimited, the free-text job name
last so a ``|`` inside it cannot shift the other fields).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from asba.errors import ExternalCommandError
from asba.inputs.parse_guard import guarded

PENDING, RUNNING = "PENDING", "RUNNING"
# squeue --json keeps finished jobs for MinJobAge seconds; only these states still hold or want resources.
ACTIVE_STATES = {PENDING, RUNNING, "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING"}
_SHORT_STATES = {"PD": PENDING, "R": RUNNING, "CF": "CONFIGURING", "CG": "COMPLETING", "S": "SUSPENDED"}


@dataclass(frozen=True)
class QueueJob:
    job_id: str  # as squeue shows it: "14", "7_2", "7_[1-4]"
    name: str
    user: str
    partition: str
    state: str
    reason: str
    priority: int
    cpus: int  # per array task
    nodes: int
    gpus: int
    time_limit_s: int | None  # None = UNLIMITED
    start_epoch: int | None  # running: when it started; pending: 0/None
    submit_epoch: int | None
    tasks: int = 1  # array tasks this line stands for (pending arrays are one line)

    @property
    def base_id(self) -> str:
        return self.job_id.split("_")[0]


@dataclass(frozen=True)
class NodeInfo:
    name: str
    partitions: tuple[str, ...]
    state: str
    cpus: int
    alloc_cpus: int
    idle_cpus: int
    gpus: int
    gpus_used: int
    real_memory_mb: int
    gpu_types: tuple[tuple[str, int], ...] = ()  # (gres type, count) of its GPUs, from sinfo Gres

    @property
    def usable(self) -> bool:
        """Not down, drained or failing: its free CPUs can be scheduled."""
        bad = ("DOWN", "DRAIN", "FAIL", "INVAL", "NOT_RESPONDING", "POWERED_DOWN", "MAINT", "RESERVED")
        return not any(word in self.state.upper() for word in bad)

    @property
    def idle(self) -> bool:
        return self.usable and self.alloc_cpus == 0


@dataclass(frozen=True)
class PartitionInfo:
    name: str
    settings: dict[str, str] = field(default_factory=dict)  # every Key=Value of scontrol show partition

    def get(self, key: str) -> str | None:
        return self.settings.get(key)


@dataclass(frozen=True)
class PrioRow:
    job_id: str
    partition: str
    user: str
    priority: int
    age: int


@dataclass(frozen=True)
class ShareRow:
    account: str
    user: str
    fairshare: float | None
    level_fs: float | None
    raw_usage: int | None


@dataclass(frozen=True)
class TestOnlyEstimate:
    start_epoch: int
    cpus: int
    nodes: str
    partition: str


# ---------------------------------------------------------------- small value parsers


def parse_duration(text: str) -> int | None:
    """SLURM time ``[D-]HH:MM:SS``, ``MM:SS``, ``MM`` -> seconds; UNLIMITED/INFINITE/N/A -> None."""
    text = text.strip()
    if not text or text.upper() in {"UNLIMITED", "INFINITE", "N/A", "NONE", "(NULL)"}:
        return None
    days = 0
    if "-" in text:
        day_text, text = text.split("-", 1)
        days = int(day_text)
    parts = [int(p) for p in text.split(":")]
    if len(parts) == 1:  # minutes only (sbatch -t 30); with a day prefix it is hours
        seconds = parts[0] * (3600 if days else 60)
    elif len(parts) == 2:
        seconds = parts[0] * 3600 + parts[1] * 60 if days else parts[0] * 60 + parts[1]
    else:
        seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
    return days * 86400 + seconds


def array_task_count(spec: str) -> int:
    """Count the tasks of an array spec ``1-4``, ``1,3,5-9:2`` or ``[0-99%10]`` (the %limit is not a count)."""
    spec = spec.strip().strip("[]").split("%")[0]
    total = 0
    for part in filter(None, spec.split(",")):
        step = 1
        if ":" in part:
            part, step_text = part.split(":", 1)
            step = max(1, int(step_text))
        if "-" in part:
            lo, hi = (int(x) for x in part.split("-", 1))
            total += len(range(lo, hi + 1, step))
        else:
            total += 1
    return max(total, 1)


def gpus_in_tres(tres: str) -> int:
    """GPUs in a TRES string ``cpu=2,mem=1G,node=1,gres/gpu=2,gres/gpu:a100=2`` (the untyped count)."""
    match = re.search(r"(?:^|,)gres/gpu=(\d+)", tres or "")
    return int(match[1]) if match else 0


def gpus_in_gres(gres: str) -> int:
    """GPUs in a node GRES string ``gpu:a100:2``, ``gpu:2(S:0)``, ``gpu:a100:2(IDX:0-1)``; (null) -> 0."""
    total = 0
    for item in re.split(r",(?![^()]*\))", gres or ""):
        item = re.sub(r"\(.*?\)", "", item).strip()
        if item.startswith("gpu"):
            last = item.split(":")[-1]
            total += int(last) if last.isdigit() else 1
    return total


def gpu_types_in_gres(gres: str) -> tuple[tuple[str, int], ...]:
    """Typed GPUs of a node GRES string: ``gpu:a100:4,gpu:l4:2(S:0)`` -> (("a100", 4), ("l4", 2)); untyped
    GPUs (``gpu:2``) and (null) give nothing."""
    found = []
    for item in re.split(r",(?![^()]*\))", gres or ""):
        parts = re.sub(r"\(.*?\)", "", item).strip().split(":")
        if len(parts) == 3 and parts[0] == "gpu" and parts[1] and parts[2].isdigit() and int(parts[2]) > 0:
            found.append((parts[1], int(parts[2])))
    return tuple(found)


def gpus_used_in_gres(gres_used: str) -> int:
    """Allocated GPUs from a node's ``gres_used`` (``gpu:a100:2(IDX:0-1)``, ``gpu:0``)."""
    return gpus_in_gres(gres_used)


# ---------------------------------------------------------------- squeue


def _load_json(text: str, what: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ExternalCommandError(f"{what} printed invalid JSON: {exc}", where=what) from None
    if not isinstance(data, dict):
        raise ExternalCommandError(f"{what} printed JSON that is not an object", where=what)
    return data


def json_version(text: str) -> str | None:
    """The ``meta.Slurm.release`` of a 22.05 JSON answer, e.g. ``22.05.8``."""
    try:
        return str(json.loads(text)["meta"]["Slurm"]["release"])
    except (ValueError, KeyError, TypeError):
        return None


@guarded("squeue --json")
def parse_squeue_json(text: str) -> list[QueueJob]:
    """``squeue --json``: every active job (finished jobs it still lists are dropped)."""
    jobs = []
    for raw in _load_json(text, "squeue --json").get("jobs", []):
        state = str(raw.get("job_state", "")).upper()
        if state not in ACTIVE_STATES:
            continue
        jobs.append(_json_job(raw, state))
    return jobs


def _json_job(raw: dict, state: str) -> QueueJob:
    array_id, task_id = raw.get("array_job_id") or 0, raw.get("array_task_id")
    task_string = raw.get("array_task_string") or ""
    job_id, tasks = str(raw["job_id"]), 1
    if array_id and task_id is not None:
        job_id = f"{array_id}_{task_id}"
    elif array_id and task_string:
        job_id, tasks = f"{array_id}_[{task_string}]", array_task_count(task_string)
    limit = raw.get("time_limit")
    return QueueJob(
        job_id=job_id,
        name=str(raw.get("name", "")),
        user=str(raw.get("user_name", "")),
        partition=str(raw.get("partition", "")),
        state=state,
        reason=str(raw.get("state_reason", "None")),
        priority=int(raw.get("priority") or 0),
        cpus=int(raw.get("cpus") or 1),
        nodes=int(raw.get("node_count") or 1),
        gpus=gpus_in_tres(str(raw.get("tres_req_str", ""))),
        time_limit_s=None if not isinstance(limit, int) or limit <= 0 else limit * 60,
        start_epoch=int(raw.get("start_time") or 0) if state != PENDING else None,
        submit_epoch=int(raw.get("submit_time") or 0) or None,
        tasks=tasks,
    )


# squeue -O fields, each printed unpadded and followed by "|"; the free-text job name is last.
SQUEUE_FIELDS = ("JobArrayID", "Partition", "UserName", "State", "Reason", "PriorityLong", "NumCPUs", "NumNodes",
                 "tres-per-node", "TimeLimit", "StartTime", "SubmitTime", "Name")
SQUEUE_FORMAT = ",".join(f"{name}:|" for name in SQUEUE_FIELDS)


# Header names squeue prints for -O/-o fields -> the slot of SQUEUE_FIELDS they fill.
_HEADER_SLOTS = {"JOBID": 0, "PARTITION": 1, "USER": 2, "STATE": 3, "ST": 3, "REASON": 4, "PRIORITY": 5,
                 "CPUS": 6, "NODES": 7, "TRES_PER_NODE": 8, "TIME_LIMIT": 9, "TIME_LIMI": 9, "START_TIME": 10,
                 "SUBMIT_TIME": 11, "NAME": 12}


@guarded("squeue")
def parse_squeue_text(text: str) -> list[QueueJob]:
    """``squeue -h -a -O SQUEUE_FORMAT`` (see the constant); one job or pending array per line.

    Output with a header line (``JOBID|...``, any ``|``-separated -o/-O fields) is read by column name instead;
    a missing CPUS or NODES column reads as 1, other missing columns as unknown.
    """
    lines = text.splitlines()
    if lines and lines[0].split("|")[0].strip() == "JOBID":
        return _squeue_with_header(lines)
    jobs = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        parts = line.removesuffix("|").split("|", 12)
        if len(parts) != 13:
            raise ExternalCommandError(f"squeue line {number} has {len(parts)} fields, expected 13", where="squeue")
        jobs.append(_text_job(parts))
    return [job for job in jobs if job.state in ACTIVE_STATES]


def _squeue_with_header(lines: list[str]) -> list[QueueJob]:
    header = [h.strip() for h in lines[0].removesuffix("|").split("|")]
    jobs = []
    for line in lines[1:]:
        if not line.strip():
            continue
        slots = [""] * 13
        for name, value in zip(header, line.removesuffix("|").split("|")):
            if name == "NODELIST(REASON)" and value.strip().startswith("("):
                slots[4] = value.strip()[1:-1]
            elif name in _HEADER_SLOTS:
                slots[_HEADER_SLOTS[name]] = value.strip()
        jobs.append(_text_job(slots))
    return [job for job in jobs if job.state in ACTIVE_STATES]


def _text_job(p: list[str]) -> QueueJob:
    job_id = p[0].strip()
    tasks = array_task_count(job_id.split("_", 1)[1]) if "_[" in job_id else 1
    state = _SHORT_STATES.get(p[3].strip(), p[3].strip().upper())
    return QueueJob(
        job_id=job_id,
        name=p[12],
        user=p[2].strip(),
        partition=p[1].strip(),
        state=state,
        reason=p[4].strip(),
        priority=_int(p[5]),
        cpus=_int(p[6]) or 1,
        nodes=_int(p[7]) or 1,
        gpus=gpus_in_gres(p[8].replace("gres:", "").replace("gres/", "")) * (_int(p[7]) or 1),
        time_limit_s=parse_duration(p[9]),
        start_epoch=_epoch(p[10]) if state != PENDING else None,
        submit_epoch=_epoch(p[11]),
        tasks=tasks,
    )


def _int(text: str) -> int:
    text = text.strip()
    try:
        return int(float(text))
    except ValueError:
        return 0


def _epoch(text: str) -> int | None:
    from datetime import datetime

    text = text.strip()
    if not text or text in {"N/A", "Unknown", "None"}:
        return None
    try:
        return int(datetime.fromisoformat(text).timestamp())  # SLURM prints local time without a zone
    except ValueError:
        return None
