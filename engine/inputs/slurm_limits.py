"""Per-user and QOS job limits from SLURM accounting (``sacctmgr``): how many of a user's jobs may run or be
queued at once, and how many CPUs they may hold. They bound how wide a job array runs locally.

    limits = read_limits(runner, user="alice", account=None, qos=None)   # [] when sacctmgr cannot be read
    [(Limit(kind="max_jobs", value=4, source="sacctmgr show qos normal MaxJobsPU"), ...]

Read (``-P``, with the header line, so fields are found by name):

* ``sacctmgr -P show assoc where user=U format=Account,Partition,QOS,DefaultQOS,MaxJobs,MaxSubmit,GrpTRES``
* ``sacctmgr -P show qos format=Name,MaxJobsPU,MaxSubmitPU,MaxTRESPU,GrpTRES``

The QOS is the job's ``--qos``, else the association's default QOS. Kinds: ``max_jobs`` (running: MaxJobs,
MaxJobsPU), ``max_submit`` (queued + running: MaxSubmit, MaxSubmitPU), ``max_cpus`` (MaxTRESPU or GrpTRES cpu=N).
With no ``--account`` every association of the user is read and the tightest limit kept (said in the source).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asba.errors import ExternalCommandError

ASSOC_FORMAT = "format=Account,Partition,QOS,DefaultQOS,MaxJobs,MaxSubmit,GrpTRES"
QOS_FORMAT = "format=Name,MaxJobsPU,MaxSubmitPU,MaxTRESPU,GrpTRES"


@dataclass(frozen=True)
class Limit:
    kind: str  # max_jobs | max_submit | max_cpus
    value: int
    source: str


def parse_table(text: str) -> list[dict[str, str]]:
    """``sacctmgr -P`` output with its header line -> rows keyed by lower-case field name without spaces."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    names = [h.strip().lower().replace(" ", "") for h in lines[0].split("|")]
    return [dict(zip(names, (v.strip() for v in line.split("|")))) for line in lines[1:]]


def tres_cpus(tres: str) -> int | None:
    """``cpu=64,mem=...`` -> 64."""
    for item in (tres or "").split(","):
        key, _, value = item.partition("=")
        if key.strip() == "cpu" and value.strip().isdigit():
            return int(value)
    return None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def limits_from(assoc: list[dict[str, str]], qos: list[dict[str, str]], account: str | None,
                wanted_qos: str | None) -> list[Limit]:
    """The limits that apply to the user's jobs (tightest over the matching associations)."""
    rows = [r for r in assoc if not account or r.get("account") == account]
    found: list[Limit] = []
    qos_names: set[str] = set()
    for row in rows:
        where = f"sacctmgr show assoc account {row.get('account', '?')}"
        for kind, field in (("max_jobs", "maxjobs"), ("max_submit", "maxsubmit")):
            if (value := _int(row.get(field))) is not None:
                found.append(Limit(kind, value, f"{where} {field}"))
        if (cpus := tres_cpus(row.get("grptres", ""))) is not None:
            found.append(Limit("max_cpus", cpus, f"{where} GrpTRES"))
        qos_names.add(wanted_qos or row.get("defaultqos") or row.get("defqos") or "normal")
    for row in qos:
        if row.get("name") not in qos_names:
            continue
        where = f"sacctmgr show qos {row['name']}"
        for kind, field, label in (("max_jobs", "maxjobspu", "MaxJobsPU"),
                                   ("max_submit", "maxsubmitpu", "MaxSubmitPU")):
            if (value := _int(row.get(field))) is not None:
                found.append(Limit(kind, value, f"{where} {label}"))
        for field, label in (("maxtrespu", "MaxTRESPU"), ("grptres", "GrpTRES")):
            if (cpus := tres_cpus(row.get(field, ""))) is not None:
                found.append(Limit("max_cpus", cpus, f"{where} {label}"))
    return tightest(found, many=len(rows) > 1 and not account)


def tightest(found: list[Limit], many: bool) -> list[Limit]:
    out = []
    for kind in ("max_jobs", "max_submit", "max_cpus"):
        of_kind = [limit for limit in found if limit.kind == kind]
        if of_kind:
            best = min(of_kind, key=lambda limit: limit.value)
            note = " (tightest over your associations; no --account)" if many else ""
            out.append(Limit(kind, best.value, best.source + note))
    return out


def read_limits(runner: Any, user: str, account: str | None, qos: str | None) -> tuple[list[Limit], str | None]:
    """(limits, None) or ([], why they could not be read)."""
    try:
        assoc = runner.run("sacctmgr_assoc", ["sacctmgr", "-P", "show", "assoc", "where", f"user={user}",
                                              ASSOC_FORMAT])
        qos_out = runner.run("sacctmgr_qos", ["sacctmgr", "-P", "show", "qos", QOS_FORMAT])
    except ExternalCommandError as exc:
        return [], f"sacctmgr: {exc.message}"
    return limits_from(parse_table(assoc.stdout), parse_table(qos_out.stdout), account, qos), None
