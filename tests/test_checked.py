"""Documents that passed their schema are remembered: an unchanged pack or config is not checked again (a cold
`asba explain` then never imports jsonschema), while anything new or changed is checked as before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from asba import checked
from asba.errors import RulePackError
from asba.rules.loader import load_pack

REPO = Path(__file__).resolve().parent.parent
EXPLAIN = ("import sys; from asba.cli.main import main; "
           "code = main(['explain', 'examples/overalloc.sbatch', '--cluster-snapshot', 'knowledge/cluster-snapshot', "
           "'--no-log']); print('jsonschema' in sys.modules, code)")


def _explain(home: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", EXPLAIN], cwd=REPO, capture_output=True, text=True, check=True,
                          env={"ASBA_HOME": str(home), "ASBA_NOW": "2026-11-28T18:00:00Z", "PATH": "/usr/bin:/bin"})
    return proc.stdout.splitlines()[-1]


def test_a_second_explain_does_not_check_the_unchanged_packs_again(tmp_path):
    assert _explain(tmp_path) == "True 0"  # first run in this home: every pack and the config are checked
    assert len(json.loads((tmp_path / checked.FILE_NAME).read_text())) > 5
    assert _explain(tmp_path) == "False 0"


def _pack(root: Path, severity: str) -> Path:
    pack = root / "memo"
    pack.mkdir(exist_ok=True)
    (pack / "pack.yaml").write_text('pack: memo\nrevision: "1"\ndescription: d\nowner: o\nnamespaces: [memo]\n')
    (pack / "main.yaml").write_text(
        "rules:\n  - id: memo.one\n    severity: " + severity + "\n    message:\n      found: f\n      why: w\n"
        "      fix: x\n    when:\n      - {fact: job.total_cpus, gt: 1}\n")
    return pack


def test_a_changed_file_is_checked_again_and_a_failure_is_never_remembered(tmp_path, monkeypatch):
    monkeypatch.setenv("ASBA_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(checked, "_load", lambda: {})  # this process's memo starts empty
    assert load_pack(_pack(tmp_path, "info"), with_cases=False).rules
    for _ in range(2):
        with pytest.raises(RulePackError) as caught:
            load_pack(_pack(tmp_path, "loud"), with_cases=False)
        assert caught.value.code == "ASBA-PACK-010"


def test_an_unwritable_home_still_checks_and_answers(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.write_text("a file where the directory should be")
    monkeypatch.setenv("ASBA_HOME", str(home))
    monkeypatch.setattr(checked, "_load", lambda: {})
    with pytest.raises(RulePackError):
        load_pack(_pack(tmp_path, "loud"), with_cases=False)
    assert load_pack(_pack(tmp_path, "info"), with_cases=False).rules
