"""`asba cluster backtest --decisions`: every job decided as if asked at its submission, scored against hindsight
(the test cluster's own sacct -a -X capture; the wagap SWF head from ../shared where present)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from asba.cli.main import main

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "cluster" / "wait_record"
DUMP = HERE / "sacct_a_X_test_cluster_2026-12-03.psv"
TRACES = Path(os.environ.get("ASBA_SHARED", Path(__file__).resolve().parents[3] / "shared")) / "data" / "traces"
WAGAP = TRACES / "metacentrum_wagap" / "wagap-2013.swf.gz"


def _run(capsys, *args: str) -> dict:
    assert main(["cluster", "backtest", *args, "--decisions", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["decisions"]


def test_decisions_on_the_test_cluster_capture(capsys):
    d = _run(capsys, str(DUMP), "--value-of-hour", "20")
    assert d["value_of_hour_usd"] == 20 and d["jobs"] > 90
    policies = d["policies"]
    assert set(policies) == {"asba", "always-local", "always-aws", "go-rule", "naive"}
    # the two fixed policies split the hindsight gap between them: their normalised regrets sum to 1
    assert policies["always-local"]["normalised_regret"] + policies["always-aws"]["normalised_regret"] == \
        pytest.approx(1.0, abs=1e-3)
    assert policies["always-aws"]["aws_chosen"] == d["jobs"] - d["aws_infeasible"]
    assert all(0 <= p["wrong_choice_rate"] <= 1 for p in policies.values())


@pytest.mark.skipif(not WAGAP.is_file(), reason=f"shared SWF trace not found at {WAGAP}")
def test_decisions_on_days_of_a_complete_trace_have_a_day_block_interval(capsys, tmp_path):
    with gzip.open(WAGAP, "rt") as handle:
        head = [next(handle) for _ in range(1500)]
    small = tmp_path / "wagap-head.swf"
    small.write_text("".join(head))
    d = _run(capsys, str(small), "--value-of-hour", "5")
    assert d["days"] > 3
    for p in d["policies"].values():
        low, high = p["mean_regret_95_usd"]
        assert low <= p["mean_regret_usd"] <= high


def test_a_value_of_hour_out_of_bounds_is_one_clear_error(capsys):
    assert main(["cluster", "backtest", str(DUMP), "--decisions", "--value-of-hour", "-1"]) != 0
    err = capsys.readouterr().err
    assert "ASBA-BACKTEST-003" in err and "Traceback" not in err
