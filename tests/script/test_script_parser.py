"""Parser behaviour a user notices: the job object, sources, warnings, precedence, right-sizing, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from asba.errors import InputError
from asba.facts.job_facts import job_facts
from asba.facts.vocabulary import load_vocabulary, value_has_type
from asba.inputs.batch_script import parse_script
from script_cases import CORPUS, EDGE, corpus_cases

ISSUE_KEYS = ("nodes_min", "nodes_max", "ntasks", "cpus_per_task", "total_cpus", "mem_per_node_mb",
              "mem_per_cpu_mb", "total_mem_mb", "gpus_per_node", "gpu_type", "total_gpus", "time_limit_s",
              "array_task_count", "partition", "account", "qos", "dependencies", "script_hash")
MULTINODE = CORPUS / "slurm-jobs" / "multinode.sbatch"


def asba(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asba", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_job_object_has_the_issue_keys_and_a_source_for_each() -> None:
    req = parse_script(MULTINODE)
    assert all(key in req.job for key in ISSUE_KEYS)
    assert all(key in req.sources for key in ISSUE_KEYS)
    assert req.sources["total_mem_mb"].startswith(f"{MULTINODE}:7")  # --mem-per-cpu=300M is line 7


def test_gpu_script_counts_typed_gpus_per_node_and_in_total() -> None:
    req = parse_script(EDGE / "gres_typed.sbatch")
    assert (req.job["gpus_per_node"], req.job["total_gpus"], req.job["gpu_type"]) == (2, 2, "a100")


def test_command_line_options_override_the_script_for_right_sizing() -> None:
    base = parse_script(EDGE / "mem_per_cpu.sbatch")  # -n4 -c2 --mem-per-cpu=2G
    sized = parse_script(EDGE / "mem_per_cpu.sbatch", cli_args=["--mem-per-cpu=1G", "--cpus-per-task=1",
                                                                "--time=3:00:00"])
    assert (base.job["total_cpus"], base.job["total_mem_mb"]) == (8, 16384)
    assert (sized.job["total_cpus"], sized.job["total_mem_mb"], sized.job["time_limit_s"]) == (4, 4096, 10800)
    assert sized.sources["time_limit_s"] == "command line"


def test_environment_overrides_script_and_command_line_overrides_environment() -> None:
    env = {"SBATCH_TIMELIMIT": "30", "SBATCH_PARTITION": "highmem"}
    assert parse_script(MULTINODE, env=env).job["time_limit_s"] == 1800
    req = parse_script(MULTINODE, cli_args=["-t", "45"], env=env)
    assert (req.job["time_limit_s"], req.job["partition"]) == (2700, "highmem")
    assert req.sources["partition"] == "SBATCH_PARTITION"


def test_without_partition_defaults_memory_is_the_unknown_partition_default() -> None:
    req = parse_script(EDGE / "mem_partition_default.sbatch")
    assert req.job["mem_basis"] == "partition-default" and req.job["total_mem_mb"] is None
    known = parse_script(EDGE / "mem_partition_default.sbatch", partition_defaults={"DefMemPerCPU": 500})
    assert (known.job["mem_per_cpu_mb"], known.job["total_mem_mb"]) == (500, 1500)


def test_unknown_option_is_a_warning_naming_the_line() -> None:
    req = parse_script(EDGE / "unknown_option.sbatch")
    assert req.warnings == [f"{EDGE / 'unknown_option.sbatch'}:4: unknown sbatch option --bogus; ignored"]
    assert req.job["cpus_per_task"] == 2


def test_body_programs_modules_and_mpi() -> None:
    req = parse_script(EDGE / "nodes_tasks_cpus.sbatch")
    assert req.job["is_mpi"] and req.job["programs"] == ["solver"] and req.job["modules"] == ["openmpi/4.1"]
    assert req.sources["is_mpi"].endswith(":6")


def test_same_script_same_hash_and_an_edit_changes_it(tmp_path: Path) -> None:
    copy = tmp_path / "copy.sbatch"
    copy.write_text(MULTINODE.read_text() + "\n\n")
    assert parse_script(copy).job["script_hash"] == parse_script(MULTINODE).job["script_hash"]
    copy.write_text(MULTINODE.read_text().replace("--nodes=2", "--nodes=3"))
    assert parse_script(copy).job["script_hash"] != parse_script(MULTINODE).job["script_hash"]


def test_every_emitted_fact_is_declared_with_its_type() -> None:
    vocabulary = load_vocabulary()
    for case in corpus_cases():
        req = parse_script(case.path)
        for fact in job_facts(req):
            spec = vocabulary.get(fact.name)
            assert spec is not None, f"{fact.name} is not in knowledge/vocabulary/job.yaml"
            assert value_has_type(fact.value, spec.type), (case.name, fact)
            assert fact.source


def test_fact_source_names_the_line_and_the_option() -> None:
    facts = {f.name: f for f in job_facts(parse_script(MULTINODE))}
    assert facts["job.time_limit_s"].source == f"{MULTINODE}:8 --time=00:05:00"


@pytest.mark.parametrize("content, message", [
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary file"),
    (b"#!/bin/bash\n#SBATCH -J caf\xe9\nhostname\n", "invalid UTF-8"),
    (b"#!/bin/bash\n#SBATCH --mem=lots\nhostname\n", "invalid --mem value 'lots'"),
    (b"#!/bin/bash\n#SBATCH -c 2\n#SBATCH --time=1:99:99\nhostname\n", "minutes 99 is out of range"),
    (b"", "empty"),
])
def test_bad_script_is_one_line_exit_2_no_traceback(tmp_path: Path, content: bytes, message: str) -> None:
    script = tmp_path / "bad.sbatch"
    script.write_bytes(content)
    proc = asba("facts", str(script), cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr
    assert "Traceback" not in proc.stderr and str(script) in proc.stderr


def test_bad_value_names_its_line(tmp_path: Path) -> None:
    script = tmp_path / "bad.sbatch"
    script.write_text("#!/bin/bash\n#SBATCH -c 2\n#SBATCH --time=1:99:99\nhostname\n")
    with pytest.raises(InputError) as err:
        parse_script(script)
    assert err.value.where == f"{script}:3"


@pytest.mark.parametrize("target, message", [("missing.sbatch", "no such file"), (".", "directory"),
                                             ("/dev/zero", "not a regular file")])
def test_missing_file_and_directory(tmp_path: Path, target: str, message: str) -> None:
    proc = asba("facts", target, cwd=tmp_path)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    script = tmp_path / "huge.sbatch"
    with script.open("wb") as handle:
        handle.write(b"#!/bin/bash\n")
        handle.truncate(5 * 1024 * 1024)
    proc = asba("facts", str(script))
    assert proc.returncode == 2 and "over 4 MiB" in proc.stderr


def test_facts_json_and_sbatch_options_after_the_script(tmp_path: Path) -> None:
    import json

    proc = asba("facts", str(MULTINODE), "-N", "1", "--mem-per-cpu=1G", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["job"]["nodes_min"], out["job"]["total_mem_mb"]) == (1, 1024)
    assert out["sources"]["nodes_min"].startswith("command line")
    assert {f["name"] for f in out["facts"]} >= {"job.total_cpus", "job.total_mem_mb"}


def test_facts_text_output_lists_facts_and_warnings() -> None:
    proc = asba("facts", str(EDGE / "unknown_option.sbatch"))
    assert proc.returncode == 0
    assert "job.total_cpus" in proc.stdout and "warning:" in proc.stdout and "--bogus" in proc.stdout


@pytest.mark.parametrize("case, per_node_mb, expected", [
    ("mem_per_cpu.sbatch", 8192, ["--mem-per-cpu=1G"]),      # -n4 -c2: 8 CPUs on one node
    ("mem_per_gpu.sbatch", 4096, ["--mem-per-gpu=2G"]),      # 2 GPUs per node
    ("mem_g.sbatch", 3000, ["--mem=3000M"]),                  # per node already
    ("mem_partition_default.sbatch", 2048, ["--mem=2G"]),
])
def test_memory_override_keeps_the_scripts_kind_so_sbatch_accepts_it(case: str, per_node_mb: int,
                                                                      expected: list[str]) -> None:
    from asba.inputs.batch_script import memory_override

    req = parse_script(EDGE / case, partition_defaults={"DefMemPerCPU": 500})
    args = memory_override(req.job, per_node_mb)
    assert args == expected
    sized = parse_script(EDGE / case, cli_args=args, partition_defaults={"DefMemPerCPU": 500})
    assert sized.job["mem_per_node_mb"] == per_node_mb


def test_vocabulary_declares_exactly_the_job_facts_the_parser_emits() -> None:
    from script_cases import edge_cases

    seen: set[str] = set()
    for case in corpus_cases() + edge_cases():
        try:
            req = parse_script(case.path, partition_defaults={"DefMemPerCPU": 500, "DefaultTime_s": 3600})
        except InputError:
            continue
        seen |= {fact.name for fact in job_facts(req)}
    declared = {name for name in load_vocabulary() if name.startswith("job.")}
    assert seen == declared
