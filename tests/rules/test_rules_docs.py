"""rules/README.md's worked example is a real pack that loads and passes its cases."""

from __future__ import annotations

from pathlib import Path

from asba.cli.main import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "alignment"
README = Path(__file__).resolve().parents[2] / "rules" / "README.md"


def test_every_line_of_the_example_pack_appears_in_the_readme():
    readme = README.read_text()
    for name in ("pack.yaml", "threads.yaml", "threads.test.yaml"):
        for line in (FIXTURE / name).read_text().splitlines():
            assert line in readme, f"{name}: {line!r} is not in rules/README.md"


def test_the_example_pack_passes_its_tests(capsys):
    assert main(["rules", "test", str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    assert "3 cases: 2 PASS, 0 FAIL, 0 ERROR, 1 SKIP" in out


def test_the_example_pack_validates_and_lints(capsys):
    assert main(["rules", "validate", str(FIXTURE)]) == 0
    assert main(["rules", "lint", str(FIXTURE)]) == 0
