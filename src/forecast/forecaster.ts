// Forecasting with a trained sequence model, shared by the CLI (train, eval, predict, forecast) and the
// library API: the forecasting spec a checkpoint carries (L, H, columns, normalisation, MASE scale, season),
// the normalised datasets of a series, the rollout forecast of windows in original units (σ scaled, not
// shifted), the continuation of a history past its end on the training time grid, and the comparison with
// the classical baselines on the same windows. No I/O.

import {
  type ClassicalBaselines,
  classicalForecasts,
  fitClassicalBaselines,
  type HorizonMetrics,
  horizonMetrics,
  horizonOf,
  naiveScale,
  persistenceForecast,
  seasonalNaiveForecast,
} from "../baselines/classical.js";
import type { CsvSeries } from "../data/csv.js";
import { arrayDataset, type Dataset } from "../data/dataset.js";
import { type ForecastWindows, forecastWindows } from "../data/windows.js";
import type { SequenceModel } from "../sequence-model.js";
import { Tensor } from "../tensor/tensor.js";
import { assert, WarpError } from "../util/assert.js";
import {
  applyAffine,
  fitSeriesNormalization,
  type SeriesNormalization,
  type SeriesNormalizationOptions,
  undoAffine,
  windowAffine,
} from "./normalization.js";

/** What a forecasting checkpoint carries beside the model (metadata "forecast", JSON). */
export interface ForecastSpec {
  /** Context length L. */
  context: number;
  /** Horizon H of the training windows (the model's time grid spans L + H steps). */
  horizon: number;
  /** The series' column names, in channel order. */
  columns: string[];
  normalization: SeriesNormalization;
  /** MASE's scale per channel: the training rows' mean |x_t − x_{t−1}|. */
  maseScale: number[];
  /** The classical baselines fitted on the training rows (season; AR order chosen on validation). */
  baselines: ClassicalBaselines;
}

/** Options of `forecastData`. */
export interface ForecastDataOptions extends SeriesNormalizationOptions {
  context: number;
  horizon: number;
  stride?: number;
  split?: readonly [number, number, number];
  /** Season of the seasonal-naive baseline (default: detected). */
  season?: number | null;
}

/** A series ready to train on: windows in original units, normalised datasets, the spec. */
export interface ForecastData {
  spec: ForecastSpec;
  /** Windows (n, L + H, D) in original units, and the row range of each part. */
  windows: ForecastWindows;
  train: Dataset;
  val: Dataset | null;
  test: Dataset | null;
  /** The training rows (rows, D), row-major, original units. */
  trainRows: Float64Array;
}

/** Cuts, normalises and packs a series for forecasting (see forecastWindows and normalization.ts). */
export function forecastData(series: CsvSeries, o: ForecastDataOptions): ForecastData {
  const D = series.columns.length;
  const windows = forecastWindows(series.values, series.rows, D, o);
  const [s0, e0] = windows.rows.train;
  const trainRows = series.values.subarray(s0 * D, e0 * D);
  const baselines = fitClassicalBaselines(trainRows, e0 - s0, D, windows.val ?? windows.train, o.context, {
    season: o.season ?? null,
  });
  const normalization = fitSeriesNormalization(trainRows, e0 - s0, D, {
    ...o,
    period: o.instance === "season" ? referencePeriod(baselines.season, windows.val ?? windows.train, o) : 1,
  });
  const ds = (x: Tensor | null) =>
    x ? arrayDataset({ x: applyAffine(x, windowAffine(x, normalization, o.context)) }) : null;
  return {
    spec: {
      context: o.context,
      horizon: o.horizon,
      columns: series.columns,
      normalization,
      maseScale: naiveScale(trainRows, e0 - s0, D),
      baselines,
    },
    windows,
    train: ds(windows.train)!,
    val: ds(windows.val),
    test: ds(windows.test),
    trainRows,
  };
}

/**
 * The period of instance "season": the baselines' season when seasonal naive beats persistence (MAE over
 * the horizons of windows x, the validation windows), else 1 (the last value, as "last") — a season that
 * does not forecast better than the last value is not worth repeating.
 */
function referencePeriod(season: number | null, x: Tensor, o: ForecastDataOptions): number {
  if (season === null || season === 1) return 1;
  const truth = horizonOf(x, o.context);
  const mae = (f: Tensor) => horizonMetrics(f, truth, Array(x.shape[2]!).fill(1)).mae;
  const naive = seasonalNaiveForecast(x, o.context, o.horizon, season);
  return mae(naive) < mae(persistenceForecast(x, o.context, o.horizon)) ? season : 1;
}

/** Forecasts in original units: means (n, H, D) and the predicted σ (n, H, D) when the model has one. */
export interface WindowForecast {
  mean: Tensor;
  std: Tensor | null;
}

/** A normalised forecast beyond this magnitude (1000 × the training scale) counts as exploding. */
export const EXPLODING_LIMIT = 1e3;

/**
 * The model's rollout from the first L steps of each window x (n, ≥ L, D) in original units: normalised
 * as in training, fed for t < L, then the model's own predictions for H steps on the training grid of
 * L + H steps; de-normalised. A non-finite or exploding value is a WarpError naming the window.
 */
export function rolloutForecast<P extends object>(
  model: SequenceModel<P>,
  params: P,
  spec: ForecastSpec,
  x: Tensor,
): WindowForecast {
  const { context: L, horizon: H } = spec;
  assert(x.ndim === 3, () => `forecast: expected windows (n, T, D), got (${x.shape.join(", ")})`);
  const [n, T, D] = x.shape as [number, number, number];
  assert(
    D === spec.columns.length,
    () => `forecast: ${D} channels, the model was trained on ${spec.columns.length}`,
  );
  assert(T >= L, () => `forecast: a history of ${T} steps is shorter than the context ${L}`);
  const affine = windowAffine(x, spec.normalization, L);
  const normed = applyAffine(x, affine);
  const input = new Float32Array(n * (L + H) * D);
  for (let i = 0; i < n; i++) input.set(normed.data.subarray(i * T * D, (i * T + L) * D), i * (L + H) * D);
  const y = model.predict(params, new Tensor(input, [n, L + H, D]), { context: L });
  const W = y.shape[2]!;
  const pick = (from: number) => {
    const out = new Float32Array(n * H * D);
    for (let i = 0; i < n; i++)
      for (let h = 0; h < H; h++)
        for (let d = 0; d < D; d++) out[(i * H + h) * D + d] = y.data[(i * (L + H) + L + h) * W + from + d]!;
    return new Tensor(out, [n, H, D]);
  };
  const mean = pick(0);
  const std = W === 2 * D ? pick(D) : null;
  for (const [what, t] of [
    ["mean", mean],
    ["σ", std],
  ] as const) {
    if (!t) continue;
    for (let k = 0; k < t.size; k++) {
      const v = t.data[k]!;
      if (!Number.isFinite(v) || Math.abs(v) > EXPLODING_LIMIT) {
        const i = Math.floor(k / (H * D));
        throw new WarpError(
          `forecast: window ${i}, horizon step ${Math.floor(k / D) % H}: the predicted ${what} is ${Number.isFinite(v) ? `${v.toPrecision(3)} (normalised; beyond ${EXPLODING_LIMIT}, exploding)` : v}; the rollout diverges from this context`,
        );
      }
    }
  }
  return { mean: undoAffine(mean, affine, false, L), std: std ? undoAffine(std, affine, true) : null };
}

/**
 * Continues a history (rows, D) in original units `steps` steps past its end: the rollout from its last
 * L rows for H steps, then again from the last L rows of history + forecast, until `steps` are done.
 * σ of later chunks is conditioned on the earlier forecasts (it does not add their uncertainty).
 */
export function forecastSeries<P extends object>(
  model: SequenceModel<P>,
  params: P,
  spec: ForecastSpec,
  history: Float64Array,
  rows: number,
  steps: number,
): { mean: Float64Array; std: Float64Array | null } {
  const { context: L, horizon: H } = spec;
  const D = spec.columns.length;
  assert(Number.isInteger(steps) && steps >= 1, () => `forecast: the horizon must be ≥ 1, got ${steps}`);
  assert(
    rows >= L,
    () => `forecast: the history has ${rows} rows, fewer than the model's context of ${L} steps`,
  );
  const all = new Float64Array((rows + steps) * D);
  all.set(history.subarray(0, rows * D));
  let std: Float64Array | null = null;
  for (let done = 0; done < steps; done += H) {
    const end = rows + done;
    const ctx = new Tensor(all.slice((end - L) * D, end * D), [1, L, D]);
    const f = rolloutForecast(model, params, spec, ctx);
    const k = Math.min(H, steps - done);
    all.set(f.mean.data.subarray(0, k * D) as Float64Array, end * D);
    if (f.std) {
      std ??= new Float64Array(steps * D);
      std.set(f.std.data.subarray(0, k * D) as Float64Array, done * D);
    }
  }
  return { mean: all.slice(rows * D), std };
}

/** Horizon-only metrics of WARP (or another model) and the baselines on the same windows. */
export interface ForecastComparison {
  /** Number of windows scored. */
  windows: number;
  /** Metrics by model name: "model" first, then persistence, seasonal_naive(m), ar(p). */
  metrics: Record<string, HorizonMetrics>;
  /** Forecasts (n, H, D) by the same names, original units. */
  forecasts: Record<string, Tensor>;
  /** The model's σ (n, H, D), or null. */
  std: Tensor | null;
}

/** Scores the model and the baselines on windows x (n, L + H, D), horizon only, in original units. */
export function compareForecasts<P extends object>(
  model: SequenceModel<P>,
  params: P,
  spec: ForecastSpec,
  x: Tensor,
): ForecastComparison {
  const { context: L, horizon: H } = spec;
  assert(x.shape[1] === L + H, () => `compareForecasts: windows of ${x.shape[1]} steps, expected ${L + H}`);
  const truth = horizonOf(x, L);
  const own = rolloutForecast(model, params, spec, x);
  const forecasts: Record<string, Tensor> = {
    model: own.mean,
    ...classicalForecasts(spec.baselines, x, L, H),
  };
  const metrics: Record<string, HorizonMetrics> = {};
  for (const [k, f] of Object.entries(forecasts)) metrics[k] = horizonMetrics(f, truth, spec.maseScale);
  return { windows: x.shape[0]!, metrics, forecasts, std: own.std };
}
