"""Issue 21 property: an OOM history never yields an option at the failing memory. Random histories of one script
(1-4 runs OUT_OF_MEMORY at the request the script still makes, 0-3 runs that COMPLETED at a larger request, on 1-16
CPUs), written in the sacct --parsable2 layout of the shipped example dumps (examples/history/oom.sacct.psv, whose
rows the generator follows field for field): whatever the history, the request is priced above the memory that
failed, every AWS option holds more than it, and the confidence falls."""

from __future__ import annotations

import json

from advisor_support import REPO
from asba.cli.main import main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SHIPPED = REPO / "knowledge" / "cluster-snapshot"
HEADER = ("JobID|JobName|User|Partition|ReqCPUS|ReqMem|AllocTRES|TotalCPU|CPUTime|MaxRSS|Elapsed|Timelimit|State|"
          "ExitCode|Submit|Start|End|NNodes|NCPUS")


def _rows(job: int, cpus: int, mem_gb: int, state: str, day: int, peak_mb: int) -> list[str]:
    exit_code = "0:125" if state == "OUT_OF_MEMORY" else "0:0"
    tres = f"billing={cpus},cpu={cpus},mem={mem_gb * 1024}M,node=1"
    when = f"2026-11-{day:02d}T09:41:00|2026-11-{day:02d}T09:41:00|2026-11-{day:02d}T10:53:00"
    return [f"{job}|oomish.sbatch|alice|cpu|{cpus}|{mem_gb * 1024}M|{tres}|01:00:00|{cpus:02d}:12:00||01:12:00|"
            f"04:00:00|{state}|{exit_code}|2026-11-{day:02d}T09:21:00|{when[20:]}|1|{cpus}",
            f"{job}.batch|batch|||{cpus}||{tres}|01:00:00|{cpus:02d}:12:00|{peak_mb}.00M|01:12:00||{state}|"
            f"{exit_code}|{when}|1|{cpus}"]


histories = st.fixed_dictionaries({
    "cpus": st.integers(1, 16),
    "failing_gb": st.integers(2, 200),
    "ooms": st.integers(1, 4),
    "successes": st.integers(0, 3),
    "extra_gb": st.integers(1, 60),
})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(h=histories)
def test_an_oom_history_never_yields_an_option_at_the_failing_memory(asba_home, monkeypatch, capsys, tmp_path, h):
    from asba.knowledge.catalog import load_catalog

    monkeypatch.setenv("ASBA_NOW", "2026-11-28T18:00:00Z")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    failing_mb = h["failing_gb"] * 1024
    rows, job, day = [HEADER], 50000, 1
    for _ in range(h["ooms"]):
        rows += _rows(job, h["cpus"], h["failing_gb"], "OUT_OF_MEMORY", day, failing_mb - 3)
        job, day = job + 1, day + 1
    for _ in range(h["successes"]):
        bigger = h["failing_gb"] + h["extra_gb"]
        rows += _rows(job, h["cpus"], bigger, "COMPLETED", day, int(failing_mb * 1.1))
        job, day = job + 1, day + 1
    dump = tmp_path / "oomish.sacct.psv"
    dump.write_text("\n".join(rows) + "\n")
    script = tmp_path / "oomish.sbatch"
    script.write_text(f"#!/bin/bash\n#SBATCH --partition=cpu\n#SBATCH --cpus-per-task={h['cpus']}\n"
                      f"#SBATCH --mem={h['failing_gb']}G\n#SBATCH --time=04:00:00\n./call_variants\n")
    code = main(["explain", str(script), "cpu-aws", "--cluster-snapshot", str(SHIPPED), "--history-dump", str(dump),
                 "--json", "--no-log"])
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    assert result["request"]["mem_per_node_mb"] > failing_mb, (h, result["request"])
    types = load_catalog().types
    rows_aws = [r for r in result["considered"] if r["platform"] == "aws"]
    assert all(types[r["instance_type"]].memory_mib * 0.95 > failing_mb for r in rows_aws), (h, rows_aws)
    assert result["recommendation"]["confidence"] <= 0.8
