// Forecasting windows of one long series: a chronological train/val/test split of the rows, each part cut
// on its own into windows of context + horizon steps (so no window crosses a split boundary and no test
// value reaches training), training windows every `stride` steps, validation and test windows every step.
// Not here: parsing (src/forecast/series.ts, src/data/csv.ts), normalisation (src/forecast/normalization.ts).

import type { Tensor } from "../tensor/tensor.js";
import { assert } from "../util/assert.js";
import { chronologicalSplit, type RowSplit, windowSeries } from "./csv.js";

/** Options of `forecastWindows`. */
export interface ForecastWindowOptions {
  /** Context length L ≥ 1. */
  context: number;
  /** Horizon H ≥ 1. */
  horizon: number;
  /** Steps between training window starts (default 1). */
  stride?: number;
  /** Chronological fractions [train, val, test] (default [0.7, 0.1, 0.2]). */
  split?: readonly [number, number, number];
}

/** Windows (n, L + H, D) of each part, in the series' units (float32); val/test null when too short. */
export interface ForecastWindows {
  train: Tensor;
  val: Tensor | null;
  test: Tensor | null;
  /** The row range [start, end) of each part. */
  rows: RowSplit;
}

/**
 * Splits a row-major (rows, D) series in time order and windows each part on its own. A training part
 * shorter than one window is a WarpError naming the numbers and what to change.
 */
export function forecastWindows(
  values: Float64Array,
  rows: number,
  D: number,
  { context, horizon, stride = 1, split = [0.7, 0.1, 0.2] }: ForecastWindowOptions,
): ForecastWindows {
  assert(Number.isInteger(context) && context >= 1, () => `data.context must be ≥ 1, got ${context}`);
  assert(Number.isInteger(horizon) && horizon >= 1, () => `data.horizon must be ≥ 1, got ${horizon}`);
  const window = context + horizon;
  const parts = chronologicalSplit(rows, split);
  const part = ([s, e]: [number, number], step: number): Tensor | null =>
    e - s >= window ? windowSeries(values.subarray(s * D, e * D), e - s, D, { window, stride: step }) : null;
  const train = part(parts.train, stride);
  const [s0, e0] = parts.train;
  assert(
    train !== null,
    () =>
      `the training part has ${e0 - s0} of ${rows} rows, fewer than one window of context + horizon = ${window}: lower data.context or data.horizon, or raise data.split's training fraction`,
  );
  return { train, val: part(parts.val, 1), test: part(parts.test, 1), rows: parts };
}
