"""The decision log: every explain is stored; list, show (masked) and replay it."""

from __future__ import annotations

import json
import shutil

from advisor_support import REPO
from asba.cli.main import main


def _audit(capsys, *argv: str) -> tuple[int, str]:
    code = main(["audit", *argv])
    return code, capsys.readouterr().out


def test_explain_is_logged_listed_shown_and_replayed(explain, capsys):
    result = explain("overalloc.sbatch", "cpu-aws")
    decision_id = result["decision_id"]
    code, out = _audit(capsys, "list", "--json")
    listed = json.loads(out)
    assert code == 0 and listed[0]["id"] == decision_id and listed[0]["platform"] == "aws"
    code, out = _audit(capsys, "show", decision_id[:8], "--json")
    shown = json.loads(out)
    assert shown["result"]["recommendation"] == result["recommendation"]
    assert {p["pack"] for p in shown["packs"]} >= {"decision", "failure", "instance_family", "workload"}
    assert shown["knowledge"].startswith("snapshot 2026-07-20")
    assert any(f["name"] == "decision.aws_cost_usd" for f in shown["facts"])
    code, out = _audit(capsys, "replay", decision_id)
    assert code == 0 and out.startswith(f"replay of {decision_id}: identical (recorded aws, now aws)")


def test_replay_reports_a_changed_pack_set(explain, capsys, tmp_path):
    decision_id = explain("tiny.sbatch", "cpu-aws")["decision_id"]
    extra = tmp_path / "extra"
    shutil.copytree(REPO / "tests" / "fixtures" / "advisor" / "extra-pack", extra)
    code, out = _audit(capsys, "replay", decision_id, "--packs", str(extra), "--json")
    outcome = json.loads(out)
    assert code == 1 and outcome["identical"] is False
    assert any("pack site@" in c and "is new" in c for c in outcome["pack_changes"])
    assert outcome["platform_then"] == outcome["platform_now"] == "aws"


def test_show_mask_hides_paths_and_the_user(explain, capsys, monkeypatch):
    monkeypatch.setenv("USER", "alice")
    decision_id = explain("overalloc.sbatch")["decision_id"]
    code, out = _audit(capsys, "show", decision_id, "--mask", "--mask-user", "root", "--json")
    assert code == 0
    assert str(REPO) not in out and "overalloc.sbatch" not in out and '"script": "<name>"' in out
    assert "alice" not in out


def test_unknown_decision_is_one_line(explain, capsys):
    explain("tiny.sbatch")
    code = main(["audit", "show", "d-doesnotexist"])
    err = capsys.readouterr().err
    assert code == 2 and "no decision with id 'd-doesnotexist'" in err


def test_replay_reloads_the_extra_packs_the_decision_used(explain, capsys):
    from advisor_support import FIXTURES

    decision_id = explain("overalloc.sbatch", "--packs", str(FIXTURES / "extra-pack"))["decision_id"]
    code, out = _audit(capsys, "replay", decision_id, "--json")
    outcome = json.loads(out)
    assert code == 0 and outcome["identical"] is True and outcome["differences"] == []
