"""The decision log: every recommendation, with its input facts, pack revisions, knowledge date, result and
trace, in its own table of the history database (asba.history.store.connect)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asba.errors import InputError, StoreError
from asba.history.schema import DECISIONS_SQL

SCHEMA = DECISIONS_SQL  # created when the history is opened (schema 4)
COLUMNS = ("id", "created_at", "script", "script_hash", "platform", "instance_type", "confidence", "facts",
           "packs", "knowledge", "result", "trace")


@dataclass
class Decision:
    id: str
    created_at: str
    script: str
    script_hash: str
    platform: str
    instance_type: str | None
    confidence: float
    facts: list[dict]
    packs: list[dict]
    knowledge: str
    result: dict
    trace: list[dict]

    def summary(self) -> dict:
        return {"id": self.id, "created_at": self.created_at, "script": self.script, "platform": self.platform,
                "instance_type": self.instance_type, "confidence": self.confidence}

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def pack_digest(pack: Any) -> str:
    digest = hashlib.sha256()
    for path in sorted(pack.path.rglob("*.yaml")):
        digest.update(path.relative_to(pack.path).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def packs_of(packset: Any) -> list[dict]:
    return [{"pack": p.name, "revision": p.revision, "digest": pack_digest(p), "path": str(p.path)}
            for p in packset.packs]


def connect(path: Any = None, *, check: bool = False, lock_wait_s: float | None = None) -> sqlite3.Connection:
    """The decision log's connection; `check` first refuses a damaged database (see asba.history.integrity)."""
    from asba.history.store import connect as history_connect
    from asba.history.store import default_path

    conn = history_connect(path, lock_wait_s=lock_wait_s)
    if check:
        from asba.history.integrity import refuse_damaged

        try:
            refuse_damaged(conn, path or default_path())
        except StoreError:
            conn.close()
            raise
    return conn  # the decisions table is created at open (asba.history.schema, schema 4)


def _store_path(ctx: Any) -> Any:
    store = getattr(ctx.store, "real", ctx.store)
    return getattr(store, "path", None) or ctx.cfg.get("history.db", None)


def record_decision(ctx: Any, advice: Any) -> str | None:
    """Write the decision; returns its id, or None (with a note) when the log cannot be written."""
    result, current = advice.result, advice.current
    facts = [f.as_dict() for f in current.facts]
    body = json.dumps({"facts": facts, "at": result["generated_at"], "script": result["script"]}, sort_keys=True)
    decision_id = "d-" + hashlib.sha256(body.encode()).hexdigest()[:12]
    rec = result["recommendation"]
    row = (decision_id, result["generated_at"], result["script"], current.req.job.get("script_hash"),
           rec["platform"], rec["instance_type"], rec["confidence"], json.dumps(facts),
           json.dumps(packs_of(current.evaluation.packset)), result["data_sources"]["prices"],
           json.dumps({**result, "decision_id": decision_id}), json.dumps(result["trace"]))
    from asba.history.connection import READ_LOCK_WAIT_S

    try:
        conn = connect(_store_path(ctx), lock_wait_s=READ_LOCK_WAIT_S)  # explain waits a second at most
        with conn:
            conn.execute(f"INSERT OR REPLACE INTO decisions ({', '.join(COLUMNS)}) VALUES "
                         f"({', '.join('?' * len(COLUMNS))})", row)
        conn.close()
    except (StoreError, sqlite3.DatabaseError) as exc:
        from asba.history.connection import _store_error

        if isinstance(exc, sqlite3.DatabaseError):
            exc = _store_error(Path(str(_store_path(ctx) or "jobs.db")), exc, int(READ_LOCK_WAIT_S * 1000))
        message = exc.one_line()
        result.setdefault("notes", []).append(f"decision not logged: {message}")
        return None
    return decision_id


def _decision(row: tuple) -> Decision:
    values = dict(zip(COLUMNS, row))
    try:
        for key in ("facts", "packs", "result", "trace"):
            values[key] = json.loads(values[key])
    except (ValueError, TypeError):
        raise StoreError(f"decision {values.get('id')} in the decision log is damaged: its {key} is not valid JSON",
                         hint="the other decisions are intact; `asba explain` logs a new decision for the script",
                         code="ASBA-AUDIT-020") from None
    return Decision(**values)


def list_decisions(conn: sqlite3.Connection, limit: int = 50) -> list[Decision]:
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions ORDER BY created_at DESC, id LIMIT ?", (limit,))
    return [_decision(row) for row in rows]


def get_decision(conn: sqlite3.Connection, decision_id: str) -> Decision:
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions WHERE id = ? OR id LIKE ?",
                        (decision_id, decision_id + "%")).fetchall()
    if len(rows) != 1:
        what = "no decision" if not rows else f"{len(rows)} decisions"
        raise InputError(f"{what} with id '{decision_id}' in the decision log", where="command line",
                         hint="list them with `asba audit list`", code="ASBA-AUDIT-002")
    return _decision(rows[0])
