"""Refinements from outcomes as facts with their evidence (asba.audit.refinements)."""

from __future__ import annotations

from pathlib import Path

import pytest
from asba.audit import example_outcomes
from asba.audit.outcomes import Pricer, decisions_since, refresh, stored
from asba.audit.refinements import performance_factor, wait_bias
from asba.history.store import HistoryStore, connect
from asba.inputs.config import load_config
from asba.knowledge.catalog import load_catalog

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_wait_bias_is_the_median_signed_error_of_local_waits():
    cfg = load_config(None)
    conn = example_outcomes.load(frozenset({"cpu-aws", "gpu-aws"}))
    refresh(conn, decisions_since(conn, None), Pricer(cfg, load_catalog(config=cfg)))
    local = [o for o in stored(conn) if o.ran == "local"]
    assert len(local) == 3
    errors = sorted(o.predicted_wait_s - o.wait_s for o in local)
    facts = {f.name: f for f in wait_bias(conn)}
    assert facts["refine.wait_bias_s"].value == pytest.approx(errors[1], abs=0.1)
    assert facts["refine.wait_bias_jobs"].value == 3 and "3 jobs" in facts["refine.wait_bias_s"].source


def test_no_outcomes_no_bias():
    assert wait_bias(connect(":memory:")) == []


def test_performance_factor_of_a_script_run_on_both_sides():
    store = HistoryStore(connect(":memory:"), Path(":memory:"), frozenset({"gpu-aws"}))
    store.import_file(EXAMPLES / "history" / "training.sacct.psv")
    runs = store.jobs()
    facts = {f.name: f.value for f in performance_factor(runs, {})}
    aws = sorted(r.elapsed_s for r in runs if r.partition == "gpu-aws")  # 3.1 h, 3.2 h
    local = sorted(r.elapsed_s for r in runs if r.partition == "gpu")  # 3.3, 3.3, 3.4 h
    assert facts["refine.aws_performance_factor"] == pytest.approx(sum(aws) / 2 / local[1], abs=1e-3)
    assert facts["refine.aws_performance_family"] == "unknown"
    keyed = {(r.cluster, r.job_id): "g5.12xlarge" for r in runs if r.partition == "gpu-aws"}
    assert {f.name: f.value for f in performance_factor(runs, keyed)}["refine.aws_performance_family"] == "g5"
    assert performance_factor([r for r in runs if r.partition == "gpu"], {}) == []
