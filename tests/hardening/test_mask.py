"""`audit show ID --mask` takes out every user, group, account, host, address, path and job/script name: the
masked output is searched for each of them."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from asba.audit.masking import Masker
from asba.cli.main import main

SNAPSHOT = Path(__file__).parents[1] / "fixtures" / "cluster" / "loaded"
SECRETS = ["carol", "Carol", "carol_lab", "carol_secret_align", "my data", "carol job", "~carol", "node17",
           "cluster.example.edu", "10.1.2.3", "fe80::1ff:fe23:4567:890a", "project/inputs", "results dir"]


@pytest.fixture
def decision_id(tmp_path, monkeypatch, capsys) -> str:
    monkeypatch.setenv("ASBA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USER", "carol")
    folder = tmp_path / "home" / "carol" / "my data"
    folder.mkdir(parents=True)
    script = folder / "carol job.sbatch"
    script.write_text(
        "#!/bin/bash\n#SBATCH --job-name=carol_secret_align\n#SBATCH --account=carol_lab\n#SBATCH -c 4\n"
        "#SBATCH --mem=8G\n#SBATCH --time=01:00:00\n#SBATCH --output=results dir/%j.out\n"
        "#SBATCH --nodelist=node17.cluster.example.edu\n#SBATCH --comment=fe80::1ff:fe23:4567:890a\n"
        "cd ~carol/project\nsrun ./align project/inputs/reads.fq 10.1.2.3\n")
    assert main(["explain", str(script), "--cluster-snapshot", str(SNAPSHOT), "--json"]) == 0
    return json.loads(capsys.readouterr().out)["decision_id"]


def test_masked_decision_holds_none_of_the_names(decision_id, capsys):
    assert main(["audit", "show", decision_id, "--json"]) == 0
    plain = capsys.readouterr().out
    held = {secret for secret in SECRETS if secret in plain}
    assert held >= {"carol", "carol_lab", "carol_secret_align", "my data", "carol job"}  # the log holds them
    for args in (["--json"], []):
        assert main(["audit", "show", decision_id, "--mask", *args]) == 0
        masked = capsys.readouterr().out
        found = [secret for secret in SECRETS if secret.lower() in masked.lower()]
        assert not found, found
        assert str(Path.home()) not in masked and os.sep + "tmp" + os.sep not in masked
        assert "<name>" in masked and re.search(r"\b[a-z]+\d+[a-z]*\.\d*x?large\b", masked)  # instance types kept


@pytest.mark.parametrize(("text", "leak"), [
    ("cd /home/carol/my data/run && ls", "my data"), ("see ~carol/logs/out.txt", "logs"), ("~/x/y", "x/y"),
    ("scp data/run1/out.csv there", "run1"), ("ssh login01.hpc.example.org", "example"), ("ping 192.168.10.20", "192"),
    ("addr 2001:db8::ff00:42:8329", "2001"), ("user Carol Smith", "carol"), ("../secret/file", "secret"),
])
def test_patterns_mask_what_is_not_known_in_advance(text, leak):
    masked = Masker({"carol"})(text)
    assert leak.lower() not in masked.lower(), masked


def test_instance_types_versions_and_times_are_kept():
    text = "c6i.large at 2026-11-28T17:20:56 on SLURM 22.05.8, gres/gpu=2, 1-00:00:00"
    assert Masker(set())(text) == text
