#!/usr/bin/env bash
# Run asba's benchmarks (pytest-benchmark). Each compares asba against a baseline measured in the same run;
# medians and ratios are printed. Machines are noisy: read ratios, not absolute times.
#   bash scripts/bench.sh                         # all of them
#   bash scripts/bench.sh benchmarks/bench_engine.py
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
if [ $# -eq 0 ]; then set -- benchmarks/bench_*.py; fi
.venv/bin/python -m pytest "$@" --benchmark-enable -s -p no:cacheprovider -o testpaths=benchmarks
