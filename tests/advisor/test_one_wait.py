"""Defect 9: one wait per job. `asba explain` and `asba cluster wait` show the same queue wait for the same job and
queue (asba.decide.job_wait computes it for both), with or without sbatch overrides, on the shipped snapshot and the
example history beside the script (the issue's reproducer: cluster wait said p50 24m where explain said 1h 42m)."""

from __future__ import annotations

import json

import pytest
from advisor_support import EXAMPLES, NOW, REPO
from asba.cli.main import main

SHIPPED = REPO / "knowledge" / "cluster-snapshot"


def _cluster_wait(capsys, script, *args: str) -> dict:
    code = main(["cluster", "wait", str(script), "--cluster-snapshot", str(SHIPPED), "--json", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


@pytest.mark.parametrize("script, options", [
    ("tiny.sbatch", ()),
    ("tiny.sbatch", ("-c", "36", "--mem=154G")),
    ("training.sbatch", ()),
])
def test_explain_and_cluster_wait_give_one_wait(explain, capsys, monkeypatch, script, options):
    monkeypatch.setenv("ASBA_NOW", NOW)
    advice = explain(script, "cpu-aws", *options, snapshot=SHIPPED)
    partition = advice["request"].get("partition") or "cpu"
    waits = _cluster_wait(capsys, EXAMPLES / script, *options)
    estimate = next(e for e in waits["estimates"] if e["partition"] == partition)
    assert advice["local"]["wait_p50_s"] == estimate["p50_s"]
    assert "the same estimate asba explain uses" in waits["basis"]


def test_the_busy_queue_wait_is_the_one_explain_shows_in_text(asba_home, monkeypatch, capsys):
    monkeypatch.setenv("ASBA_NOW", NOW)
    assert main(["explain", str(EXAMPLES / "tiny.sbatch"), "--cluster-snapshot", str(SHIPPED), "--no-log"]) == 0
    said = capsys.readouterr().out
    assert main(["cluster", "wait", str(EXAMPLES / "tiny.sbatch"), "--cluster-snapshot", str(SHIPPED)]) == 0
    waited = capsys.readouterr().out
    p50 = waited.split("cpu: ", 1)[1].split("p50 ", 1)[1].split(",", 1)[0]
    assert f"wait {p50} " in said  # e.g. "wait 1h 42m + run 6m" beside "cpu: p50 1h 42m"
    assert "EXAMPLE history" in waited  # where the past waits and the runtime/limit ratio came from


def test_an_override_given_to_cluster_wait_is_said_to_differ_from_explain(asba_home, monkeypatch, capsys):
    monkeypatch.setenv("ASBA_NOW", NOW)
    plain = _cluster_wait(capsys, EXAMPLES / "tiny.sbatch")
    ratio = _cluster_wait(capsys, EXAMPLES / "tiny.sbatch", "--runtime-ratio", "0.1")
    assert "--runtime-ratio given here" in ratio["basis"] and "may differ" in ratio["basis"]
    assert ratio["estimates"][0]["p50_s"] != plain["estimates"][0]["p50_s"]
