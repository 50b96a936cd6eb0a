"""Issue 21 properties over random requests on the shipped snapshot (cpu: 2 x 64 CPUs / 256 GB; highmem: 1 x 64 /
1 TB; gpu: 1 x 64 CPUs, 512 GB, 8 GPUs): whatever the request, the advice never places a job where it cannot run,
every AWS option holds one node's share, node counts stay within the request, whole nodes cost whole nodes."""

from __future__ import annotations

import json
import math

import pytest
from advisor_support import REPO
from asba.cli.main import main
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

NEUTRAL = REPO / "tests" / "fixtures" / "expert" / "neutral.sbatch"
SHIPPED = REPO / "knowledge" / "cluster-snapshot"
# the shipped snapshot's nodes, read by hand from knowledge/cluster-snapshot (sinfo): CPUs, MB, GPUs, node count
NODES = {"cpu": (64, 262144, 0, 2), "highmem": (64, 1048576, 0, 1), "gpu": (64, 524288, 8, 1)}

requests = st.fixed_dictionaries({
    "partition": st.sampled_from(sorted(NODES)),
    "cpus_per_task": st.integers(1, 160),
    "ntasks": st.one_of(st.none(), st.integers(1, 300)),
    "nodes": st.one_of(st.none(), st.integers(1, 6)),
    "mem_gb": st.one_of(st.none(), st.integers(0, 1500)),
    "gpus": st.integers(0, 12),
    "exclusive": st.booleans(),
})


def _args(r: dict) -> list[str]:
    args = [f"--partition={r['partition']}", f"--cpus-per-task={r['cpus_per_task']}"]
    args += [f"--ntasks={r['ntasks']}"] if r["ntasks"] else []
    args += [f"--nodes={r['nodes']}"] if r["nodes"] else []
    args += [f"--mem={r['mem_gb']}G"] if r["mem_gb"] is not None else []
    args += [f"--gres=gpu:{r['gpus']}"] if r["gpus"] else []
    return args + (["--exclusive"] if r["exclusive"] else [])


def _cannot_hold(r: dict) -> bool:
    """No allocation of the partition can hold it, by hand: one task, one node's memory or GPUs, the node count."""
    cpus, mem_mb, gpus, count = NODES[r["partition"]]
    tasks = r["ntasks"] or r["nodes"] or 1
    per_node = cpus // r["cpus_per_task"] if r["cpus_per_task"] <= cpus else 0
    nodes_needed = max(r["nodes"] or 1, math.ceil(tasks / per_node)) if per_node else math.inf
    return (r["cpus_per_task"] > cpus or (r["mem_gb"] or 0) * 1024 > mem_mb or r["gpus"] > gpus
            or nodes_needed > count)


@pytest.fixture
def advise(asba_home, monkeypatch, capsys):
    monkeypatch.setenv("ASBA_NOW", "2026-11-28T18:40:00Z")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)

    def run(r: dict) -> dict | None:
        burst = "gpu-aws" if r["gpus"] else "cpu-aws"
        code = main(["explain", str(NEUTRAL), burst, "--cluster-snapshot", str(SHIPPED), "--json", "--no-log",
                     *_args(r)])
        out = capsys.readouterr()
        if code == 2:  # sbatch itself refuses the combination (asba says so, one line)
            assert out.err.count("\n") == 1 and "ASBA-" in out.err
            return None
        assert code == 0, out.err
        return json.loads(out.out)

    return run


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(r=requests)
def test_random_requests_get_advice_a_consultant_would_sign(advise, r):
    result = advise(r)
    assume(result is not None)
    rec = result["recommendation"]
    if _cannot_hold(r):
        assert rec["platform"] != "local" and result["local"]["feasible"] is False, (r, rec)
    elif result["local"]["feasible"] is False:
        assert rec["platform"] != "local"
    aws = result["aws"]
    if aws is not None:
        from asba.knowledge.catalog import load_catalog

        t = load_catalog().types[aws["instance_type"]]
        assert t.vcpus >= r["cpus_per_task"], (r, aws)  # every instance holds one whole task
        assert aws["nodes"] >= (r["nodes"] or 1)
        if r["nodes"]:
            assert aws["nodes"] == max(r["nodes"], result["request"]["nodes"])  # a fixed node count is kept
        if r["mem_gb"] and (r["nodes"] or (r["ntasks"] or 1) == 1):
            assert t.memory_mib * 0.95 >= r["mem_gb"] * 1024, (r, aws)  # --mem is per node
        if not r["gpus"]:
            assert t.gpus == 0  # no GPU types for a CPU-only job
    if r["exclusive"] and result["local"]["feasible"]:
        from asba.inputs.config import load_config
        from asba.knowledge.costs import local_cost

        cpus, mem_mb, gpus, _ = NODES[r["partition"]]
        node = local_cost(load_config(None, env={}), r["partition"], cpus=cpus, mem_mb=mem_mb, nodes=1,
                          gpus=r["gpus"], runtime_s=result["local"]["runtime_s"]).usd
        assert result["local"]["cost_usd"] >= round(node, 4) - 1e-4, (r, result["local"])
