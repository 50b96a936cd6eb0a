"""asba's efficiency equals upstream seff's on every job captured from the real test cluster."""

from __future__ import annotations

import re

import pytest
from history_paths import SAMPLES

TOLERANCE_PP = 0.5


def _seff(path):
    text = path.read_text()
    array = re.search(r"^Array Job ID: (\S+)", text, re.M)  # 7_2; its raw "Job ID" (20) only with JobIDRaw
    job_id = array.group(1) if array else re.search(r"^Job ID: (\d+)", text, re.M).group(1)
    cpu = float(re.search(r"^CPU Efficiency: ([\d.]+)%", text, re.M).group(1))
    mem = float(re.search(r"^Memory Efficiency: ([\d.]+)%", text, re.M).group(1))
    return job_id, cpu, mem


SEFF_FILES = sorted(SAMPLES.glob("seff_*.txt"))


def test_there_is_a_seff_capture_per_job_kind():
    assert len(SEFF_FILES) >= 11


@pytest.mark.parametrize("dump", ["sacct_parsable2_ALL.psv", "sacct_parsable2_usage_detail.psv"])
@pytest.mark.parametrize("seff_file", SEFF_FILES, ids=lambda p: p.stem)
def test_cpu_and_memory_efficiency_match_seff(store, dump, seff_file):
    store.import_file(SAMPLES / dump)
    job_id, seff_cpu, seff_mem = _seff(seff_file)
    [record] = store.jobs(job_id=job_id)
    assert record.cpu_efficiency == pytest.approx(seff_cpu, abs=TOLERANCE_PP)
    assert record.memory_efficiency == pytest.approx(seff_mem, abs=TOLERANCE_PP)


def test_seff_rounding_of_cpu_time_is_reproduced(cluster_store):
    """TotalCPU 19.623 s over 40 core-seconds is 49.06 %, but seff sums whole seconds + rounded fractions: 50 %."""
    [burn] = cluster_store.jobs(job_id="2")
    assert burn.total_cpu_s == pytest.approx(19.623, abs=0.001)
    assert burn.seff_cpu_s == 20
    assert burn.cpu_efficiency == 50.0


def test_multinode_peak_is_the_step_summed_over_its_tasks(cluster_store):
    """MaxRSS of step 11.1 is 113.12M per task; seff (and asba) use TRESUsageInTot mem 226.19M."""
    [job] = cluster_store.jobs(job_id="11")
    assert job.max_memory_used_mb == pytest.approx(226.19)
    assert job.memory_source == "TRESUsageInTot"
    assert job.requested_memory_mb == 600


def test_without_tres_usage_memory_falls_back_to_maxrss_times_tasks(store):
    """The requested 19-field format has no TRESUsageInTot and no NTasks: MaxRSS x 1 task."""
    store.import_file(SAMPLES / "sacct_parsable2_header.psv")
    [job] = store.jobs(job_id="3")
    assert job.memory_source == "MaxRSS*NTasks"
    assert job.memory_efficiency == pytest.approx(50.42, abs=TOLERANCE_PP)


def test_array_task_is_found_by_its_raw_id_as_seff_names_it(cluster_store):
    [task] = cluster_store.jobs(job_id="20")
    assert task.job_id == "7_2"
    assert task.base_id == "7"
