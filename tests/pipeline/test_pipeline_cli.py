"""`asba pipeline` and `asba explain --pipeline-mode` on the 3-step example (shipped snapshot, example history)."""

from __future__ import annotations

import json

import pytest
from asba.decide import pipeline as pl
from pipeline_support import EXAMPLES, SNAPSHOT

STEPS = [EXAMPLES / "pipeline" / f"{name}.sbatch" for name in ("preprocess", "align", "analysis")]


def _pipeline(run_asba, *args: str) -> dict:
    code, out, err = run_asba("pipeline", *map(str, STEPS), "-b", "cpu-aws", "--cluster-snapshot", str(SNAPSHOT),
                              "--json", *args)
    assert code == 0, err
    return json.loads(out)


def test_each_step_carries_explains_own_blocks_and_the_plan_decides_per_step(run_asba, explain_json):
    result = _pipeline(run_asba)
    alone = explain_json(STEPS[1], "cpu-aws")
    step = result["steps"][1]
    for key in ("request", "recommendation", "local", "aws"):
        assert step[key] == alone[key], key  # the same names and the same values as asba explain
    assert [s["platform"] for s in result["steps"]] == result["plan"]["platforms"]
    assert all(s["rule"] in ("pipeline.step-on-aws", "pipeline.step-local") for s in result["steps"])
    fired = {e["rule"] for s in result["steps"] for e in s["trace"] if e["type"] == "rule_fired"}
    assert fired >= {s["rule"] for s in result["steps"]}


def test_totals_are_the_sum_of_the_steps(run_asba):
    result = _pipeline(run_asba)
    plan = result["plan"]
    assert plan["time_to_result_s"] == sum(s["time_to_result_s"] for s in result["steps"])
    # each figure is rounded to 4 decimals on its own: the sum of the shown steps may differ in the last one
    assert plan["cost_usd"] == pytest.approx(sum(s["cost_usd"] + s["egress_usd"] for s in result["steps"]), abs=3e-4)
    aws_steps = [s for s in result["steps"] if s["platform"] == "aws"]
    assert result["reserve_budget_usd"] == pytest.approx(sum(s["cost_usd"] + s["egress_usd"] for s in aws_steps),
                                                         abs=3e-4)
    assert plan["objective_usd"] <= result["all_local"]["objective_usd"]
    assert any(f["rule"] in ("pipeline.reserve-budget", "pipeline.all-local") for f in result["findings"])


def test_egress_is_priced_from_the_declared_transfer(run_asba):
    result = _pipeline(run_asba)
    last = result["steps"][-1]
    assert last["transfer_gb"] == 2.0  # analysis.sbatch: # asba: transfer-out-gb=2
    if last["platform"] == "aws":
        assert last["egress_usd"] == round(2.0 * 0.09, 4)


def test_commands_chain_the_steps_with_afterok(run_asba):
    commands = _pipeline(run_asba)["commands"]
    assert len(commands) == 3 and "--dependency" not in commands[0]
    assert "--dependency=afterok:$step1" in commands[1] and "--dependency=afterok:$step2" in commands[2]


def test_pipeline_mode_detects_the_chain_from_history(run_asba):
    code, out, err = run_asba("explain", str(STEPS[1]), "cpu-aws", "--pipeline-mode", "--cluster-snapshot",
                              str(SNAPSHOT), "--json")
    assert code == 0, err
    result = json.loads(out)
    detected = result["detected"]
    assert detected["chain"] == ["preprocess.sbatch", "align.sbatch", "analysis.sbatch"]
    assert detected["previous"][0]["via"] == "dependency"  # align's SubmitLine: --dependency=afterok:<preprocess>
    assert detected["next"][0] == {"script": "analysis.sbatch", "runs": 4, "via": "start-after-end"}
    assert detected["message"].startswith("Detected: part of a multi-step workflow; previous steps: "
                                          "preprocess.sbatch (completed ")
    assert "next likely step: analysis.sbatch (based on 4 past runs" in detected["message"]
    assert [s["script_name"] for s in result["steps"]] == detected["chain"]


def test_a_linked_step_that_is_missing_is_one_line(run_asba, tmp_path):
    (tmp_path / "history").mkdir()
    for name in ("align", "preprocess"):
        src = EXAMPLES / "pipeline" / "history" / f"{name}.sacct.psv"
        (tmp_path / "history" / src.name).write_text(src.read_text())
    (tmp_path / "align.sbatch").write_text(STEPS[1].read_text())
    code, out, err = run_asba("explain", str(tmp_path / "align.sbatch"), "--pipeline-mode", "--cluster-snapshot",
                              str(SNAPSHOT))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "ASBA-PIPE-002" in err and "preprocess.sbatch" in err


def test_too_many_steps_is_one_line(run_asba):
    code, _, err = run_asba("pipeline", *[str(STEPS[0])] * (pl.MAX_STEPS + 1), "--cluster-snapshot", str(SNAPSHOT))
    assert code == 2 and "ASBA-PIPE-001" in err and len(err.strip().splitlines()) == 1


def test_the_value_of_an_hour_changes_the_plan_and_the_trace_says_why(run_asba, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("user:\n  value_of_hour_usd: 2.0\n")
    result = _pipeline(run_asba, "--config", str(config))
    align = result["steps"][1]
    assert align["recommendation"]["platform"] == "local" and align["platform"] == "aws"
    assert any(f["rule"] == "pipeline.step-sent-to-aws-by-the-pipeline" for f in align["findings"])
    config.write_text("user:\n  value_of_hour_usd: 0.0\n")
    cheap = _pipeline(run_asba, "--config", str(config))
    assert cheap["plan"]["platforms"] == ["local", "local", "local"] and cheap["reserve_budget_usd"] == 0
    assert any(f["rule"] == "pipeline.all-local" for f in cheap["findings"])


def test_history_dump_and_packs_flags_reach_every_step(run_asba, tmp_path):
    import shutil

    from pipeline_support import REPO

    packs = tmp_path / "packs" / "pipeline"
    shutil.copytree(REPO / "rules" / "pipeline", packs)
    manifest = packs / "pack.yaml"
    import re

    manifest.write_text(re.sub(r'(?m)^revision: "[^"]+"', 'revision: "2099.01.01-1"', manifest.read_text(), count=1))
    dump = EXAMPLES / "pipeline" / "history" / "align.sacct.psv"
    result = _pipeline(run_asba, "--history-dump", str(dump), "--packs", str(packs.parent))
    assert result["data_sources"]["history"] == f"sacct dump {dump} (read for this run only)"
    fired = [e for s in result["steps"] for e in s["trace"] if e["type"] == "rule_fired"]
    assert fired and all(e["pack_revision"] == "2099.01.01-1" for e in fired)
    assert result["steps"][1]["local"]["runtime_basis"] == "history"  # align's runs are in the dump
    assert result["steps"][0]["local"]["runtime_basis"] == "time-limit"  # preprocess's are not


def test_step_blocks_follow_the_explain_schema(run_asba):
    import jsonschema
    from pipeline_support import REPO

    explain = json.loads((REPO / "knowledge" / "schemas" / "explain-output.schema.json").read_text())
    result = _pipeline(run_asba)
    for step in result["steps"]:
        for key, ref in (("request", "request"), ("recommendation", "recommendation"), ("local", "side"),
                         ("aws", "side")):
            jsonschema.validate(step[key], {"$defs": explain["$defs"], "$ref": f"#/$defs/{ref}"})
