// Normalisation of a forecasting series, one definition for train, eval, predict, forecast and the
// library: a global per-channel scaling fitted on the training rows (min-max to [−1, 1], symmetric x/max|x|,
// standard z-score, or none), optionally followed by per-window (instance) normalisation relative to the
// window's context (subtract the context's mean, its last value, or its last season repeated — the seasonal-
// naive forecast, so that the model predicts the departure from it — optionally divide by its standard
// deviation). Both compose into one affine map per window and channel, y = (x − shift_t)/scale, undone as
// x = y·scale + shift_t, and a predicted σ as σ·scale (scaled, never shifted); shift_t is constant in t
// except with "season". Everything is plain JSON-able numbers.
// Not here: windowing (src/data/csv.ts), models.

import type { InstanceNorm, SeriesScaling } from "../config/run-schema.js";
import type { MinMaxStats } from "../data/normalize.js";
import { Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";

/** A series' normalisation: global per-channel y = (x − shift)/scale, then the per-window part. */
export interface SeriesNormalization {
  scaling: SeriesScaling;
  /** Global shift per channel (length D). */
  shift: number[];
  /** Global scale per channel (length D), > 0. */
  scale: number[];
  /** Per-window centring relative to the context ("none": the global map only). */
  instance: InstanceNorm;
  /** With instance "season": the season m (the context's last m steps are repeated); absent: 1. */
  period?: number;
  /** With instance ≠ "none": divide by the context's standard deviation too. */
  instanceScale: boolean;
}

/** Options of `fitSeriesNormalization`. */
export interface SeriesNormalizationOptions {
  /** Global scaling (default "minmax"). */
  scaling?: SeriesScaling;
  /** Per-window centring (default "none"). */
  instance?: InstanceNorm;
  /** Divide each window by its context's standard deviation (default false; needs instance ≠ "none"). */
  instanceScale?: boolean;
  /** The season of instance "season" (default 1: the last value, as "last"). */
  period?: number;
}

/** A context's standard deviation is floored at this fraction of the global scale (flat contexts). */
export const INSTANCE_SCALE_FLOOR = 1e-2;

/**
 * Fits the global part on `rows` rows of a row-major (rows, D) series (the training rows): per channel,
 * minmax: shift = (max + min)/2, scale = (max − min)/2; symmetric: shift 0, scale max|x|; standard: mean
 * and standard deviation; none: 0 and 1. A zero scale (constant channel) becomes 1.
 */
export function fitSeriesNormalization(
  values: ArrayLike<number>,
  rows: number,
  D: number,
  {
    scaling = "minmax",
    instance = "none",
    instanceScale = false,
    period = 1,
  }: SeriesNormalizationOptions = {},
): SeriesNormalization {
  assert(rows >= 1 && values.length >= rows * D, () => `fitSeriesNormalization: no rows to fit on`);
  assert(
    !instanceScale || instance !== "none",
    () => "data.instance_scale needs data.instance_norm (mean, last or season)",
  );
  assert(Number.isInteger(period) && period >= 1, () => `the season must be an integer ≥ 1, got ${period}`);
  const shift: number[] = [];
  const scale: number[] = [];
  for (let d = 0; d < D; d++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[r * D + d]!;
      assert(Number.isFinite(v), () => `fitSeriesNormalization: row ${r}, column ${d} is ${v}`);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      sum += v;
    }
    const mean = sum / rows;
    let ss = 0;
    for (let r = 0; r < rows; r++) ss += (values[r * D + d]! - mean) ** 2;
    const [s, c] =
      scaling === "minmax"
        ? [(hi + lo) / 2, (hi - lo) / 2]
        : scaling === "symmetric"
          ? [0, Math.max(Math.abs(lo), Math.abs(hi))]
          : scaling === "standard"
            ? [mean, Math.sqrt(ss / rows)]
            : [0, 1];
    shift.push(s);
    scale.push(c > 0 ? c : 1);
  }
  return { scaling, shift, scale, instance, instanceScale, ...(instance === "season" ? { period } : {}) };
}

/**
 * The global part as min-max statistics (min = shift − scale, max = shift + scale: `normalize` then
 * computes the same (x − shift)/scale), or null when the map is per-window or the identity.
 */
export function globalStats(n: SeriesNormalization): MinMaxStats | null {
  if (n.instance !== "none" || n.scaling === "none") return null;
  return {
    perChannel: true,
    min: n.shift.map((s, d) => s - n.scale[d]!),
    max: n.shift.map((s, d) => s + n.scale[d]!),
  };
}

/**
 * One affine map per window and channel, y_t = (x_t − shift − pattern_t)/scale: shift and scale (n·D)
 * row-major; with instance "season", pattern (n·period·D) holds the context's last `period` steps, and
 * pattern_t = pattern[(t − context) mod period] (the seasonal-naive continuation, tiled over the window).
 */
export interface WindowAffine {
  shift: Float64Array;
  scale: Float64Array;
  pattern: Float64Array | null;
  period: number;
  context: number;
}

/**
 * The affine map of each window of x (n, T, D) in original units, from its first `context` steps:
 * the global map, or with instance normalisation shift = the context's mean (or last value; or with
 * "season" the pattern of its last m steps) and scale = the global scale, or the context's standard
 * deviation (floored at INSTANCE_SCALE_FLOOR × the global scale) with instanceScale.
 */
export function windowAffine(x: Tensor, norm: SeriesNormalization, context: number): WindowAffine {
  assert(x.ndim === 3, () => `windowAffine: expected windows (n, T, D), got ${fmtShape(x.shape)}`);
  const [n, T, D] = x.shape as [number, number, number];
  assert(
    D === norm.shift.length,
    () => `windowAffine: ${D} channels, the normalisation has ${norm.shift.length}`,
  );
  assert(
    Number.isInteger(context) && context >= 1 && context <= T,
    () => `windowAffine: context ${context} must be in 1..${T}`,
  );
  const period = norm.instance === "season" ? (norm.period ?? 1) : 1;
  assert(
    period <= context,
    () => `the season ${period} of data.instance_norm "season" is longer than the context ${context}`,
  );
  const shift = new Float64Array(n * D);
  const scale = new Float64Array(n * D);
  const pattern = norm.instance === "season" ? new Float64Array(n * period * D) : null;
  const v = x.data;
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < D; d++) {
      const gs = norm.scale[d]!;
      let s = norm.shift[d]!;
      let c = gs;
      if (norm.instance !== "none") {
        let sum = 0;
        for (let t = 0; t < context; t++) sum += v[(i * T + t) * D + d]!;
        const mean = sum / context;
        s =
          norm.instance === "mean" ? mean : norm.instance === "last" ? v[(i * T + context - 1) * D + d]! : 0;
        if (pattern)
          for (let k = 0; k < period; k++)
            pattern[(i * period + k) * D + d] = v[(i * T + context - period + k) * D + d]!;
        if (norm.instanceScale) {
          let ss = 0;
          for (let t = 0; t < context; t++) ss += (v[(i * T + t) * D + d]! - mean) ** 2;
          c = Math.max(Math.sqrt(ss / context), INSTANCE_SCALE_FLOOR * gs);
        }
      }
      shift[i * D + d] = s;
      scale[i * D + d] = c;
    }
  }
  return { shift, scale, pattern, period, context };
}

/** shift + pattern_t of window i, channel d at step t of the window (see WindowAffine). */
function shiftAt(a: WindowAffine, i: number, t: number, d: number, D: number): number {
  const s = a.shift[i * D + d]!;
  if (!a.pattern) return s;
  const k = (((t - a.context) % a.period) + a.period) % a.period;
  return s + a.pattern[(i * a.period + k) * D + d]!;
}

/** y = (x − shift)/scale per window and channel; x (n, T, D) → float32 (the models' dtype). */
export function applyAffine(x: Tensor, a: WindowAffine): Tensor {
  const [n, T, D] = x.shape as [number, number, number];
  assert(a.shift.length === n * D, () => `applyAffine: maps for ${a.shift.length / D} windows, x has ${n}`);
  const out = new Float32Array(n * T * D);
  const v = x.data;
  for (let i = 0; i < n; i++)
    for (let t = 0; t < T; t++)
      for (let d = 0; d < D; d++) {
        const k = (i * T + t) * D + d;
        out[k] = (v[k]! - shiftAt(a, i, t, d, D)) / a.scale[i * D + d]!;
      }
  return new Tensor(out, [n, T, D]);
}

/**
 * The inverse, x = y·scale + shift_t (σ with `scaleOnly`: σ·scale), for y (n, T, D) → float64 whose first
 * step is step `from` of the window (e.g. the context length for a horizon).
 */
export function undoAffine(y: Tensor, a: WindowAffine, scaleOnly = false, from = 0): Tensor {
  const [n, T, D] = y.shape as [number, number, number];
  assert(a.shift.length === n * D, () => `undoAffine: maps for ${a.shift.length / D} windows, y has ${n}`);
  const out = new Float64Array(n * T * D);
  const v = y.data;
  for (let i = 0; i < n; i++)
    for (let t = 0; t < T; t++)
      for (let d = 0; d < D; d++) {
        const k = (i * T + t) * D + d;
        out[k] = v[k]! * a.scale[i * D + d]! + (scaleOnly ? 0 : shiftAt(a, i, from + t, d, D));
      }
  return new Tensor(out, [n, T, D]);
}
