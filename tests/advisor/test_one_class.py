"""Defect 8: one workload class per script. `history --patterns`, `explain`, `profile` and `share export` give the
same class for the same script and history (examples/training.sbatch was cpu-bound in the listing, gpu-bound in
explain: the listing classed a 4-GPU script's runs by their CPUs alone), and share export's errors end on a word."""

from __future__ import annotations

import json

import pytest
from advisor_support import EXAMPLES, NOW, REPO
from asba.cli.main import main

SHIPPED = REPO / "knowledge" / "cluster-snapshot"
SCRIPTS = ["training", "oom", "tiny", "overalloc", "mpi_cfd", "genomics"]


def _json(capsys, *argv: str):
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def _classes(capsys, tmp_path, stem: str) -> dict[str, str]:
    script = EXAMPLES / f"{stem}.sbatch"
    assert main(["history", "import", str(EXAMPLES / "history" / f"{stem}.sacct.psv")]) == 0
    capsys.readouterr()
    listed = _json(capsys, "history", "--patterns", "--json")
    explained = _json(capsys, "explain", str(script), "--cluster-snapshot", str(SHIPPED), "--no-log", "--json")
    profiled = _json(capsys, "profile", "--json")
    bundle = tmp_path / "bundle.json"
    assert main(["share", "export", "--out", str(bundle), "--scripts", str(EXAMPLES)]) == 0
    capsys.readouterr()
    shared = json.loads(bundle.read_text())["patterns"]
    assert len(listed) == 1 and len(shared) == 1, (listed, shared)
    return {"history --patterns": listed[0]["workload"]["name"], "explain": explained["workload"]["name"],
            "profile": profiled["scripts"][0]["workload_class"], "share export": shared[0]["workload_class"]}


@pytest.mark.parametrize("stem", SCRIPTS)
def test_every_command_gives_the_script_one_class(asba_home, monkeypatch, capsys, tmp_path, stem):
    monkeypatch.setenv("ASBA_NOW", NOW)
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    classes = _classes(capsys, tmp_path, stem)
    assert len(set(classes.values())) == 1, classes


def test_a_gpu_training_script_is_gpu_bound_everywhere(asba_home, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("ASBA_NOW", NOW)
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    # 4 A100s held, 58-63 % busy on average in every run (gres/gpuutil in TRESUsageInAve): the GPUs limit it
    assert set(_classes(capsys, tmp_path, "training").values()) == {"gpu-bound"}


def test_a_long_share_error_is_cut_at_a_word():
    from asba.share.bundle import _short

    text = "does not match: 'cpu-and-memory-bound' is not one of " + ", ".join(f"class{i}" for i in range(40))
    short = _short(text)
    assert len(short) <= 120 and short.endswith(" ...")
    kept = short.removesuffix(" ...")
    assert text.startswith(kept) and text[len(kept)] in " ,"  # the last word kept is whole
