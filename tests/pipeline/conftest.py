"""Run `asba` in-process on the examples against the shipped cluster snapshot at a pinned time."""

from example_cli import explain_json, run_asba  # noqa: F401  (fixtures shared with the other example tests)
