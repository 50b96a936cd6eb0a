"""Property: whatever squeue, sinfo, scontrol, sprio, sshare or sbatch --test-only print (wrong-shape JSON,
binary bytes, huge numbers, garbage), their parsers give records or ASBA-CLUSTER-004, which the cluster reader
turns into a gap: never a TypeError, KeyError or UnicodeDecodeError."""

from __future__ import annotations

import json
from pathlib import Path

from asba.errors import AsbaError
from asba.inputs import cluster_parse as cp
from asba.inputs import cluster_parse_nodes as cpn
from fuzz_profile import fuzz
from hypothesis import given
from hypothesis import strategies as st

LOADED = Path(__file__).parents[1] / "fixtures" / "cluster" / "loaded"
TEXT_PARSERS = {
    "squeue_text.out": cp.parse_squeue_text, "sinfo_text.out": cpn.parse_sinfo_text,
    "partitions.out": cpn.parse_partitions, "config.out": cpn.parse_config, "sprio.out": cpn.parse_sprio,
    "sshare.out": cpn.parse_sshare, "sbatch_test_only_cpu.err": cpn.parse_test_only,
}
JSON_PARSERS = {"squeue_json.out": cp.parse_squeue_json, "sinfo_json.out": cpn.parse_sinfo_json}
SAMPLES = {name: (LOADED / name).read_text() for name in [*TEXT_PARSERS, *JSON_PARSERS]}
NASTY = st.sampled_from(["9" * 400, str(2**63), "-1", "nan", "Infinity", "null", "[]", "{}", '""', "\ufffd", "\x00",
                         "|", "=", " ", "\n", "(null)", "N/A", "UNLIMITED", "1-", "::", "9999999999-00:00:00"])


@st.composite
def mutated(draw, base: str) -> str:
    text = base
    for _ in range(draw(st.integers(1, 5))):
        at, cut = draw(st.integers(0, len(text))), draw(st.integers(0, 20))
        text = text[:at] + draw(st.one_of(NASTY, st.binary(max_size=12).map(lambda b: b.decode("utf-8", "replace"))))\
            + text[at + cut:]
    return text


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=8)),
    lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(st.sampled_from(
        ["jobs", "nodes", "job_id", "job_state", "cpus", "priority", "time_limit", "array_job_id", "name",
         "partitions", "state", "gres", "meta", "node_count", "start_time", "real_memory", "alloc_cpus"]), kids,
        max_size=6)), max_leaves=25)


def _parse(parse, text: str) -> None:
    try:
        parse(text)
    except AsbaError as exc:
        assert exc.code.startswith("ASBA") and "\n" not in exc.one_line()


@fuzz()
@given(st.sampled_from(sorted(TEXT_PARSERS)), st.data())
def test_text_output_parsers_give_records_or_one_error(name: str, data) -> None:
    _parse(TEXT_PARSERS[name], data.draw(st.one_of(mutated(SAMPLES[name]), st.text(max_size=80))))


@fuzz()
@given(st.sampled_from(sorted(JSON_PARSERS)), st.data())
def test_json_output_parsers_give_records_or_one_error(name: str, data) -> None:
    sample = SAMPLES[name]
    text = data.draw(st.one_of(mutated(sample), JSON_VALUES.map(json.dumps),
                               JSON_VALUES.map(lambda v: json.dumps({"jobs": [v], "nodes": [v]}))))
    _parse(JSON_PARSERS[name], text)
