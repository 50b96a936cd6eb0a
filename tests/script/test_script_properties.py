"""Property-based: random #SBATCH/#PBS/#BSUB lines and values never crash the parser (a result or one InputError)."""

from __future__ import annotations

import string
from pathlib import Path

from asba.errors import InputError
from asba.inputs.batch_script import parse_script
from asba.inputs.sbatch_options import OPTIONS
from asba.inputs.sbatch_script import split_directive
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

VALUE_ALPHABET = string.ascii_letters + string.digits + ":-,%[]?+=_.#'\"\\ /*@!"
option_names = st.sampled_from(sorted(OPTIONS))
values = st.text(alphabet=VALUE_ALPHABET, max_size=24)
noise = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"), max_size=40)


@st.composite
def directive_lines(draw) -> str:
    kind = draw(st.integers(0, 5))
    name, value = draw(option_names), draw(values)
    if kind == 0:
        return f"#SBATCH --{name}={value}"
    if kind == 1:
        return f"#SBATCH --{name} {value}"
    if kind == 2:
        short = OPTIONS[name][0] or "c"
        return f"#SBATCH -{short}{value}"
    if kind == 4:
        return draw(st.sampled_from(["#PBS ", "#BSUB "])) + draw(noise)
    return "#SBATCH " + draw(noise)


def _parse(tmp: Path, lines: list[str], cli: list[str]) -> None:
    script = tmp / "random.sbatch"
    script.write_text("#!/bin/bash\n" + "\n".join(lines) + "\nhostname\n", encoding="utf-8")
    try:
        req = parse_script(script, cli_args=cli, env={}, partition_defaults={"DefMemPerCPU": 500})
    except InputError as exc:
        assert exc.one_line() and exc.where  # one message that says where
        return
    assert req.job["total_cpus"] >= req.job["nodes_min"] >= 1
    assert req.job["array_task_count"] >= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(directive_lines(), min_size=1, max_size=8))
def test_random_directive_lines_never_crash(tmp_path: Path, lines: list[str]) -> None:
    _parse(tmp_path, lines, [])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(directive_lines(), max_size=4), st.lists(st.text(alphabet=VALUE_ALPHABET, max_size=16), max_size=4))
def test_random_command_line_options_never_crash(tmp_path: Path, lines: list[str], cli: list[str]) -> None:
    _parse(tmp_path, lines, ["--" + c if i % 2 == 0 else c for i, c in enumerate(cli)])


@given(noise)
def test_splitting_any_directive_text_gives_words_or_one_input_error(text: str) -> None:
    try:
        words = split_directive(text, "x.sbatch:2")
    except InputError as exc:
        assert "unmatched" in exc.message
        return
    assert all(isinstance(w, str) for w in words)
