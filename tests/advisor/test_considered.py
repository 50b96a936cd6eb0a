"""Considered resources: every option the decision weighed, priced like the chosen one, each with why it lost."""

from __future__ import annotations

from advisor_support import FIXTURES


def test_every_option_is_listed_once_with_the_chosen_one_marked(explain):
    result = explain("overalloc.sbatch", "cpu-aws")
    rows = result["considered"]
    [chosen] = [r for r in rows if r["chosen"]]
    assert rows[0] is not None and rows[0]["chosen"]
    aws = result["aws"]
    assert (chosen["instance_type"], chosen["purchasing"]) == (aws["instance_type"], aws["purchasing"])
    assert chosen["cost_usd"] == result["aws"]["cost_usd"]
    assert chosen["reason"].startswith(f"chosen ({result['recommendation']['rule']})")
    [local] = [r for r in rows if r["platform"] == "local"]
    assert local["cost_usd"] == result["local"]["cost_usd"]
    assert (local["time_to_result_s"], local["time_to_result_p90_s"]) == (result["local"]["time_to_result_s"],
                                                                          result["local"]["time_to_result_p90_s"])
    keys = [(r["platform"], r["instance_type"], r["purchasing"]) for r in rows]
    assert len(keys) == len(set(keys)) > 10
    assert all(r["reason"] for r in rows)


def test_spot_rows_carry_their_risk_and_the_partition_decides_the_purchasing(explain):
    rows = explain("overalloc.sbatch", "cpu-aws")["considered"]
    spot = [r for r in rows if r["purchasing"] == "spot"]
    assert spot and all(r["spot_interruption_probability"] is not None for r in spot)
    assert all(not r["offered"] and "buys its" in r["reason"] for r in spot)  # cpu-aws buys on-demand
    assert all(r["spot_interruption_probability"] is None for r in rows if r["purchasing"] == "on-demand")


def test_on_a_spot_partition_the_on_demand_rows_lose_for_that_reason(explain):
    result = explain("overalloc.sbatch", "cpu-aws", "--config", str(FIXTURES / "config-spot.yaml"))
    rows = result["considered"]
    assert [r["purchasing"] for r in rows if r["chosen"]] == [result["recommendation"]["purchasing"]]
    on_demand = [r for r in rows if r["purchasing"] == "on-demand"]
    assert on_demand and all("buys its" in r["reason"] and "spot" in r["reason"] for r in on_demand)


def test_local_choice_explains_why_each_aws_option_lost(explain):
    result = explain("overalloc.sbatch", "cpu-aws", "--config", str(FIXTURES / "config-value-low.yaml"))
    assert result["recommendation"]["platform"] == "local"
    rows = result["considered"]
    assert rows[0]["platform"] == "local" and rows[0]["chosen"]
    priced = next(r for r in rows if (r["instance_type"], r["purchasing"]) == (result["aws"]["instance_type"],
                                                                              result["aws"]["purchasing"]))
    assert priced["cost_usd"] == result["aws"]["cost_usd"] and "more" in priced["reason"]
    offered = [r for r in rows if r["offered"] and r["platform"] == "aws"]
    assert all("sooner but" in r["reason"] and "worth only" in r["reason"] for r in offered)  # value of time


def test_text_shows_the_table(explain_text):
    code, out, _ = explain_text("examples/overalloc.sbatch", "cpu-aws", "--cluster-snapshot",
                                str(FIXTURES / "snapshot-busy"))
    assert code == 0 and "CONSIDERED RESOURCES" in out
    table = out.split("CONSIDERED RESOURCES")[1]
    assert "  =>cpu-aws r6i" in table and "  cpu     -  " in table and "1 local " in table and "why not chosen" in table
