"""Scenarios from the issue, on real catalog data, a real cluster capture and histories imported from sacct dumps.
Each asserts the platform, the instance family and the key warnings."""

from __future__ import annotations

import pytest
from advisor_support import EMPTY, EXAMPLES, FIXTURES, rules_fired, warning_rules


def family(result: dict) -> str:
    return next(e["asserted"][0]["value"] for e in result["trace"]
                if e["type"] == "rule_fired" and e["rule"].startswith("instance_family."))


def test_gpu_training_job_stays_local_on_a_gpu_family(explain):
    result = explain("training.sbatch", "gpu-aws")
    assert result["recommendation"]["platform"] == "local"
    assert family(result) == "gpu"
    assert result["aws"]["instance_type"].startswith(("p4d", "p4de", "p5"))  # 4 x A100 need an A100 type
    assert result["local"]["runtime_basis"] == "history"


def test_gpu_training_goes_to_aws_when_results_are_urgent(explain):
    result = explain("training.sbatch", "gpu-aws", "--config", str(FIXTURES / "config-value50.yaml"))
    assert result["recommendation"]["platform"] == "aws"
    assert result["recommendation"]["rule"] == "decision.aws-better-value"
    assert result["recommendation"]["instance_type"] == result["aws"]["instance_type"]


def test_memory_heavy_genomics_job_maps_to_memory_optimised_types(explain):
    result = explain("genomics.sbatch", "cpu-aws")
    assert family(result) == "memory"
    assert result["aws"]["instance_type"].startswith(("r6i", "r7i"))
    assert result["recommendation"]["platform"] == "local"


def test_cpu_bound_mpi_job_needs_efa(explain):
    result = explain("mpi_cfd.sbatch", "cpu-aws")
    assert family(result) == "hpc"
    facts = {f["name"]: f["value"] for f in result["facts"]}
    assert facts["aws.best_efa"] is True
    assert result["aws"]["nodes"] >= 2


def test_over_allocated_job_whose_right_sizing_flips_the_decision(explain):
    result = explain("overalloc.sbatch", "cpu-aws", "--optimize", "--config", str(FIXTURES / "config-value-low.yaml"))
    opt = result["optimized"]
    assert result["recommendation"]["platform"] == "local"
    assert opt["status"] == "changed" and opt["decision_flipped"] is True
    assert opt["recommendation"]["platform"] == "aws"
    assert "#SBATCH --mem=154G" in opt["sbatch_lines"]
    assert "changes the decision from local to aws" in opt["key_insight"]
    assert {"workload.memory-oversized", "failure.overallocated-queues"} <= set(warning_rules(result))


def test_job_that_ran_out_of_memory_twice(explain):
    result = explain("oom.sbatch", "cpu-aws", "--optimize")
    assert "failure.oom-history" in warning_rules(result)
    oom = next(w for w in result["warnings"] if w["rule"] == "failure.oom-history")
    assert oom["found"].startswith("2 of 3 past runs")
    assert "failure.repeated-on-partition" in warning_rules(result)  # both failures were on cpu
    facts = {f["name"]: f for f in result["facts"]}
    assert facts["decision.failures_on_partition"]["value"] == 2
    assert "41019" in facts["decision.failures_on_partition"]["source"]
    # right-sizing never goes below the failed 32 GB request (+20% headroom)
    assert result["optimized"]["status"] == "changed"
    lines = result["optimized"]["sbatch_lines"]
    assert "#SBATCH --mem=50G" in lines  # the successful run peaked at 41 GB: 41 x 1.2, above 32 GB x 1.2
    assert result["local"]["runtime_basis"] == "time-limit"  # only one successful run


def test_tiny_job_on_an_empty_queue_stays_local_because_start_up_dominates(explain):
    result = explain("tiny.sbatch", "cpu-aws", snapshot=EMPTY)
    assert result["recommendation"]["platform"] == "local"
    assert "decision.startup-dominates" in rules_fired(result)
    assert result["local"]["wait_p50_s"] < 600
    assert family(result) == "compute"


def test_full_queue_sends_the_same_tiny_job_to_aws(explain):
    result = explain("tiny.sbatch", "cpu-aws")
    assert result["local"]["wait_p50_s"] > 3600
    assert result["recommendation"]["platform"] == "aws"
    assert result["recommendation"]["instance_type"].startswith("c")


def test_empty_queue_keeps_a_big_job_local(explain, tmp_path):
    script = tmp_path / "features.sbatch"  # no history: the wait comes from the queue alone
    script.write_text((EXAMPLES / "overalloc.sbatch").read_text())
    busy = explain(script, "cpu-aws")
    empty = explain(script, "cpu-aws", snapshot=EMPTY)
    assert empty["local"]["wait_p50_s"] < 600 < busy["local"]["wait_p50_s"]
    assert empty["recommendation"]["platform"] == "local"
    assert empty["recommendation"]["rule"] == "decision.local-sooner"  # AWS start-up makes it later
    assert empty["recommendation"]["reasons"][0].startswith("Local gives the result at least as soon")
    assert family(empty) == "general"


def test_no_history_uses_the_time_limit_and_says_so(explain, tmp_path):
    script = tmp_path / "fresh.sbatch"
    script.write_text((EXAMPLES / "overalloc.sbatch").read_text())
    result = explain(script, "cpu-aws", "--optimize")
    assert result["local"]["runtime_basis"] == "time-limit"
    assert result["local"]["runtime_s"] == 6 * 3600
    assert result["optimized"]["status"] == "not-enough-history"
    assert "workload.insufficient-evidence" in rules_fired(result)


def test_budget_nearly_spent_refuses_aws_and_says_so(explain):
    result = explain("overalloc.sbatch", "cpu-aws", "--config", str(FIXTURES / "config-budget30.yaml"),
                     "--history-dump", str(FIXTURES / "overalloc_aws_spend.sacct.psv"))
    assert result["budget"]["spent_usd"] > 20
    assert result["budget"]["exceeds"] is True
    assert result["recommendation"]["platform"] == "local"
    assert result["recommendation"]["rule"] == "decision.local-over-budget"
    assert "decision.local-over-budget" in warning_rules(result)
    assert "budget" in result["comparison"]["counterfactual"]


def test_spot_partition_prices_interruptions_and_flags_a_long_run_without_checkpoints(explain):
    spot = str(FIXTURES / "config-spot.yaml")
    mpi = explain("mpi_cfd.sbatch", "cpu-aws", "--config", spot)
    assert mpi["aws"]["purchasing"] == "spot"
    assert mpi["aws"]["spot_usd"] < mpi["aws"]["on_demand_usd"]
    assert mpi["aws"]["cost_usd"] > mpi["aws"]["spot_usd"]  # expected interruptions cost something
    assert "decision.spot-without-checkpointing" in warning_rules(mpi)
    genomics = explain("genomics.sbatch", "cpu-aws", "--config", spot)
    assert "decision.spot-without-checkpointing" in warning_rules(genomics)  # 10.6 h, no checkpoints
    tiny = explain("tiny.sbatch", "cpu-aws", "--config", spot)
    assert "decision.spot-without-checkpointing" not in warning_rules(tiny)


def test_no_burst_partition_means_local_and_says_why(explain):
    result = explain("tiny.sbatch", "--config", str(FIXTURES / "config-no-burst.yaml"))
    assert result["aws"] is None and result["burst_partition"] is None
    assert result["recommendation"]["rule"] == "decision.local-no-aws-option"
    assert result["recommendation"]["confidence"] == 1.0
    assert result["comparison"]["counterfactual"].startswith("AWS is not an option here")


def test_family_performance_factor_stretches_the_aws_runtime_and_cost(explain):
    plain = explain("overalloc.sbatch", "cpu-aws")
    slow = explain("overalloc.sbatch", "cpu-aws", "--config", str(FIXTURES / "config-perf.yaml"))
    assert plain["aws"]["instance_type"].startswith("r6i") and slow["aws"]["performance_factor"] == 1.05
    assert slow["aws"]["instance_type"] == plain["aws"]["instance_type"]
    assert slow["aws"]["runtime_s"] == pytest.approx(1.05 * slow["local"]["runtime_s"], abs=1)
    assert slow["aws"]["cost_usd"] == pytest.approx(1.05 * plain["aws"]["cost_usd"], rel=0.01)
    assert slow["aws"]["time_to_result_s"] > plain["aws"]["time_to_result_s"]


def test_spend_counts_jobs_on_a_burst_partition_named_only_in_the_config(explain):
    result = explain("overalloc.sbatch", "spill", "--config", str(FIXTURES / "config-spill.yaml"),
                     "--history-dump", str(FIXTURES / "overalloc_spill_spend.sacct.psv"))
    assert result["burst_partition"] == "spill"
    assert result["budget"]["spent_usd"] > 20  # the two 4-hour 64-CPU jobs on 'spill' this month
    assert result["recommendation"]["rule"] == "decision.local-over-budget"
