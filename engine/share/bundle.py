"""The bundle format: JSON with a format name, a version, a content checksum, checked against a JSON Schema.

A bundle is read with a size cap before parsing (``share.max_bundle_bytes``), parsed with NaN/Infinity refused and
nesting bounded (the schema allows three levels), validated, version-checked and checksum-checked. Any failure is
one BundleError naming the file and what is wrong. The checksum (sha256 of the canonical JSON of everything but the
checksum) catches corruption and edits; it is not a signature: anyone can write a valid bundle.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from asba.errors import InputError

FORMAT = "asba-share-bundle"
VERSION = 1
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 8  # the schema's deepest value is at depth 5


class BundleError(InputError):
    code = "ASBA-SHARE-001"


def canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def checksum(doc: dict[str, Any]) -> str:
    body = {k: v for k, v in doc.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(canonical(body)).hexdigest()


def seal(doc: dict[str, Any]) -> dict[str, Any]:
    """The bundle with its checksum set (validated against the schema first: asba never writes a bad bundle)."""
    body = {k: v for k, v in doc.items() if k != "checksum"}
    sealed = {**body, "checksum": checksum(body)}
    _validate(sealed, "bundle")
    return sealed


def read_bundle(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    where = str(path)
    return read_bytes(_read_capped(path, max_bytes, where), where, max_bytes)


def read_bytes(data: bytes, where: str, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    """A checked bundle from raw bytes, or BundleError (the only exception it raises)."""
    if len(data) > max_bytes:
        raise BundleError(f"larger than {max_bytes} bytes; refused before parsing", where=where,
                          code="ASBA-SHARE-008", hint="raise share.max_bundle_bytes if the bundle is genuine")
    doc = parse(data, where)
    _check(doc, where)
    return doc


def parse(data: bytes, where: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError(f"not UTF-8 text (byte {exc.start})", where=where, code="ASBA-SHARE-002",
                          hint="a bundle is the JSON file asba share export wrote") from None
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise BundleError(f"not valid JSON ({_short(exc)})", where=f"{where}:{line}" if line else where,
                          code="ASBA-SHARE-002", hint="a bundle is the JSON file asba share export wrote") from None
    if _depth(doc) > MAX_DEPTH:
        raise BundleError(f"nested deeper than {MAX_DEPTH} levels", where=where, code="ASBA-SHARE-003",
                          hint="a bundle is the JSON file asba share export wrote")
    if not isinstance(doc, dict):
        raise BundleError("not a bundle: the JSON is not an object", where=where, code="ASBA-SHARE-003",
                          hint="a bundle is the JSON file asba share export wrote")
    return doc


def _check(doc: dict[str, Any], where: str) -> None:
    if doc.get("format") != FORMAT:
        raise BundleError(f"not an asba share bundle (format {str(doc.get('format'))[:40]!r})", where=where,
                          code="ASBA-SHARE-003", hint=f"a bundle has \"format\": \"{FORMAT}\"")
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise BundleError(f"bundle format version {version} is newer than this asba reads ({VERSION})",
                          where=where, code="ASBA-SHARE-004", hint="upgrade asba to import it")
    _validate(doc, where)
    if doc["checksum"] != checksum(doc):
        raise BundleError("checksum mismatch: the bundle was changed after it was exported", where=where,
                          code="ASBA-SHARE-005", hint="import the file as asba share export wrote it")


def _validate(doc: dict[str, Any], where: str) -> None:
    errors = sorted(_validator().iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        first = errors[0]
        at = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise BundleError(f"does not match the bundle schema at {at}: {_short(first.message)}", where=where,
                          code="ASBA-SHARE-006", hint="knowledge/schemas/share-bundle.schema.json describes it")


_SCHEMA: dict[str, Any] = {}
_VALIDATOR: list[Any] = []


def _validator() -> Any:
    if not _VALIDATOR:
        from jsonschema import Draft202012Validator

        _VALIDATOR.append(Draft202012Validator(schema()))
    return _VALIDATOR[0]


def schema() -> dict[str, Any]:
    if not _SCHEMA:
        from asba.paths import knowledge_dir

        _SCHEMA.update(json.loads((knowledge_dir() / "schemas" / "share-bundle.schema.json").read_text()))
    return _SCHEMA


def _read_capped(path: Path, max_bytes: int, where: str) -> bytes:
    try:
        if not path.is_file():
            raise BundleError("no such bundle file", where=where, code="ASBA-SHARE-007",
                              hint="give a .json file written by asba share export, or a folder of them")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise BundleError(f"cannot read the file: {exc.strerror}", where=where, code="ASBA-SHARE-007") from None
    if len(data) > max_bytes:
        raise BundleError(f"larger than {max_bytes} bytes; refused before parsing", where=where,
                          code="ASBA-SHARE-008", hint="raise share.max_bundle_bytes if the bundle is genuine")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a bundle may hold")


def _depth(value: Any, level: int = 1) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def _short(exc: object) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if len(text) <= 120:
        return text
    head = text[:117]
    cut = head.rsplit(" ", 1)[0] if " " in head and not text[117].isspace() else head
    return cut.rstrip(" ,;:") + " ..."  # never mid-word
