"""The decision log: every recommendation, with its input facts, pack revisions, knowledge date, result and
trace, in its own table of the history database (asba.history.store.connect)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from asba.errors import InputError, StoreError

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS decisions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, script TEXT, "
    "script_hash TEXT, platform TEXT, instance_type TEXT, confidence REAL, facts TEXT NOT NULL, "
    "packs TEXT NOT NULL, knowledge TEXT, result TEXT NOT NULL, trace TEXT NOT NULL)"
)
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


def connect(path: Any = None, *, check: bool = False) -> sqlite3.Connection:
    """The decision log's connection; `check` first refuses a damaged database (see asba.history.integrity)."""
    from asba.history.store import connect as history_connect
    from asba.history.store import default_path

    conn = history_connect(path)
    if check:
        from asba.history.integrity import refuse_damaged

        try:
            refuse_damaged(conn, path or default_path())
        except StoreError:
            conn.close()
            raise
    try:
        conn.execute(SCHEMA)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot create the decision log table: {exc}", code="ASBA-AUDIT-001") from None
    return conn


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
    try:
        conn = connect(_store_path(ctx))
        with conn:
            conn.execute(f"INSERT OR REPLACE INTO decisions ({', '.join(COLUMNS)}) VALUES "
                         f"({', '.join('?' * len(COLUMNS))})", row)
        conn.close()
    except (StoreError, sqlite3.DatabaseError) as exc:
        message = exc.one_line() if isinstance(exc, StoreError) else str(exc)
        result.setdefault("notes", []).append(f"decision not logged: {message}")
        return None
    return decision_id


def _decision(row: tuple) -> Decision:
    values = dict(zip(COLUMNS, row))
    for key in ("facts", "packs", "result", "trace"):
        values[key] = json.loads(values[key])
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
