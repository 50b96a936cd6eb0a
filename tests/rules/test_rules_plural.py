"""Rule messages count with proper plurals: `{x:plural task}` reads "1 task" / "3 tasks", never "task(s)"
(issue 27); a malformed plural spec is refused by the pack checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from asba.errors import RulePackError
from asba.rules import load_packs
from asba.rules.result import render_message

RULES = Path(__file__).resolve().parents[2] / "rules"


def test_the_array_throttle_message_counts_tasks_and_waves():
    rule = load_packs().rule("decision.array-throttle-limits-aws")
    assert rule is not None
    one, _, _ = render_message(rule, {"array.throttle": 1, "array.aws_width": 1, "array.aws_waves": 1})
    many, _, _ = render_message(rule, {"array.throttle": 4, "array.aws_width": 4, "array.aws_waves": 3.0})
    assert "to 1 task at once (1 wave)" in one
    assert "to 4 tasks at once (3 waves)" in many


def test_no_built_in_message_writes_a_plural_with_brackets():
    found = [f"{path.name}:{n}" for path in RULES.rglob("*.yaml") if not path.name.endswith(".test.yaml")
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if any(key in line for key in ("found:", "why:", "fix:"))
             and any(mark in line for mark in ("task(s)", "wave(s)", "GPU(s)", "CPU(s)", "run(s)", "(es)"))]
    assert found == []


def test_a_plural_spec_without_a_noun_is_refused(tmp_path):
    pack = tmp_path / "mine"
    pack.mkdir()
    (pack / "pack.yaml").write_text((RULES / "decision" / "pack.yaml").read_text())  # replaces the built-in one
    (pack / "array.yaml").write_text((RULES / "decision" / "array.yaml").read_text()
                                     .replace("{array.aws_waves:plural wave}", "{array.aws_waves:plural }"))
    with pytest.raises(RulePackError) as caught:
        load_packs([pack])
    assert "ASBA-PACK-042" in caught.value.one_line()
