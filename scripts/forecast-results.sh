#!/bin/bash
# The runs behind RESULTS.md's "Forecasting real series": WARP with the built-in forecasting recipe
# (configs/forecast.yaml) for seeds 0, 1, 2 and a GRU (the same recipe, model.model_type=gru) for seed 0,
# on two real series shipped in the vega-datasets npm package; then the table (scripts/forecast-results.mjs).
# Usage: scripts/forecast-results.sh [runs-folder]   (default runs/forecast; ~1 h on 2 busy cores)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-runs/forecast}
V=$ROOT/node_modules/vega-datasets/data
mkdir -p "$OUT"
# name file column context horizon training-stride
SERIES=(
  "sp500 sp500-2000.csv adjclose 56 14 15"
  "temp seattle-weather-hourly-normals.csv temperature 48 24 24"
)
for s in "${SERIES[@]}"; do
  read -r name file column L H stride <<<"$s"
  for ms in wsm:0 wsm:1 wsm:2 gru:0; do
    model=${ms%:*}
    seed=${ms#*:}
    run=$OUT/$name-s$stride-$model-$seed
    [ -f "$run/forecast-eval.json" ] && continue
    rm -rf "$run"
    node "$ROOT/dist/cli/warp.js" train --data "$V/$file" --column "$column" --context "$L" --horizon "$H" \
      --set data.stride="$stride" --set model.model_type="$model" --set general.seed="$seed" --out "$run"
  done
done
node "$ROOT/scripts/forecast-results.mjs" "$OUT"
