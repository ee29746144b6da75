// Classical forecasting baselines, scored on the same windows as WARP: persistence (the last context value),
// seasonal naive (the value one season earlier, season given or detected from the training rows' auto-
// correlation), and AR(p) with intercept fitted per channel by least squares on the training rows, p chosen
// by horizon MAE on the validation windows, forecast recursively. Also the horizon-only metrics (MAE, RMSE,
// MASE) they and WARP are compared with. Windows are (n, L + H, D) in original units; forecasts (n, H, D)
// float64. Not here: the neural models.

import { Tensor } from "../tensor/tensor.js";
import { assert, WarpError } from "../util/assert.js";

const dims = (x: Tensor) => x.shape as [number, number, number];

/** ŷ_{L+h} = x_{L−1}: every horizon step repeats the last context value. */
export function persistenceForecast(x: Tensor, context: number, horizon: number): Tensor {
  return seasonalNaiveForecast(x, context, horizon, 1);
}

/** ŷ_{L+h} = x_{L−m+(h mod m)}: the last season of the context repeated (m = 1 is persistence). */
export function seasonalNaiveForecast(x: Tensor, context: number, horizon: number, season: number): Tensor {
  const [n, T, D] = dims(x);
  assert(
    Number.isInteger(season) && season >= 1 && season <= context,
    () => `seasonal naive: the season ${season} must be in 1..context (${context})`,
  );
  assert(context <= T, () => `seasonal naive: context ${context} exceeds the window's ${T} steps`);
  const out = new Float64Array(n * horizon * D);
  for (let i = 0; i < n; i++)
    for (let h = 0; h < horizon; h++)
      for (let d = 0; d < D; d++)
        out[(i * horizon + h) * D + d] = x.data[(i * T + context - season + (h % season)) * D + d]!;
  return new Tensor(out, [n, horizon, D]);
}

/**
 * The season of a (rows, D) series: the lag in 2..maxLag with the highest autocorrelation (averaged over
 * channels, of the first differences so that trends do not dominate) among its local maxima, if that is
 * at least `threshold` (default 0.2); else null.
 */
export function detectSeason(
  values: ArrayLike<number>,
  rows: number,
  D: number,
  maxLag: number,
  threshold = 0.2,
): number | null {
  const n = rows - 1;
  const top = Math.min(maxLag, Math.floor(n / 2));
  if (top < 2) return null;
  const acf = new Float64Array(top + 2);
  for (let d = 0; d < D; d++) {
    const diff = new Float64Array(n);
    for (let t = 0; t < n; t++) diff[t] = values[(t + 1) * D + d]! - values[t * D + d]!;
    const mean = diff.reduce((a, b) => a + b, 0) / n;
    let c0 = 0;
    for (let t = 0; t < n; t++) c0 += (diff[t]! - mean) ** 2;
    if (c0 === 0) continue;
    for (let lag = 1; lag <= top + 1 && lag < n; lag++) {
      let c = 0;
      for (let t = lag; t < n; t++) c += (diff[t]! - mean) * (diff[t - lag]! - mean);
      acf[lag] = acf[lag]! + c / c0 / D;
    }
  }
  let best: number | null = null;
  for (let lag = 2; lag <= top; lag++) {
    const peak = acf[lag]! >= acf[lag - 1]! && acf[lag]! >= acf[lag + 1]!;
    if (peak && acf[lag]! >= threshold && (best === null || acf[lag]! > acf[best]!)) best = lag;
  }
  return best;
}

/** An AR(p) model per channel: x_t = c + Σ_{k=1..p} a_k x_{t−k}; coef (D, p + 1) as [c, a_1, …, a_p]. */
export interface ArModel {
  p: number;
  coef: number[][];
}

/** Solves the symmetric positive (semi)definite system M w = b by Gaussian elimination with pivoting. */
function solve(M: Float64Array, b: Float64Array, k: number): Float64Array {
  const A = Float64Array.from(M);
  const y = Float64Array.from(b);
  let trace = 0;
  for (let i = 0; i < k; i++) trace += A[i * k + i]!;
  // A tiny ridge keeps collinear lags (constant stretches) solvable.
  for (let i = 0; i < k; i++) A[i * k + i] = A[i * k + i]! + 1e-10 * (trace / k + 1);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r * k + c]!) > Math.abs(A[piv * k + c]!)) piv = r;
    if (piv !== c) {
      for (let j = 0; j < k; j++) [A[c * k + j], A[piv * k + j]] = [A[piv * k + j]!, A[c * k + j]!];
      [y[c], y[piv]] = [y[piv]!, y[c]!];
    }
    const d = A[c * k + c]!;
    for (let r = c + 1; r < k; r++) {
      const f = A[r * k + c]! / d;
      if (f === 0) continue;
      for (let j = c; j < k; j++) A[r * k + j] = A[r * k + j]! - f * A[c * k + j]!;
      y[r] = y[r]! - f * y[c]!;
    }
  }
  const w = new Float64Array(k);
  for (let r = k - 1; r >= 0; r--) {
    let s = y[r]!;
    for (let j = r + 1; j < k; j++) s -= A[r * k + j]! * w[j]!;
    w[r] = s / A[r * k + r]!;
  }
  return w;
}

/** Fits AR(p) per channel by least squares on every t = p..rows−1 of a (rows, D) series. */
export function fitAr(values: ArrayLike<number>, rows: number, D: number, p: number): ArModel {
  assert(Number.isInteger(p) && p >= 1, () => `AR: p must be ≥ 1, got ${p}`);
  assert(rows > p + 1, () => `AR(${p}): needs more than ${p + 1} rows, got ${rows}`);
  const k = p + 1;
  const coef: number[][] = [];
  for (let d = 0; d < D; d++) {
    const M = new Float64Array(k * k);
    const b = new Float64Array(k);
    const z = new Float64Array(k);
    for (let t = p; t < rows; t++) {
      z[0] = 1;
      for (let j = 1; j <= p; j++) z[j] = values[(t - j) * D + d]!;
      const target = values[t * D + d]!;
      for (let i = 0; i < k; i++) {
        b[i] = b[i]! + z[i]! * target;
        for (let j = 0; j < k; j++) M[i * k + j] = M[i * k + j]! + z[i]! * z[j]!;
      }
    }
    coef.push(Array.from(solve(M, b, k)));
  }
  return { p, coef };
}

/** The recursive H-step forecast of an AR model from each window's first `context` steps. */
export function arForecast(model: ArModel, x: Tensor, context: number, horizon: number): Tensor {
  const [n, T, D] = dims(x);
  const { p, coef } = model;
  assert(p <= context && context <= T, () => `AR(${p}): needs p ≤ context ≤ ${T}, got context ${context}`);
  const out = new Float64Array(n * horizon * D);
  const buf = new Float64Array(p + horizon);
  for (let i = 0; i < n; i++)
    for (let d = 0; d < D; d++) {
      const a = coef[d]!;
      for (let j = 0; j < p; j++) buf[j] = x.data[(i * T + context - p + j) * D + d]!;
      for (let h = 0; h < horizon; h++) {
        let s = a[0]!;
        for (let j = 1; j <= p; j++) s += a[j]! * buf[p + h - j]!;
        buf[p + h] = s;
        out[(i * horizon + h) * D + d] = s;
      }
    }
  return new Tensor(out, [n, horizon, D]);
}

/** Horizon-only metrics in the data's units: MAE, RMSE, and MASE = mean over channels of MAE_d / scale_d. */
export interface HorizonMetrics {
  mae: number;
  rmse: number;
  mase: number;
}

/** The horizon steps (n, H, D) of windows x (n, L + H, D). */
export function horizonOf(x: Tensor, context: number): Tensor {
  const [n, T, D] = dims(x);
  const H = T - context;
  const out = new Float64Array(n * H * D);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < H * D; k++) out[i * H * D + k] = x.data[(i * T + context) * D + k]!;
  return new Tensor(out, [n, H, D]);
}

/**
 * MAE, RMSE and MASE of forecasts (n, H, D) against the truth (n, H, D). `scale` (length D) is MASE's
 * denominator per channel, the training rows' mean |x_t − x_{t−1}| (see `naiveScale`).
 */
export function horizonMetrics(pred: Tensor, truth: Tensor, scale: readonly number[]): HorizonMetrics {
  const [n, H, D] = dims(truth);
  assert(
    pred.shape.length === 3 && pred.shape.every((s, a) => s === truth.shape[a]),
    () => `horizonMetrics: forecasts (${pred.shape.join(", ")}) and truth (${truth.shape.join(", ")}) differ`,
  );
  assert(scale.length === D, () => `horizonMetrics: ${scale.length} MASE scales for ${D} channels`);
  let abs = 0;
  let sq = 0;
  const absD = new Float64Array(D);
  for (let k = 0; k < n * H * D; k++) {
    const e = pred.data[k]! - truth.data[k]!;
    if (!Number.isFinite(e)) throw new WarpError(`horizonMetrics: forecast value ${k} is ${pred.data[k]}`);
    abs += Math.abs(e);
    sq += e * e;
    absD[k % D] = absD[k % D]! + Math.abs(e);
  }
  const count = n * H * D;
  let mase = 0;
  for (let d = 0; d < D; d++) mase += absD[d]! / (n * H) / (scale[d]! > 0 ? scale[d]! : 1) / D;
  return { mae: abs / count, rmse: Math.sqrt(sq / count), mase };
}

/** MASE's scale per channel: the mean |x_t − x_{t−1}| over a (rows, D) series (the training rows). */
export function naiveScale(values: ArrayLike<number>, rows: number, D: number): number[] {
  return Array.from({ length: D }, (_, d) => {
    let s = 0;
    for (let t = 1; t < rows; t++) s += Math.abs(values[t * D + d]! - values[(t - 1) * D + d]!);
    return rows > 1 ? s / (rows - 1) : 1;
  });
}

/** A fitted baseline suite: the season used (or null) and the chosen AR model. */
export interface ClassicalBaselines {
  season: number | null;
  ar: ArModel;
}

/**
 * Fits the baselines on the training rows (rows, D): the season (given, else detected up to the context
 * length), and AR(p) for p in 1..min(context, maxP) chosen by horizon MAE on `select` windows (the
 * validation windows; the training rows' AR fit is scored on them).
 */
export function fitClassicalBaselines(
  train: ArrayLike<number>,
  rows: number,
  D: number,
  select: Tensor,
  context: number,
  { season = null, maxP = 24 }: { season?: number | null; maxP?: number } = {},
): ClassicalBaselines {
  const m = season ?? detectSeason(train, rows, D, context);
  const horizon = select.shape[1]! - context;
  const truth = horizonOf(select, context);
  let best: { mae: number; ar: ArModel } | null = null;
  for (let p = 1; p <= Math.min(context, maxP, rows - 2); p++) {
    const ar = fitAr(train, rows, D, p);
    const pred = arForecast(ar, select, context, horizon);
    let mae = 0;
    for (let k = 0; k < pred.size; k++) mae += Math.abs(pred.data[k]! - truth.data[k]!);
    mae /= pred.size;
    if (Number.isFinite(mae) && (best === null || mae < best.mae)) best = { mae, ar };
  }
  assert(best !== null, () => "AR: no order p gave finite forecasts on the selection windows");
  return { season: m !== null && m <= context ? m : null, ar: best.ar };
}

/** The baselines' forecasts (n, H, D) for windows x, by name (seasonal naive only with a season). */
export function classicalForecasts(
  b: ClassicalBaselines,
  x: Tensor,
  context: number,
  horizon: number,
): Record<string, Tensor> {
  const out: Record<string, Tensor> = { persistence: persistenceForecast(x, context, horizon) };
  if (b.season !== null)
    out[`seasonal_naive(${b.season})`] = seasonalNaiveForecast(x, context, horizon, b.season);
  out[`ar(${b.ar.p})`] = arForecast(b.ar, x, context, horizon);
  return out;
}
