"""Where the history fixtures are (imported by the history tests)."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "history"
SAMPLES = FIXTURES / "samples"
REPORTSEFF = FIXTURES / "reportseff"
SLURM2SQL = FIXTURES / "slurm2sql"
