#!/usr/bin/env bash
# Run asba's whole test suite: set-up, every rule pack's own test cases, then pytest.
# Tests that need the real SLURM test cluster are skipped (with the reason) unless it is up:
#   bash scripts/slurm-cluster.sh start
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
.venv/bin/asba rules lint
.venv/bin/asba rules test
.venv/bin/python -m pytest "$@"
