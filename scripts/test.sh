#!/usr/bin/env bash
# Quick start 2: set up and run the whole test suite (real-data tests skip when ../shared/realdata is absent).
set -euo pipefail
cd "$(dirname "$0")/.."
# a real Postgres for the DuckLake-on-Postgres tests (flywheel_assets_tests/lake_fixtures.py
# starts it); without root or apt those tests skip and say why
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) || echo "postgresql not installed"
fi
bash scripts/setup.sh
. .venv/bin/activate
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1
export TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
workers=${FLYWHEEL_TEST_WORKERS:-2}
python -m pytest -n "$workers" --dist loadfile -q "$@"
