"""Property: any batch script, with any bytes and any sbatch option values (huge digits, NaN words, binary), gives
a request whose numbers are bounded, or one InputError line with its place: never another exception."""

from __future__ import annotations

import math
from pathlib import Path

from asba.errors import InputError
from asba.inputs.batch_script import parse_script
from asba.inputs.sbatch_options import OPTIONS
from fuzz_profile import fuzz
from hypothesis import given
from hypothesis import strategies as st

NUMBERS = st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(
    ["9" * 400, "9" * 25, str(2**31), str(2**63), "2147483647", "-1", "0", "1e400", "nan", "inf", "4294967295"]))
SUFFIX = st.sampled_from(["", "K", "M", "G", "T", "P", "KB", ":", "-", ",", "%", ":a100:", "-12", "-00:00:01"])
VALUE = st.one_of(st.tuples(NUMBERS, SUFFIX, NUMBERS).map("".join), NUMBERS,
                  st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=30))
NAMES = st.sampled_from(sorted(OPTIONS))
RAW = st.binary(max_size=60).map(lambda b: b.decode("latin-1").replace("\n", " ").replace("\r", " "))


@st.composite
def scripts(draw) -> tuple[bytes, list[str]]:
    lines = ["#!/bin/bash"]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 3))
        name, value = draw(NAMES), draw(VALUE)
        lines.append(f"#SBATCH --{name}={value}" if kind == 0 else
                     f"#SBATCH -{OPTIONS[name][0] or 'c'} {value}" if kind == 1 else
                     f"#SBATCH {draw(RAW)}" if kind == 2 else draw(RAW))
    lines.append("srun ./a.out")
    body = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        body += draw(st.binary(max_size=40))
    cli = [f"--{draw(NAMES)}={draw(VALUE)}" for _ in range(draw(st.integers(0, 2)))]
    return body, cli


@fuzz()
@given(scripts())
def test_any_script_and_options_give_a_bounded_request_or_one_input_error(tmp_path: Path, case) -> None:
    body, cli = case
    script = tmp_path / "fuzz.sbatch"
    script.write_bytes(body)
    try:
        req = parse_script(script, cli_args=cli, env={}, partition_defaults={"DefMemPerCPU": 500})
    except InputError as exc:
        line = exc.one_line()
        assert exc.code.startswith("ASBA-") and "\n" not in line and len(line) < 1600
        return
    job = req.job
    for key in ("total_cpus", "ntasks", "nodes_min", "total_gpus", "total_mem_mb", "time_limit_s",
                "array_task_count"):
        value = job.get(key)
        assert value is None or (math.isfinite(value) and 0 <= value < 2**53), (key, value)
    assert job["total_cpus"] >= job["nodes_min"] >= 1
