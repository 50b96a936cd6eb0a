#!/usr/bin/env bash
# Set up everything asba needs in ./.venv on a fresh Debian machine (idempotent).
#   bash scripts/bootstrap.sh            # runtime only (pip install .)
#   bash scripts/bootstrap.sh --test     # editable install with the test extras
# durable-rules ships no wheel: it is compiled from source, so a C compiler and the Python headers are needed.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
pick_python() {
  for py in "${ASBA_PYTHON:-}" python3.11 python3.12 python3; do
    [ -n "$py" ] || continue
    command -v "$py" >/dev/null 2>&1 || continue
    if "$py" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing Debian packages: $*" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "bootstrap: please install these Debian packages first: $*" >&2
    exit 2
  fi
}

PY=$(pick_python) || { apt_install python3 python3-venv python3-dev; PY=$(pick_python) || {
  echo "bootstrap: asba needs Python 3.11 or 3.12 (durable-rules 2.0.28 does not import on 3.13)" >&2; exit 2; }; }

# venv + compiler + headers for durable-rules' C core
"$PY" -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
command -v gcc >/dev/null 2>&1 || apt_install gcc libc6-dev
inc=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$inc/Python.h" ] || apt_install python3-dev

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip setuptools wheel
if [ "$mode" = "--test" ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
  # the browser test of `asba report --html` (tests/report/test_html_report.py) uses Debian's chromium;
  # without it that test is skipped with the reason
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      (apt_install chromium) || echo "bootstrap: chromium could not be installed; the browser test is skipped" >&2
    else
      echo "bootstrap: install Debian's chromium for the browser test of asba report (skipped without it)" >&2
    fi
  fi
else
  .venv/bin/python -m pip install -q .
fi
