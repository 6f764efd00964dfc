#!/usr/bin/env bash
# Refresh docs/img/*.png: materialise a small seeded demo drop with a persistent Dagster instance, start
# `dagster dev -w workspace.yaml`, and capture the asset graph, a partitioned asset, its checks, a report with
# plots and the runs page with headless Chromium (Debian package `chromium`). PNGs are palette-quantised so the set
# stays a few hundred KB.
#   scripts/screenshots.sh [SESSIONS]        (default 120 sessions; needs FLYWHEEL_PII_KEY or uses the demo key)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$REPO/.venv/bin/python}
[ -x "$PY" ] || PY=python
SESSIONS=${1:-120}
WORK=$(mktemp -d)
PORT=${PORT:-3917}
export DAGSTER_HOME=$WORK/dagster_home FLYWHEEL_LOG_DIR=$WORK/landing FLYWHEEL_WAREHOUSE=$WORK/wh/warehouse.duckdb
export PYTHONPATH=$REPO${PYTHONPATH:+:$PYTHONPATH} FLYWHEEL_OUT_DIR=$WORK/out TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
mkdir -p "$DAGSTER_HOME" && cp "$REPO/dagster.yaml" "$DAGSTER_HOME/"
cd "$REPO"
"$PY" -m flywheel_assets.cli demo --sessions "$SESSIONS" --logs "$WORK/demo_logs" --warehouse "$FLYWHEEL_WAREHOUSE" \
    --out "$FLYWHEEL_OUT_DIR" || echo "demo run reported failures (screenshots still taken)"
"$PY" -m dagster dev -w workspace.yaml -h 127.0.0.1 -p "$PORT" >"$WORK/dagster.log" 2>&1 &
DEV=$!
trap 'kill $DEV 2>/dev/null; wait $DEV 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/server_info" >/dev/null 2>&1 && break
  sleep 2
done
sleep 10
# the "Join the Dagster community" dialog (shown once on localhost) would cover every screenshot
curl -sf -H 'Content-Type: application/json' -d '{"query":"mutation { setNuxSeen }"}' \
  "http://127.0.0.1:$PORT/graphql" >/dev/null || true
mkdir -p docs/img
shot() {  # name path
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1440,900 \
    --virtual-time-budget=20000 --screenshot="$WORK/$1.png" "http://127.0.0.1:$PORT$2" >/dev/null 2>&1 || true
  "$PY" - "$WORK/$1.png" "docs/img/$1.png" <<'EOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
im = im.resize((im.width * 3 // 4, im.height * 3 // 4), Image.LANCZOS)
im.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(sys.argv[2], optimize=True)
EOF
}
shot asset_graph "/asset-groups"
shot partitioned_asset "/assets/normalized_events?view=partitions"
shot asset_checks "/assets/redacted_trajectories?view=checks"
shot report_with_plots "/assets/coverage_report?view=events"
shot runs "/runs"
ls -l docs/img
