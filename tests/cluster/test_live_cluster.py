"""On the real SLURM test cluster: fill a partition with running, pending and held jobs, then check the facts
against what squeue and sinfo report, and that a wait estimate comes out for both partitions."""

from __future__ import annotations

import subprocess
import time

import pytest
from asba.decide.wait import estimate_wait
from asba.facts.cluster_facts import JobNeeds, read_cluster
from asba.inputs.slurm import SlurmRunner

pytestmark = pytest.mark.slurm
PART, BURST = "highmem", "cpu-aws"


def sh(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30).stdout


def submit(*args: str) -> str:
    return sh("sbatch", "--parsable", "-o", "/dev/null", "-p", PART, *args, "--wrap", "sleep 300").strip()


@pytest.fixture(scope="module")
def filled():
    ids: list[str] = []
    try:
        ids.append(submit("-c", "60", "-t", "10", "-J", "asba fill running"))
        deadline = time.time() + 60
        while sh("squeue", "-h", "-j", ids[0], "-o", "%T").strip() != "RUNNING":
            if time.time() > deadline:
                pytest.fail("the filler job did not start within 60 s")
            time.sleep(1)
        ids.append(submit("-c", "32", "-t", "5", "-J", "asba fill pending"))
        ids.append(submit("-c", "8", "-t", "5", "--array=1-3", "-J", "asba fill array"))
        ids += [submit("-H", "-c", "4", "-t", "5", "-J", f"asba fill held {n}") for n in (1, 2)]
        deadline = time.time() + 60  # until the scheduler has given the pending job its reason
        while sh("squeue", "-h", "-j", ids[1], "-o", "%r").strip() not in {"Resources", "Priority"}:
            if time.time() > deadline:
                pytest.fail("the pending job got no Resources/Priority reason within 60 s")
            time.sleep(1)
        yield ids
    finally:
        if ids:
            subprocess.run(["scancel", *ids], capture_output=True, timeout=30)


def truth() -> dict:
    """Independent counts from plain squeue/sinfo (arrays expanded with -r)."""
    pending = [line.split("|") for line in sh("squeue", "-h", "-r", "-p", PART, "-t", "PD", "-o", "%i|%r").split()]
    states = sh("sinfo", "-h", "-p", PART, "-O", "CPUsState:|").split()
    alloc_idle = [list(map(int, s.rstrip("|").split("/"))) for s in states]
    return {
        "ahead": sum(1 for _, reason in pending if reason in {"Priority", "Resources", "None"}),
        "held": sum(1 for _, reason in pending if reason.startswith("JobHeld")),
        "idle_cpus": sum(a[1] for a in alloc_idle),
        "running": len(sh("squeue", "-h", "-p", PART, "-t", "R,CG", "-o", "%i").split()),
    }


def read_stable():
    """Read the facts between two equal truths, so a job submitted by someone else meanwhile cannot skew them."""
    for _ in range(5):
        before = truth()
        view = read_cluster(SlurmRunner(), partition=PART, burst_partition=BURST)
        if truth() == before:
            return view, before
        time.sleep(1)
    pytest.skip("the queue kept changing under the test")


def test_facts_match_squeue_and_sinfo(filled):
    view, expected = read_stable()
    f = {x.name: x.value for x in view.facts}
    assert view.source == "live" and view.gaps == []
    assert f["cluster.partition.pending_jobs_ahead"] == expected["ahead"] >= 4  # pending 1 + array 3
    assert f["cluster.partition.held_jobs"] == expected["held"] >= 2
    assert f["cluster.partition.idle_cpus"] == expected["idle_cpus"] <= 4
    assert f["cluster.partition.running_jobs"] == expected["running"] >= 1


def test_remaining_time_matches_squeue_time_left(filled):
    view, _ = read_stable()
    left = sh("squeue", "-h", "-j", filled[0], "-o", "%L").strip()  # e.g. 9:41
    minutes, seconds = (int(x) for x in left.split(":")[-2:])
    remaining = view.summary(PART).remaining_s[filled[0]]
    assert abs(remaining - (minutes * 60 + seconds)) <= 15


def test_estimate_for_both_partitions(filled, tmp_path):
    script = tmp_path / "job.sbatch"
    script.write_text("#!/bin/sh\n#SBATCH -c 16\n#SBATCH -t 5\nsleep 1\n")
    view = read_cluster(SlurmRunner(capture_dir=tmp_path / "cap"), partition=PART, burst_partition=BURST,
                        script=script)
    needs = JobNeeds(cpus=16, time_limit_s=300)
    local, burst = estimate_wait(view, needs, PART), estimate_wait(view, needs, BURST)
    assert local.p50_s is not None and local.p50_s > 0  # 60 of 64 CPUs busy and jobs ahead
    assert burst.p50_s is not None
    assert {c.name for c in local.components} == {"slurm", "queue_model"}
    assert (tmp_path / "cap" / f"sbatch_test_only_{PART}.err").is_file()
    replay = read_cluster(SlurmRunner(snapshot_dir=tmp_path / "cap"), partition=PART, burst_partition=BURST,
                          script=script)
    assert [x.value for x in replay.facts if x.name != "cluster.source"] == [
        x.value for x in view.facts if x.name != "cluster.source"]
