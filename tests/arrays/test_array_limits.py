"""Per-user/QOS limits from sacctmgr bound an array's local waves (and MaxSubmitPU refuses it), the bound named."""

from __future__ import annotations

import json
import shutil

import pytest
from array_support import EXAMPLES, REPO, SNAPSHOT
from asba.inputs import slurm_limits as sl

FIX = REPO / "tests" / "fixtures" / "arrays"
BLAST = EXAMPLES / "blast_array.sbatch"
LIMITED = "normal|4|50|cpu=24|"


def test_the_test_clusters_real_capture_has_no_limits():
    assoc = sl.parse_table((FIX / "sacctmgr_assoc_root.psv").read_text())
    qos = sl.parse_table((FIX / "sacctmgr_qos.psv").read_text())
    assert {r["account"] for r in assoc} == {"research", "physics", "root"}
    assert assoc[0]["defqos"] == "normal" and [r["name"] for r in qos] == ["normal", "high", "long"]
    assert sl.limits_from(assoc, qos, None, None) == []


def _limited_qos() -> str:
    return (FIX / "sacctmgr_qos.psv").read_text().replace("normal||||", LIMITED)


def test_qos_limits_of_the_default_qos_apply():
    assoc = sl.parse_table((FIX / "sacctmgr_assoc_root.psv").read_text())
    limits = {lim.kind: lim for lim in sl.limits_from(assoc, sl.parse_table(_limited_qos()), None, None)}
    assert (limits["max_jobs"].value, limits["max_submit"].value, limits["max_cpus"].value) == (4, 50, 24)
    assert limits["max_jobs"].source.startswith("sacctmgr show qos normal MaxJobsPU")
    assert sl.limits_from(assoc, sl.parse_table(_limited_qos()), None, "high") == []  # --qos=high: no limits


@pytest.fixture
def limited_snapshot(tmp_path):
    snap = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT, snap)
    (snap / "sacctmgr_assoc.out").write_text((FIX / "sacctmgr_assoc_root.psv").read_text())
    (snap / "sacctmgr_qos.out").write_text(_limited_qos().replace("normal|4|50|", "normal|4||"))
    return snap


def test_per_user_limits_bound_the_local_waves_and_the_tightest_is_named(run_asba, limited_snapshot):
    code, out, err = run_asba("explain", str(BLAST), "cpu-aws", "--cluster-snapshot", str(limited_snapshot),
                              "--json", "--no-log")
    assert code == 0, err
    local = json.loads(out)["array"]["local"]
    assert (local["tasks"], local["waves"], local["bound"]) == (3, 34, "per-user CPU limit (GrpTRES/MaxTRESPU cpu)")
    names = {b["name"]: b for b in local["bounds"]}
    assert names["per-user job limit (MaxJobsPU)"]["tasks"] == 4
    assert "sacctmgr show qos normal MaxTRESPU" in local["bound_source"]  # 24 CPUs / 8 per task = 3


def test_max_submit_pu_from_sacctmgr_refuses_the_array(run_asba, limited_snapshot):
    (limited_snapshot / "sacctmgr_qos.out").write_text(_limited_qos())
    code, out, err = run_asba("explain", str(BLAST), "--cluster-snapshot", str(limited_snapshot), "--no-log")
    assert code == 2 and out == "" and "ASBA-ARRAY-002" in err and "MaxSubmitPU 50 (sacctmgr show qos normal" in err
