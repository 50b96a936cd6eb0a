"""SLURM value formats (asba.inputs.slurm_formats), with the values sbatch 22.05 itself gave on the test cluster."""

from __future__ import annotations

import pytest
from asba.errors import InputError
from asba.inputs.slurm_formats import (
    format_memory,
    format_time_limit,
    parse_duration_s,
    parse_memory_mb,
    parse_size_mb,
    parse_time_limit,
)

# --time value -> seconds, as `scontrol show job` printed the TimeLimit of a held job
SBATCH_TIMES = {
    "90": 5400, "1:30": 120, "1:00:30": 3660, "1-12": 129600, "1-12:30": 131400, "1-12:30:30": 131460,
    "2-0": 172800, "00:00:01": 60, "1-": 86400, "0": None, "-1": None, "UNLIMITED": None, "INFINITE": None,
}


@pytest.mark.parametrize("text, seconds", SBATCH_TIMES.items())
def test_time_limit_as_sbatch_resolves_it(text: str, seconds: int | None) -> None:
    assert parse_time_limit(text) == seconds


@pytest.mark.parametrize("text", ["lots", "1:0:0:0", "1:99:99", "1:60", "2-25", "", "1.5"])
def test_bad_time_limit_names_the_line(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_time_limit(text, where="job.sbatch:4")
    assert err.value.where == "job.sbatch:4" and "time limit" in err.value.message


def test_time_limit_round_trips_through_the_sbatch_form() -> None:
    for seconds in (60, 3600, 129600, 131460, 7 * 86400):
        assert parse_time_limit(format_time_limit(seconds)) == seconds
    assert format_time_limit(None) == "UNLIMITED" and format_time_limit(129600) == "1-12:00:00"


# --mem value -> MiB, as `scontrol show job` printed mem= for a held job
SBATCH_MEMORY = {"100": 100, "100m": 100, "1G": 1024, "1g": 1024, "1T": 1048576, "2048K": 2, "500KB": 1,
                 "1GB": 1024, "0": 0}


@pytest.mark.parametrize("text, mb", SBATCH_MEMORY.items())
def test_memory_as_sbatch_resolves_it(text: str, mb: int) -> None:
    assert parse_memory_mb(text) == mb


@pytest.mark.parametrize("text", ["1.5G", "lots", "1P", "-5", "1e3", "100MiB", "1G5", ""])
def test_memory_sbatch_refuses_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="--mem"):
        parse_memory_mb(text, where="job.sbatch:5")


def test_format_memory_is_exact_and_short() -> None:
    assert [format_memory(mb) for mb in (65536, 1500, 2 * 1024 * 1024, 0.5)] == ["64G", "1500M", "2T", "1M"]


@pytest.mark.parametrize("text, mb", [("516.31M", 516.31), ("528704K", 516.3125), ("0", 0.0), ("1.50G", 1536.0),
                                      ("", None)])
def test_sacct_sizes(text: str, mb: float | None) -> None:
    assert parse_size_mb(text) == mb


@pytest.mark.parametrize("text, seconds", [("00:19.623", 19.623), ("00:00:40", 40.0), ("1-02:03:04", 93784.0),
                                           ("0:00", 0.0), ("01:27", 87.0), ("UNLIMITED", None), ("", None)])
def test_durations_as_sacct_and_squeue_print_them(text: str, seconds: float | None) -> None:
    assert parse_duration_s(text) == seconds


def test_bad_duration_is_an_input_error() -> None:
    with pytest.raises(InputError):
        parse_duration_s("ten minutes")
