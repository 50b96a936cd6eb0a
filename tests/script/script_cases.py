"""The scripts the differential tests submit, and the overrides the test cluster needs for some of them.

Corpus scripts were written for other sites: partitions, accounts, QOS and GPU types the test cluster does not
have. ``cluster_overrides`` adds command-line options (which take precedence over the script, exactly as they
would for sbatch) so the held job is accepted; asba is given the same options, so both sides resolve the same
request. Every override is listed with its reason.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "script"
CORPUS = FIXTURES / "corpus"
EDGE = FIXTURES / "edge"
CLUSTER_PARTITIONS = ("cpu", "highmem", "gpu", "cpu-aws")
CLUSTER_ACCOUNTS = ("research", "physics")
CLUSTER_QOS = ("normal", "high", "long")


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    expect: str  # match | both-refuse | sbatch-refuses-asba-warns | asba-refuses | quirk:<name>


def corpus_cases() -> list[Case]:
    paths = sorted((CORPUS / "slurm-jobs").glob("*.sbatch"))
    for manifest in sorted(CORPUS.glob("*/MANIFEST.tsv")):
        with manifest.open() as handle:
            paths += [manifest.parent / row["path"] for row in csv.DictReader(handle, delimiter="\t")
                      if row["kind"] == "script"]
    return [Case(str(p.relative_to(CORPUS)), p, "match") for p in paths]


def edge_cases() -> list[Case]:
    cases = []
    for path in sorted(EDGE.glob("*.sbatch")):
        expect = next((line.split(":", 1)[1].strip() for line in path.read_bytes().decode("utf-8", "replace")
                       .splitlines()[:4] if line.startswith("# expect:")), "match")
        cases.append(Case(path.stem, path, expect))
    return cases


DEPENDENCY_SETUP = (("{DEP1}", []), ("{DEP2}", []), ("{ARR1}", ["--array=1-3"]))  # held jobs edge cases name


def materialise(case: Case, work: Path, ids: list[str]) -> Path:
    """Copy the case into ``work`` with {DEP1}/{DEP2}/{ARR1} replaced by the ids of real held jobs."""
    text = case.path.read_bytes()
    for (marker, _), job_id in zip(DEPENDENCY_SETUP, ids):
        text = text.replace(marker.encode(), job_id.encode())
    script = work / case.path.name
    script.write_bytes(text)
    return script


def cluster_overrides(job: dict) -> list[tuple[str, str]]:
    """(option, reason) pairs that make a corpus request fit the test cluster."""
    out = []
    partitions = job["partitions"]
    if job["total_gpus"] and partitions != ["gpu"]:
        out.append(("--partition=gpu", "GPU request: the test cluster's GPUs are on partition gpu"))
    elif partitions and not set(partitions) <= set(CLUSTER_PARTITIONS):
        out.append(("--partition=cpu", f"partition {','.join(partitions)} does not exist on the test cluster"))
    if job["account"] and job["account"] not in CLUSTER_ACCOUNTS:
        out.append(("--account=research", f"account {job['account']} does not exist on the test cluster"))
    if job["qos"] and job["qos"] not in CLUSTER_QOS:
        out.append(("--qos=normal", f"QOS {job['qos']} does not exist on the test cluster"))
    if job["constraint"]:
        out.append(("--constraint=local", f"feature {job['constraint']} does not exist on the test cluster"))
    if job["gpu_type"] and job["gpu_type"] != "a100":
        out.append((f"--gres=gpu:{job['gpus_per_node']}", f"GPU type {job['gpu_type']} is not on the test cluster"))
    return out
