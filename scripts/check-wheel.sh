#!/usr/bin/env bash
# Build a real wheel and prove it is complete: install it into a fresh venv per supported Python and run
# `asba --version`, `asba rules test` and the embedded-default demo from a directory outside the repository.
# ASBA_WHEEL_TIMING=N also times N cold runs of that demo (median wall and CPU).
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
    if [ "${ASBA_WHEEL_TIMING:-0}" -gt 0 ]; then  # cold start of that answer: median of N whole processes
      PATH="$env/bin" "$env/bin/python" - "$ASBA_WHEEL_TIMING" "$env/bin/asba" "$repo/examples/overalloc.sbatch" <<'PY'
import os, resource, statistics, subprocess, sys, time
rounds, asba, script = int(sys.argv[1]), sys.argv[2], sys.argv[3]
walls, cpus = [], []
for _ in range(rounds):
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([asba, "explain", script], stdout=subprocess.DEVNULL, check=True, env=dict(os.environ))
    walls.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
print(f"cold asba explain (embedded default, bytecode): median {statistics.median(walls):.3f} s wall "
      f"(min {min(walls):.3f}, max {max(walls):.3f}), {statistics.median(cpus):.3f} s CPU, {rounds} runs")
PY
    fi
  )
done
