#!/usr/bin/env bash
# Quick start 2: set up and run the whole test suite (real-data tests skip when ../shared/realdata is absent).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1
export TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
workers=${FLYWHEEL_TEST_WORKERS:-2}
python -m pytest -n "$workers" --dist loadfile -q "$@"
