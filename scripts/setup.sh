#!/usr/bin/env bash
# Create .venv and install flywheel with its test extras. torch is pinned to the CPU build via constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for c in python3.11 python3.12 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(0 if (3,11) <= sys.version_info[:2] < (3,13) else 1)'; then PY=$c; break; fi
  done
fi
[ -n "$PY" ] || { echo "need Python 3.11 or 3.12" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
. .venv/bin/activate
export PIP_CONSTRAINT="$PWD/constraints.txt"
pip install -q --upgrade pip setuptools wheel
pip install -q -c constraints.txt -e ".[test,bench]"
python - <<'PY'
import torch, sys
assert torch.__version__.startswith("2.13.0"), f"unexpected torch {torch.__version__} (constraints.txt pins the CPU build)"
print(f"flywheel env ready: python {sys.version.split()[0]}, torch {torch.__version__}")
PY
