"""Property: the sacct and sbatch value parsers return a finite, non-negative, storable value or refuse the text
with their documented error (ValueError for sacct's formats, which callers count per line; InputError for sbatch
options, one line with the place). Never OverflowError, never NaN, infinity or a negative quantity."""

from __future__ import annotations

import math

from asba.errors import InputError
from asba.inputs import sacct_formats as fmt
from asba.inputs import sbatch_values as sv
from asba.inputs import slurm_formats as sf
from fuzz_profile import fuzz
from hypothesis import given
from hypothesis import strategies as st

INT_LIMIT = 2**63
digits = st.one_of(st.text("0123456789", min_size=1, max_size=22),
                   st.sampled_from(["9" * 400, "1" * 25, str(2**63), str(2**64), "0" * 30 + "1"]))
pieces = st.sampled_from(["", "-", ":", ".", "nan", "inf", "INF", "NaN", "1e400", "-1", "K", "M", "G", "T", "P",
                          "c", "n", "B", "e", "+", "_", " ", "\x00", "٣", "²", "UNLIMITED", "Unknown", "%", ",", "="])
# Text shaped like the values (digits and separators), plus arbitrary text.
values = st.one_of(st.lists(st.one_of(digits, pieces), max_size=8).map("".join), st.text(max_size=40))


def _ok_number(value: float | int | None) -> None:
    if value is not None:
        assert isinstance(value, int | float) and not isinstance(value, bool)
        assert math.isfinite(value) and value >= 0, value
        assert isinstance(value, float) or value < INT_LIMIT, value  # SQLite's INTEGER


def _refused_or_number(parse, text: str) -> None:
    try:
        result = parse(text)
    except ValueError as exc:
        assert len(str(exc)) < 300  # never the whole of a huge value
        return
    for value in result if isinstance(result, tuple) else (result,):
        if not isinstance(value, str):
            _ok_number(value)


SACCT_PARSERS = {
    "duration_s": fmt.duration_s, "time_limit_s": fmt.time_limit_s, "memory_mb": fmt.memory_mb,
    "req_mem": fmt.req_mem, "tres_mem_mb": fmt.tres_mem_mb, "count": fmt.count, "timestamp": fmt.timestamp,
    "exit_code": fmt.exit_code, "tres_gpus_of": fmt.tres_gpus_of,
}


@fuzz()
@given(st.sampled_from(sorted(SACCT_PARSERS)), values)
def test_sacct_value_parsers_return_a_storable_number_or_value_error(name: str, text: str) -> None:
    _refused_or_number(SACCT_PARSERS[name], text)


@fuzz()
@given(values)
def test_sacct_state_and_tres_never_crash(text: str) -> None:
    state, uid = fmt.state(text)
    assert isinstance(state, str)
    _ok_number(uid)
    try:
        items = fmt.tres(text)
    except ValueError:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in items.items())


def _sbatch(parse, text: str) -> object:
    try:
        return parse(text)
    except InputError as exc:
        line = exc.one_line()
        assert exc.code.startswith("ASBA-") and "\n" not in line and len(line) < 1200
        return None


SBATCH_PARSERS = {
    "positive_int": lambda t: sv.positive_int(t, "-c", "job.sbatch:2"),
    "parse_nodes": lambda t: sv.parse_nodes(t, "job.sbatch:2"),
    "parse_gres": lambda t: sv.parse_gres(t, "job.sbatch:2"),
    "parse_gpu_count": lambda t: sv.parse_gpu_count(t, "--gpus", "job.sbatch:2"),
    "parse_array": lambda t: sv.parse_array(t, "job.sbatch:2"),
    "parse_dependency": lambda t: sv.parse_dependency(t, "job.sbatch:2"),
    "parse_time_limit": lambda t: sf.parse_time_limit(t, where="job.sbatch:2"),
    "parse_memory_mb": lambda t: sf.parse_memory_mb(t, where="job.sbatch:2"),
    "parse_size_mb": lambda t: sf.parse_size_mb(t, where="sacct"),
    "parse_duration_s": lambda t: sf.parse_duration_s(t, where="sacct"),
}


def _numbers(result: object) -> list[float]:
    if isinstance(result, bool) or result is None or isinstance(result, str):
        return []
    if isinstance(result, int | float):
        return [result]
    if isinstance(result, tuple | list):
        return [n for item in result for n in _numbers(item)]
    if hasattr(result, "__dataclass_fields__"):
        return [n for name in result.__dataclass_fields__ for n in _numbers(getattr(result, name))]
    return []


@fuzz()
@given(st.sampled_from(sorted(SBATCH_PARSERS)), values)
def test_sbatch_value_parsers_return_bounded_numbers_or_one_input_error(name: str, text: str) -> None:
    for number in _numbers(_sbatch(SBATCH_PARSERS[name], text)):
        _ok_number(number)
        if name == "parse_memory_mb":
            assert number <= sf.MAX_MEMORY_MB
