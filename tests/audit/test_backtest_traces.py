"""The decision backtest on the real shared traces (benchmarks/backtest_decisions.py): the trace readers, and
the replay learning only from the past (adding later jobs never changes what was predicted for earlier ones)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRACES = Path(os.environ.get("ASBA_SHARED", REPO.parent / "shared")) / "data" / "traces"
pytestmark = pytest.mark.skipif(not TRACES.is_dir(), reason=f"shared traces not found at {TRACES}")


def _bench():
    spec = importlib.util.spec_from_file_location("backtest_decisions", REPO / "benchmarks" / "backtest_decisions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def eagle():
    return _bench().eagle_jobs(TRACES / "nrel_eagle" / "sample_eagle_data.csv")


def test_eagle_rows_become_whole_node_jobs(eagle):
    assert len(eagle) == 1000  # COMPLETED 985 + TIMEOUT 15, all started and ended
    first = next(j for j in eagle if j.key == "name00005115")  # job 532209: 10 nodes, 48 h limit
    assert (first.nodes, first.cpus, first.limit_s, first.runtime_s) == (10, 360, 172800.0, 99825.0)
    assert first.mem_mb == 10 * 96 * 1024 and first.wait_s == 1.0
    assert sum(j.state == "TIMEOUT" for j in eagle) == 15


def test_cedar_day_reads_requests_and_waits():
    bench = _bench()
    jobs = bench.cedar_jobs([TRACES / "mila_cedar" / "jobs_cedar_2021-05-16.csv"])
    assert len(jobs) == 365
    assert all(j.limit_s > 0 and j.cpus >= 1 and j.end_ts >= j.start_ts >= j.submit_ts for j in jobs)
    assert {j.state for j in jobs} <= {"COMPLETED", "TIMEOUT", "OUT_OF_MEMORY", "FAILED", "CANCELLED"}


def test_replay_never_uses_the_future(eagle):
    from asba.audit.backtest import Decider, replay
    from asba.inputs.config import load_config
    from asba.knowledge.burst import burst_partitions
    from asba.knowledge.catalog import load_catalog
    from asba.rules import load_packs

    cfg = load_config(None)
    decider = Decider(cfg, load_catalog(config=cfg), load_packs(), burst_partitions(cfg))
    ordered = sorted(eagle, key=lambda j: (j.submit_ts, j.start_ts))
    early, full = replay(ordered[:300], decider), replay(ordered, decider)
    assert [(p.asba_s, p.tef_s) for p in early.predictions] == [(p.asba_s, p.tef_s) for p in full.predictions[:300]]
    assert [c.choices for c in early.cases] == [c.choices for c in full.cases[:300]]
    assert [p.real_s for p in full.predictions] == [j.runtime_s for j in ordered]
