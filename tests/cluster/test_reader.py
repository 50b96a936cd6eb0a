"""The cluster reader over real captures, and what it does when SLURM is missing, failing or hanging."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from asba.facts.cluster_facts import read_cluster
from asba.inputs.slurm import SlurmRunner

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "cluster"


def facts(view) -> dict:
    return {f.name: f for f in view.facts}


def test_loaded_snapshot_facts_match_the_captured_queue():
    view = read_cluster(SlurmRunner(snapshot_dir=FIX / "loaded"), partition="cpu", burst_partition="cpu-aws",
                        script=FIX / "wide.sbatch")
    f = facts(view)
    assert view.source.startswith("snapshot") and view.gaps == []
    assert f["cluster.slurm_version"].value == "22.05.8"
    assert f["cluster.partition.total_cpus"].value == 128 and f["cluster.partition.idle_cpus"].value == 0
    # pending: big assembly (1) + param scan (18 tasks) + low prio (1); held and dependent jobs are not ahead
    assert f["cluster.partition.pending_jobs_ahead"].value == 20
    assert f["cluster.partition.held_jobs"].value == 1
    assert f["cluster.partition.pending_jobs"].value == 22
    assert f["cluster.partition.running_cpus"].value == 128
    assert f["cluster.burst.idle_cpus"].value == 112 and f["cluster.burst.pending_jobs_ahead"].value == 0
    assert f["cluster.partition.slurm_estimate_wait_s"].value == 4 * 3600 - 27  # test-only said 22:36:13
    assert f["cluster.partition.max_time_s"].value == 172800
    assert "squeue --json (snapshot" in f["cluster.partition.pending_jobs_ahead"].source
    # sshare: root is in three accounts; the lowest FairShare (research, 0.333333) is the one that limits
    assert f["cluster.user_fairshare"].value == 0.333333 and "sshare" in f["cluster.user_fairshare"].source


def test_remaining_times_are_measured_from_the_capture_not_from_now():
    view = read_cluster(SlurmRunner(snapshot_dir=FIX / "loaded"), partition="cpu")
    f = facts(view)
    # post process: 30 min limit, started 2026-11-28T18:36:13, squeue read a few seconds later
    assert 1700 < f["cluster.partition.soonest_end_s"].value <= 1800


def test_shared_samples_snapshot_reads_with_gaps_named():
    view = read_cluster(SlurmRunner(snapshot_dir=FIX / "samples_snapshot"), partition="cpu", burst_partition="gpu")
    f = facts(view)
    assert any(g.startswith("SLURM version") for g in view.gaps)
    assert any(g.startswith("sshare") for g in view.gaps)
    assert f["cluster.slurm_version"].value == "22.05.8"  # from the JSON's meta instead
    assert "cluster.user_fairshare" not in f
    # 5 Priority/Resources jobs (4, 5, 6, 14, 16) + array 7 (4 tasks); 8 and 9 wait on dependencies
    assert f["cluster.partition.pending_jobs_ahead"].value == 9
    assert f["cluster.burst.idle_gpus"].value == 0 and f["cluster.burst.total_gpus"].value == 2
    assert view.partition_defaults["DefMemPerCPU"] == 500


def test_capture_then_replay_gives_the_same_facts(tmp_path):
    first = read_cluster(SlurmRunner(snapshot_dir=FIX / "loaded"), partition="gpu")
    # a capture made from a snapshot replay is not written (it would fake a live capture)
    runner = SlurmRunner(snapshot_dir=FIX / "loaded", capture_dir=tmp_path / "cap")
    read_cluster(runner, partition="gpu")
    assert not (tmp_path / "cap").exists()
    assert [f.value for f in first.facts] == [f.value for f in read_cluster(
        SlurmRunner(snapshot_dir=FIX / "loaded"), partition="gpu").facts]


def _fake_bin(tmp_path: Path, body: str, names=("squeue", "sinfo", "scontrol", "sprio", "sshare", "sbatch")) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in names:
        exe = bin_dir / name
        exe.write_text(f"#!/bin/sh\n{body}\n")
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def test_no_slurm_installed_still_answers_with_gaps(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    view = read_cluster(SlurmRunner(), partition="cpu", burst_partition="cpu-aws", script=FIX / "wide.sbatch")
    assert view.source == "none"
    assert facts(view)["cluster.available"].value is False
    assert any("not found" in g for g in view.gaps)


def test_controller_down_is_a_gap_not_a_crash(tmp_path, monkeypatch):
    msg = "echo 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' >&2; exit 1"
    monkeypatch.setenv("PATH", f"{_fake_bin(tmp_path, msg)}{os.pathsep}/usr/bin:/bin")
    view = read_cluster(SlurmRunner(), partition="cpu")
    assert view.source == "none"
    assert any("Unable to contact slurm controller" in g for g in view.gaps)


def test_hanging_command_times_out_and_reading_goes_on(tmp_path, monkeypatch):
    bin_dir = _fake_bin(tmp_path, "sleep 30", names=("squeue",))
    for name in ("sinfo", "scontrol", "sprio", "sshare"):
        (bin_dir / name).symlink_to(f"/usr/bin/{name}") if Path(f"/usr/bin/{name}").exists() else None
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/bin")
    view = read_cluster(SlurmRunner(timeout_s=0.5), partition="cpu")
    assert any("squeue did not answer in 0.5 s" in g for g in view.gaps)


def test_cluster_command_json(tmp_path, capsys):
    from asba.cli.main import main

    code = main(["cluster", "--cluster-snapshot", str(FIX / "loaded"), "-p", "cpu", "-b", "cpu-aws", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["source"].startswith("snapshot")
    assert "saved snapshot" in data["note"]
    names = {f["name"] for f in data["facts"]}
    assert {"cluster.partition.pending_jobs_ahead", "cluster.burst.idle_cpus"} <= names


def test_cluster_wait_command_text(capsys):
    from asba.cli.main import main

    code = main(["cluster", "wait", str(FIX / "wide.sbatch"), "--cluster-snapshot", str(FIX / "loaded"),
                 "-p", "cpu", "-b", "cpu-aws", "--time-limit", "2:00:00"])
    out = capsys.readouterr().out
    assert code == 0
    assert "cpu: p50" in out and "cpu-aws: starts almost at once (under 5 min); p50 0s" in out and "method" in out


def test_bad_snapshot_dir_is_one_line_error(tmp_path, capsys):
    from asba.cli.main import main

    code = main(["cluster", "--cluster-snapshot", str(tmp_path / "nope")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "ASBA-CLUSTER-010" in err


def test_bad_runtime_ratio_is_rejected(capsys):
    from asba.cli.main import main

    code = main(["cluster", "wait", str(FIX / "wide.sbatch"), "--cluster-snapshot", str(FIX / "loaded"),
                 "--runtime-ratio", "3"])
    assert code == 2 and "ASBA-CLUSTER-002" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["squeue_json", "sinfo_json", "partitions"])
def test_shipped_snapshot_has_every_core_command(key):
    from asba.inputs.cluster_snapshot import shipped_snapshot

    assert (shipped_snapshot() / f"{key}.out").is_file()


def test_without_slurm_the_cli_shows_the_shipped_snapshot_and_says_so(tmp_path, monkeypatch, capsys):
    from asba.cli.main import main

    monkeypatch.setenv("PATH", str(tmp_path))
    code = main(["cluster", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["source"].startswith("snapshot") and "cluster-snapshot" in data["source"]
    assert "no SLURM installed" in data["note"] and "not your cluster" in data["note"]


def test_without_slurm_and_without_fallback_nothing_is_invented(tmp_path, monkeypatch, capsys):
    from asba.cli.main import main

    monkeypatch.setenv("PATH", str(tmp_path))
    code = main(["cluster", "--json", "--no-snapshot-fallback", "-p", "cpu"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["source"] == "none"
    assert [f["name"] for f in data["facts"]] == ["cluster.available", "cluster.source"]
    assert any("squeue not found" in g for g in data["gaps"])


def test_cluster_wait_reads_the_script_and_honours_overrides(capsys):
    from asba.cli.main import main

    base = ["cluster", "wait", str(FIX / "wide.sbatch"), "--cluster-snapshot", str(FIX / "loaded"), "-p", "cpu-aws",
            "--json"]
    assert main(base) == 0
    fits = json.loads(capsys.readouterr().out)["estimates"][0]
    assert fits["p50_s"] == 0  # 32 CPUs (from the script) fit in the 112 idle ones
    assert main([*base, "--cpus", "200", "--past-wait", "60", "--past-wait", "120", "--past-wait", "90"]) == 0
    big = json.loads(capsys.readouterr().out)["estimates"][0]
    assert any("needs 200 CPUs" in g for g in big["gaps"])
    history = next(c for c in big["components"] if c["name"] == "history")
    assert history["p50_s"] == 90 and history["evidence"] == 3
    assert "queue_model" not in {c["name"] for c in big["components"]}


def test_slurm_older_than_21_08_is_read_through_the_text_formats(tmp_path):
    import shutil

    snap = tmp_path / "snap"
    shutil.copytree(FIX / "loaded", snap)
    (snap / "version.out").write_text("slurm 20.11.9\n")  # the only change: drive the pre-JSON branch
    (snap / "squeue_json.out").unlink()
    (snap / "sinfo_json.out").unlink()
    old = read_cluster(SlurmRunner(snapshot_dir=snap), partition="cpu", burst_partition="gpu")
    new = read_cluster(SlurmRunner(snapshot_dir=FIX / "loaded"), partition="cpu", burst_partition="gpu")
    assert old.gaps == [] and facts(old)["cluster.slurm_version"].value == "20.11.9"
    assert "squeue -h -a -O JobArrayID" in facts(old)["cluster.partition.pending_jobs_ahead"].source
    skip = {"cluster.slurm_version", "cluster.source",
            "cluster.partition.soonest_end_s", "cluster.partition.running_remaining_cpu_hours",
            "cluster.burst.soonest_end_s", "cluster.burst.running_remaining_cpu_hours"}
    values = {f.name: f.value for f in new.facts if f.name not in skip}
    assert {f.name: f.value for f in old.facts if f.name not in skip} == values
