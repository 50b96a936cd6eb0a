"""Golden text of what people read from `asba knowledge` (snapshot prices, no live cache, no config).

Regenerate after an intended change: ASBA_REGEN_GOLDEN=1 .venv/bin/pytest tests/knowledge/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from asba.cli.main import main
from asba.inputs import config as config_mod

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = {
    "show_p4d.24xlarge.txt": ["knowledge", "show", "p4d.24xlarge"],
    "show_hpc7g.16xlarge.txt": ["knowledge", "show", "hpc7g.16xlarge"],
    "search_4xa100_2h.txt": ["knowledge", "search", "--cpus", "16", "--mem", "200G", "--gpus", "4", "--gpu-model",
                             "a100", "--runtime", "2:00:00"],
    "search_mpi_efa_cpu-aws.txt": ["knowledge", "search", "--cpus", "64", "--mem", "100G", "--nodes", "2", "--efa",
                                   "--partition", "cpu-aws", "--limit", "5"],
    "search_16gb_per_core.txt": ["knowledge", "search", "--cpus", "8", "--mem", "128G", "--arch", "x86_64",
                                 "--limit", "5"],
    "search_nothing_fits.txt": ["knowledge", "search", "--cpus", "16", "--mem", "5000G", "--gpus", "16",
                                "--gpu-model", "h100"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_text(name, capsys, asba_home, monkeypatch, tmp_path):
    monkeypatch.setattr(config_mod, "SYSTEM_CONFIG", tmp_path / "none.yaml")
    monkeypatch.delenv("ASBA_CONFIG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    main(CASES[name])
    out = capsys.readouterr().out
    path = GOLDEN / name
    if os.environ.get("ASBA_REGEN_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run with ASBA_REGEN_GOLDEN=1"
    assert out == path.read_text(encoding="utf-8")
