"""Fuzz the bundle reader: whatever bytes it is given, it returns a checked bundle or raises BundleError (one
line for the user) and nothing else. 10,000 examples: random bytes, mutations of a real bundle, random JSON,
and real bundles with one member replaced and the checksum recomputed (so the schema, not the checksum, has to
catch it)."""

from __future__ import annotations

import json
from typing import Any

from asba.share.bundle import BundleError, canonical, checksum, read_bytes, seal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PATTERN = {"key": "h:0123456789abcdef", "runs": 4, "domain": "bioinformatics", "workload_class": "balanced",
           "programs": ["spades"], "launchers": [], "nodes": 1, "gpus": 0, "cpu_use_ratio": 0.875,
           "memory_use_ratio": 0.865, "rightsizing": {"memory_savings_pct": 0.0, "cpu_savings_pct": 12.5},
           "failures": {"oom": 2, "timeout": 0, "other": 0},
           "fixes": [{"failure": "oom", "fix": "more-memory", "factor": 1.5}],
           "platforms": {"local": {"runs": 4, "success_rate": 1.0}}}
VALID = seal({"format": "asba-share-bundle", "version": 1, "created": "2026-12-03", "site": "h:00000000000000aa",
              "contributor": "h:00000000000000bb", "k_anonymity_runs": 3, "patterns": [PATTERN]})
VALID_BYTES = canonical(VALID)


def _json(floats: st.SearchStrategy) -> st.SearchStrategy:
    scalars = st.none() | st.booleans() | st.integers(-2**70, 2**70) | floats | st.text(max_size=12)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=6)


JSON = _json(st.floats())  # NaN and Infinity too: the reader must refuse them
FINITE_JSON = _json(st.floats(allow_nan=False, allow_infinity=False))  # what a checksum can be computed over


@st.composite
def mutated(draw: Any) -> bytes:
    data = bytearray(VALID_BYTES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if op == "flip" and i < len(data):
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 16))]
        else:
            del data[i:]
    return bytes(data)


@st.composite
def replaced(draw: Any) -> bytes:
    doc = json.loads(VALID_BYTES)
    target = doc if draw(st.booleans()) else doc["patterns"][0]
    key = draw(st.sampled_from(sorted(target)) | st.text(max_size=6))
    target[key] = draw(FINITE_JSON)
    doc["checksum"] = checksum(doc)
    return json.dumps(doc).encode()


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


INPUTS = st.one_of(st.binary(max_size=120), mutated(), replaced(), JSON.map(_json_bytes))


def test_the_valid_bundle_reads() -> None:
    assert read_bytes(VALID_BYTES, "valid.json") == VALID


@settings(max_examples=10_000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(INPUTS)
def test_reader_returns_a_checked_bundle_or_one_bundle_error(data: bytes) -> None:
    try:
        doc = read_bytes(data, "fuzz.json")
    except BundleError as exc:
        line = exc.one_line()
        assert "\n" not in line and line.startswith("fuzz.json") and "[ASBA-SHARE-" in line
    else:
        assert doc["format"] == "asba-share-bundle" and doc["checksum"] == checksum(doc)
