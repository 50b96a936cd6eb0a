"""Property: the rule-expression parser takes any text to a tree or one ExprError with a column (never a
RecursionError, never int() past 4,300 digits), and evaluating a tree gives a number or the errors the engine
reports as ASBA-ENGINE-005 (ZeroDivisionError, ValueError, OverflowError) or KeyError for an absent fact."""

from __future__ import annotations

from asba.rules import expr
from fuzz_profile import fuzz
from hypothesis import given
from hypothesis import strategies as st

ATOMS = st.sampled_from(["1", "0", "2.5", "job.total_cpus", "history.peak_mem_mb", "9" * 18, "9" * 19, "9" * 5000,
                         "min", "max", "round", "ceil", "floor", "abs", "nope", "(", ")", ",", "+", "-", "*", "/",
                         " ", "1e9", ".", "_x", "\x00", "é"])
TEXTS = st.one_of(st.lists(ATOMS, max_size=40).map("".join), st.text(max_size=60),
                  st.integers(1, 3000).map(lambda n: "(" * n + "1" + ")" * n),
                  st.integers(1, 3000).map(lambda n: "-" * n + "1"),
                  st.integers(1, 400).map(lambda n: "min(" * n + "1" + ",1)" * n))
FACT_VALUES = st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True))


@fuzz()
@given(TEXTS)
def test_any_text_parses_or_gives_one_expr_error_with_a_column(text: str) -> None:
    try:
        tree = expr.parse(text)
    except expr.ExprError as exc:
        assert 1 <= exc.column <= max(len(text) + 1, expr.MAX_LENGTH) and len(exc.message) < 200
        return
    assert expr.render(tree)


@fuzz()
@given(TEXTS, FACT_VALUES, FACT_VALUES)
def test_evaluation_gives_a_number_or_a_reported_error(text: str, cpus, peak) -> None:
    try:
        tree = expr.parse(text)
    except expr.ExprError:
        return
    try:
        value = expr.evaluate(tree, {"job.total_cpus": cpus, "history.peak_mem_mb": peak})
    except (ZeroDivisionError, ValueError, OverflowError, KeyError):
        return
    assert isinstance(value, int | float)
