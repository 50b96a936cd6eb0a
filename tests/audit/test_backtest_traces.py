"""The decision replay on the real shared traces learns only from the past: adding later jobs never changes what
was predicted or chosen for earlier ones (audit.backtest on the Eagle sample; audit.decisions on the wagap SWF)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from asba.audit.backtest import Decider, replay
from asba.audit.decisions import DecisionReplay, _audit_job
from asba.decide.wait_backtest import Backtest
from asba.inputs.config import load_config
from asba.inputs.wait_traces import parse_trace, read_trace
from asba.knowledge.burst import burst_partitions
from asba.knowledge.catalog import load_catalog
from asba.rules import load_packs

REPO = Path(__file__).resolve().parents[2]
TRACES = Path(os.environ.get("ASBA_SHARED", REPO.parent / "shared")) / "data" / "traces"
EAGLE = TRACES / "nrel_eagle" / "sample_eagle_data.csv"
WAGAP = TRACES / "metacentrum_wagap" / "wagap-2013.swf.gz"


@pytest.fixture(scope="module")
def decider():
    cfg = load_config(None)
    return Decider(cfg, load_catalog(config=cfg), load_packs(), burst_partitions(cfg))


@pytest.mark.skipif(not EAGLE.is_file(), reason=f"shared Eagle sample not found at {EAGLE}")
def test_replay_never_uses_the_future(decider):
    jobs = [_audit_job(j) for j in read_trace(EAGLE).jobs if j.start is not None and j.end is not None and j.limit_s]
    ordered = sorted(jobs, key=lambda j: (j.submit_ts, j.start_ts))
    early, full = replay(ordered[:300], decider), replay(ordered, decider)
    assert [(p.asba_s, p.tef_s) for p in early.predictions] == [(p.asba_s, p.tef_s) for p in full.predictions[:300]]
    assert [c.choices for c in early.cases] == [c.choices for c in full.cases[:300]]
    assert [p.real_s for p in full.predictions] == [j.runtime_s for j in ordered]


@pytest.mark.skipif(not WAGAP.is_file(), reason=f"shared SWF trace not found at {WAGAP}")
def test_decisions_never_use_the_future(decider):
    with gzip.open(WAGAP, "rt") as handle:
        jobs = parse_trace(iter([next(handle) for _ in range(700)]), WAGAP).jobs

    def choices(upto: int) -> list[dict]:
        decisions = DecisionReplay(decider, jobs[:upto])
        Backtest(listener=decisions).run(jobs[:upto], complete=True)
        return [c.choices for c in decisions.cases]

    early, full = choices(300), choices(len(jobs))
    assert early == full[: len(early)] and len(full) > len(early)
