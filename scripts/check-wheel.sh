#!/usr/bin/env bash
# Build a real wheel and prove it is complete: install it into a fresh venv per supported Python and run
# `asba --version`, `asba rules test` and the embedded-default demo from a directory outside the repository.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$repo/.venv/bin/python" -m pip wheel -q --no-deps -w "$work/dist" "$repo" >/dev/null
wheel=$(ls "$work"/dist/asba-*.whl)
echo "built $(basename "$wheel")"

pythons=("$repo/.venv/bin/python")
for extra in python3.12 "$HOME/.pyenv/versions/3.12.1/bin/python3.12"; do
  if command -v "$extra" >/dev/null 2>&1 && "$extra" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
    pythons+=("$(command -v "$extra")"); break
  fi
done

for py in "${pythons[@]}"; do
  ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  env="$work/venv-$ver"
  "$py" -m venv "$env"
  "$env/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$env/bin/python" -m pip install -q "$wheel"
  (
    cd "$work"
    export ASBA_HOME="$work/home-$ver"
    "$env/bin/asba" --version
    "$env/bin/asba" rules test >/dev/null
    echo "python $ver: asba --version and asba rules test pass from the installed wheel"
    "$env/bin/asba" explain "$repo/examples/overalloc.sbatch" >/dev/null
    echo "python $ver: asba explain examples/overalloc.sbatch works from the installed wheel"
    # the embedded default: no SLURM commands on PATH -> the shipped cluster snapshot, clearly labelled
    PATH="$env/bin" "$env/bin/asba" explain "$repo/examples/overalloc.sbatch" | grep -q "shipped example snapshot"
    echo "python $ver: without SLURM on PATH, asba explain answers from the shipped snapshot and says so"
  )
done
