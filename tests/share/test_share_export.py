"""`asba share export`: what a bundle holds, and that none of the input's people, places or jobs are in it."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from asba.share.bundle import checksum, read_bundle
from share_support import EXAMPLES, HISTORIES, REPO, export_args, load

REAL_DUMPS = [REPO / "tests/fixtures/history/live/sacct_ended_sync.out",
              REPO / "tests/fixtures/history/slurm2sql/test-data1.csv",
              REPO / "tests/fixtures/history/slurm2sql/test-data2.csv"]
IDENTIFYING = ("User", "Account", "Group", "JobName", "NodeList", "MaxRSSNode", "MinCPUNode", "WorkDir", "Cluster")


def _identifiers(dump: Path) -> tuple[set[str], set[str]]:
    """(names, paths and hosts; job ids) found in a sacct dump's identifying columns."""
    lines = dump.read_text().splitlines()
    sep = "\x1f" if "\x1f" in lines[0] else "|"
    header = lines[0].split(sep)
    names: set[str] = set()
    ids: set[str] = set()
    for line in lines[1:]:
        row = dict(zip(header, line.split(sep), strict=False))
        names.update(v for k in IDENTIFYING if (v := row.get(k, "").strip()) and v not in ("batch", "extern"))
        if row.get("JobID"):
            ids.add(re.split(r"[._+]", row["JobID"])[0])
        names.update(w for w in row.get("SubmitLine", "").split() if "/" in w or w.endswith(".sbatch"))
    return names, ids


def test_example_history_export_holds_patterns_and_no_identifier(site, asba, tmp_path) -> None:
    out = tmp_path / "bundle.json"
    dumps = HISTORIES + REAL_DUMPS
    code, _, err = asba(*export_args(dumps, out))
    assert code == 0, err
    text = out.read_text()
    bundle = read_bundle(out)  # what export writes, import accepts
    assert bundle["checksum"] == checksum(bundle)
    by_program = {p: pat for pat in bundle["patterns"] for p in pat["programs"]}
    assert {"spades", "gatk", "openfoam"} <= set(by_program)
    assert by_program["spades"]["domain"] == "bioinformatics" and by_program["openfoam"]["domain"] == "cfd"
    assert by_program["gatk"]["failures"]["oom"] == 2
    assert by_program["gatk"]["fixes"] == [{"failure": "oom", "fix": "more-memory", "factor": 1.5}]
    names: set[str] = {str(EXAMPLES), str(EXAMPLES.resolve()), str(tmp_path), socket.gethostname()}
    ids: set[str] = set()
    for dump in dumps:
        found_names, found_ids = _identifiers(dump)
        names |= found_names
        ids |= found_ids
        names |= {str(dump), str(dump.parent)}
    names |= {p.name for p in EXAMPLES.glob("*.sbatch")}  # the job names of the example histories
    assert "alice" in names and "user1" in names and len(ids) > 20  # the search covers the real inputs
    for name in sorted(names):
        if len(name) >= 4:
            assert name not in text, f"{name!r} leaked into the bundle"
        else:
            assert not re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", text), f"{name!r} leaked"
    for job_id in sorted(ids):
        assert not re.search(rf"(?<![0-9a-f]){job_id}(?![0-9a-f])", text), f"job id {job_id} leaked"
    for key in ("user", "account", "partition", "job_id", "job_name", "host", "path", "script"):
        assert f'"{key}"' not in text


def test_user_script_names_are_left_out_but_tools_are_kept(site, asba, tmp_path) -> None:
    out = tmp_path / "bundle.json"
    assert asba(*export_args(HISTORIES, out))[0] == 0
    programs = {p for pat in load(out)["patterns"] for p in pat["programs"]}
    assert not {"train.py", "extract_features.py", "summarise.py"} & programs  # the user's own scripts
    assert {"python", "spades", "gatk", "simpleFoam"} <= programs


def test_k_anonymity_threshold_withholds_patterns_on_few_runs(site, asba, tmp_path) -> None:
    config = tmp_path / "k4.yaml"
    config.write_text("share:\n  k_anonymity_runs: 4\n")
    out = tmp_path / "bundle.json"
    code, stdout, _ = asba(*export_args(HISTORIES, out, "--config", str(config)))
    assert code == 0
    bundle = load(out)
    assert bundle["k_anonymity_runs"] == 4
    assert bundle["patterns"] and all(p["runs"] >= 4 for p in bundle["patterns"])
    assert re.search(r"exported \d+ pattern\(s\); [1-9]\d* withheld \(fewer than 4 runs\)", stdout)


def test_same_site_same_keys_other_site_other_keys(site, asba, tmp_path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    asba(*export_args(HISTORIES, first))
    asba(*export_args(HISTORIES, second))
    keys = [sorted(p["key"] for p in load(path)["patterns"]) for path in (first, second)]
    assert keys[0] == keys[1]
    (site / "site-salt").write_text("ab" * 32 + "\n")
    third = tmp_path / "c.json"
    asba(*export_args(HISTORIES, third))
    assert not set(keys[0]) & {p["key"] for p in load(third)["patterns"]}
