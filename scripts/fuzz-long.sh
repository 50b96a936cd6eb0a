#!/usr/bin/env bash
# The long property-based run: every hypothesis property of tests/hardening with 20,000 examples each
# (the pack loader too), on fresh random seeds. CI runs the same properties at 2,000 (the pack loader at
# 10,000) with a fixed seed. Prints pytest's summary; any crash fails the run with the example that caused it.
#   bash scripts/fuzz-long.sh [EXAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-20000}"
export ASBA_FUZZ_EXAMPLES="$examples" ASBA_FUZZ_PACK_EXAMPLES="$examples" ASBA_FUZZ_RANDOM=1
exec .venv/bin/python -m pytest tests/hardening -q -p no:randomly -k fuzz --durations=0 "${@:2}"
