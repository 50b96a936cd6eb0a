"""`asba explain` on a job array: whole-array figures beside per-task ones, the bound that applies, the split
with commands that cover every task exactly once, and refusal of what sbatch refuses."""

from __future__ import annotations

import json

import jsonschema
import pytest
from array_support import EXAMPLES, REPO, SNAPSHOT
from asba.decide import array_indices as idx

SCHEMA = json.loads((REPO / "knowledge" / "schemas" / "explain-output.schema.json").read_text())
BLAST = EXAMPLES / "blast_array.sbatch"


def test_every_figure_is_for_the_whole_array(explain_json):
    result = explain_json(BLAST, "cpu-aws", "--with-history", "--optimize")
    jsonschema.validate(result, SCHEMA)
    block = result["array"]
    assert block["task_count"] == 100 and block["throttle"] == 10
    per, whole = block["per_task"], block["whole"]
    for key in ("local_cost_usd", "aws_cost_usd", "core_hours", "gb_hours"):
        assert whole[key] == pytest.approx(100 * per[key], rel=1e-3), key
    assert result["local"]["cost_usd"] == pytest.approx(whole["local_cost_usd"])
    assert result["aws"]["cost_usd"] == pytest.approx(whole["aws_cost_usd"])
    assert result["budget"]["job_cost_usd"] == pytest.approx(whole["aws_cost_usd"], abs=0.01)
    # ten waves of ten: the last task ends after the wait plus ten runtimes, not one
    local = block["local"]
    assert (local["tasks"], local["waves"], local["bound"]) == (10, 10, "throttle %10")
    assert local["time_to_result_s"] == pytest.approx(result["local"]["wait_p50_s"] + 10 * result["local"]["runtime_s"],
                                                      abs=10)
    facts = {f["name"]: f["value"] for f in result["facts"]}
    assert facts["decision.local_cost_usd"] == pytest.approx(whole["local_cost_usd"])


def test_aws_width_comes_from_the_burst_partition_and_the_throttle_is_named(explain_json):
    result = explain_json(BLAST, "cpu-aws")
    aws = result["array"]["aws"]
    names = {b["name"]: b["tasks"] for b in aws["bounds"]}
    assert names["cpu-aws MaxNodes 16"] == 16  # knowledge/defaults/config.yaml max_nodes
    assert names["cpu-aws node count 2"] == 2  # sinfo of the snapshot: aws1, aws2
    assert aws["tasks"] == 2 and aws["waves"] == 50
    assert any("lift_throttle_on_aws" in n for n in result["notes"])


def test_split_commands_cover_every_task_once_and_the_trace_shows_the_rule(explain_json):
    result = explain_json(BLAST, "cpu-aws", "--explain", "full")
    split = result["array"]["split"]
    fired = [e["rule"] for e in result["trace"] if e["type"] == "rule_fired"]
    assert split["rule"] in fired
    assert split["objective_usd"] <= min(split["all_local"]["objective_usd"], split["all_aws"]["objective_usd"])
    if not split["offered"]:
        assert split["rule"] == "decision.array-one-platform" and split["commands"] == []
        return
    assert result["recommendation"]["array_split"]["commands"] == split["commands"]
    local_cmd, aws_cmd = split["commands"]
    assert local_cmd.startswith("sbatch --array=") and aws_cmd.startswith("sbatch -p cpu-aws --array=")
    covered = [i for c in (local_cmd, aws_cmd) for i in idx.indices(c.split("--array=")[1].split()[0])]
    assert sorted(covered) == list(range(1, 101))
    assert len(idx.indices(local_cmd.split("--array=")[1].split()[0])) == split["local_tasks"]


def test_lifting_the_throttle_on_aws_widens_the_aws_part(explain_json, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("array:\n  lift_throttle_on_aws: true\n  aws_vcpu_quota: 64\n")
    result = explain_json(BLAST, "cpu-aws", "--config", str(config))
    names = [b["name"] for b in result["array"]["aws"]["bounds"]]
    assert not any(n.startswith("throttle") for n in names)
    assert "vCPU quota 64" in names


def test_per_user_limit_from_the_config_bounds_local_waves(explain_json, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("array:\n  max_jobs_per_user: 4\n")
    local = explain_json(BLAST, "cpu-aws", "--config", str(config))["array"]["local"]
    assert (local["tasks"], local["waves"], local["bound"]) == (4, 25, "per-user job limit (MaxJobsPU)")


def test_history_tasks_form_one_pattern_with_a_per_task_spread(explain_json):
    result = explain_json(BLAST, "cpu-aws", "--with-history", "--optimize")
    arrays = result["history"]["arrays"]
    assert [a["tasks"] for a in arrays["arrays"]] == [20, 20]
    assert arrays["slowest_task"] == "43002_17"  # chunk 17 is the slow one in both runs
    assert arrays["task_runtime_s"]["max"] > arrays["task_runtime_s"]["p90"] > arrays["task_runtime_s"]["p10"]
    assert result["optimized"]["sbatch_lines_apply_to"] == "each of the 100 array tasks"


@pytest.mark.parametrize("spec, needle", [
    ("0-200000", "MaxArraySize is 100001"),  # the snapshot's scontrol show config
    ("0-4000000000", "index '4000000000' is larger than SLURM can hold"),  # past sbatch's parse_int
    ("5-1", "invalid --array value '5-1'"),
    ("1-10:0", "invalid --array value '1-10:0'"),
    ("-1-5", "invalid --array value '-1-5'"),
])
def test_arrays_sbatch_refuses_are_refused_in_one_line(run_asba, tmp_path, spec, needle):
    script = tmp_path / "job.sbatch"
    script.write_text(f"#!/bin/bash\n#SBATCH --array={spec}\n#SBATCH -c 1\n#SBATCH -t 10\necho\n")
    code, out, err = run_asba("explain", str(script), "--cluster-snapshot", str(SNAPSHOT), "--no-log")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err and f"{script}:2" in err


def test_max_array_size_default_applies_without_cluster_config(run_asba, tmp_path):
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    for path in SNAPSHOT.iterdir():
        if not path.name.startswith("config"):
            (snapshot / path.name).write_bytes(path.read_bytes())
    script = tmp_path / "job.sbatch"
    script.write_text("#!/bin/bash\n#SBATCH --array=0-1001\n#SBATCH -c 1\n#SBATCH -t 10\necho\n")
    code, _, err = run_asba("explain", str(script), "--cluster-snapshot", str(snapshot), "--no-log")
    assert code == 2 and "MaxArraySize is 1001 (SLURM's default" in err


def test_max_submit_per_user_counts_the_users_queued_jobs(run_asba, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("array:\n  max_submit_per_user: 100\n")
    code, out, err = run_asba("explain", str(BLAST), "--cluster-snapshot", str(SNAPSHOT), "--no-log", "--config",
                              str(config))
    # the snapshot's user (root) already has jobs queued or running: 100 more tasks go past MaxSubmitPU 100
    assert code == 2 and out == "" and "ASBA-ARRAY-002" in err and "exceed MaxSubmitPU 100" in err
    config.write_text("array:\n  max_submit_per_user: 1000\n")
    code, _, err = run_asba("explain", str(BLAST), "--cluster-snapshot", str(SNAPSHOT), "--no-log", "--config",
                            str(config))
    assert code == 0, err


def test_considered_resources_are_whole_array_figures_like_the_decision(explain_json):
    # every row of the table is for the whole array: the AWS side the decision weighed appears with its
    # whole-array cost and time, not one task's (which made a $72 option look like $0.72 beside a $27.70 local)
    result = explain_json(BLAST, "cpu-aws")
    rows = {(r["instance_type"], r["purchasing"]): r for r in result["considered"] if r["platform"] == "aws"}
    chosen_aws = rows[(result["aws"]["instance_type"], result["aws"]["purchasing"])]
    assert chosen_aws["cost_usd"] == pytest.approx(result["aws"]["cost_usd"], rel=1e-3)
    assert chosen_aws["time_to_result_s"] == pytest.approx(result["aws"]["time_to_result_s"], rel=1e-3)
