#!/usr/bin/env bash
# Check everything: set-up, lint and types, rule-pack lint and every pack's own test cases, then pytest.
# Tests that need the real SLURM test cluster are skipped (with the reason) unless it is up:
#   bash scripts/slurm-cluster.sh start
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/asba rules lint --strict
.venv/bin/asba rules test
.venv/bin/python -m pytest "$@"
