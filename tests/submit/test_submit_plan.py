"""The submission plan (asba.decide.submit_plan): option order, array split, pipeline chain, from real results."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from asba.decide import submit_plan

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"


def _golden(name: str) -> dict:
    return json.loads((GOLDEN / name).read_text())


def test_aws_advice_adds_the_burst_partition_after_the_users_options():
    result = _golden("overalloc_full.json")
    assert result["recommendation"]["platform"] == "aws"
    plan = submit_plan.plan_job(result, Path("job.sbatch"), ["-p", "cpu", "--mem=8G"], "cpu-aws", optimize=False)
    (sub,) = plan.submissions
    # sbatch takes the last -p: the advice's partition wins over the user's, and the user's memory stays
    assert sub.argv() == ["sbatch", "--parsable", "-p", "cpu", "--mem=8G", "-p", "cpu-aws", "job.sbatch"]
    assert shlex.split(sub.line()) == sub.argv()
    assert plan.instance_type == result["recommendation"]["instance_type"]


def test_optimize_appends_the_right_sized_options_last():
    result = _golden("overalloc_full.json")
    lines = result["optimized"]["sbatch_lines"]
    plan = submit_plan.plan_job(result, Path("job.sbatch"), ["--mem=500G"], "cpu-aws", optimize=True)
    argv = plan.submissions[0].argv()
    assert argv[-1 - len(lines):-1] == [line.removeprefix("#SBATCH ") for line in lines]
    assert argv.index("--mem=500G") < argv.index(lines[1].removeprefix("#SBATCH "))
    assert plan.optimized and plan.instance_type == result["optimized"]["recommendation"]["instance_type"]


def test_local_advice_keeps_the_scripts_partition():
    result = _golden("oom_full.json")
    if result["recommendation"]["platform"] != "local":
        result = {**result, "recommendation": {**result["recommendation"], "platform": "local"}}
    plan = submit_plan.plan_job(result, Path("oom.sbatch"), [], "cpu-aws", optimize=False)
    assert plan.submissions[0].argv() == ["sbatch", "--parsable", "oom.sbatch"]
    assert plan.instance_type is None


def test_an_offered_array_split_is_two_submissions():
    result = _golden("blast_array_full.json")
    plan = submit_plan.plan_job(result, Path("examples/blast_array.sbatch"), [], "cpu-aws", optimize=False)
    assert plan.platform == "split"
    assert [s.argv() for s in plan.submissions] == [
        ["sbatch", "--parsable", "--array=1-90%10", "examples/blast_array.sbatch"],
        ["sbatch", "--parsable", "-p", "cpu-aws", "--array=91-100%10", "examples/blast_array.sbatch"]]
    assert [s.platform for s in plan.submissions] == ["local", "aws"]


def test_pipeline_steps_are_chained_afterok_on_the_returned_ids():
    steps = [(Path("a.sbatch"), "aws", "c6i.large"), (Path("b.sbatch"), "local", None),
             (Path("c.sbatch"), "aws", "c6i.large")]
    plan = submit_plan.plan_pipeline(steps, "cpu-aws")
    first, second, third = plan.submissions
    assert first.argv() == ["sbatch", "--parsable", "-p", "cpu-aws", "a.sbatch"]
    assert second.argv("101") == ["sbatch", "--parsable", "--dependency=afterok:101", "b.sbatch"]
    assert third.argv("102")[:3] == ["sbatch", "--parsable", "--dependency=afterok:102"]
    assert second.line() == "sbatch --parsable --dependency=afterok:$step1 b.sbatch"


def test_the_users_options_apply_to_every_pipeline_step():
    steps = [(Path("a.sbatch"), "aws", "c6i.large"), (Path("b.sbatch"), "local", None)]
    plan = submit_plan.plan_pipeline(steps, "cpu-aws", ("--hold", "--mem=1G"))
    assert plan.submissions[0].argv() == ["sbatch", "--parsable", "--hold", "--mem=1G", "-p", "cpu-aws", "a.sbatch"]
    assert plan.submissions[1].argv("7") == ["sbatch", "--parsable", "--dependency=afterok:7", "--hold", "--mem=1G",
                                             "b.sbatch"]
