#!/usr/bin/env bash
# Quick start 1: set up, generate the seeded demo logs and run the whole pipeline on them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export FLYWHEEL_DEMO=1 TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="" HF_HUB_OFFLINE=1
flywheel demo "$@"
