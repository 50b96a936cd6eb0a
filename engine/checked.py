"""Documents that already passed their JSON Schema, remembered so an unchanged one is not checked again.

Checking a rule pack or a configuration layer needs jsonschema, whose import alone is about a third of a cold
`asba explain`. A document is remembered by the digest of its schema's bytes and its own content, only after
it passed; anything new or changed is checked as before, and a failure is never remembered, so the answer is
the same with or without the memo. The memo is ASBA_HOME/schema-checked.json (at most MAX_ENTRIES digests,
written whole and atomically); when it cannot be read or written, every document is simply checked.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

MAX_ENTRIES = 512
FILE_NAME = "schema-checked.json"


def check_once(schema_path: Path, content: bytes, check: Callable[[], None]) -> None:
    """Run `check` (which raises on a schema error) unless this content passed this schema before."""
    digest = hashlib.sha256(_schema_digest(schema_path) + content).hexdigest()
    memo = _load()
    if digest in memo:
        return
    check()
    memo[digest] = None
    _save(memo)


@functools.cache
def _schema_digest(path: Path) -> bytes:
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return os.urandom(32)  # an unreadable schema: never matches, so the check runs (and reports it)


def _path() -> Path:
    from asba.paths import asba_home

    return asba_home() / FILE_NAME


@functools.cache
def _load() -> dict[str, None]:
    try:
        entries = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict.fromkeys(e for e in entries if isinstance(e, str)) if isinstance(entries, list) else {}


def _save(memo: dict[str, None]) -> None:
    keep = list(memo)[-MAX_ENTRIES:]
    path = _path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(keep), encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        pass
