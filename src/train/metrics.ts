// Evaluation metrics of docs/model.md §3 as plain functions returning numbers (accumulated in float64, no
// autograd): MSE, RMSE, MAE, MAPE and Gaussian NLL from the context length on, the paper's image BPD
// recipe, and accuracy / error rate / macro-F1 / confusion matrix for classification.
// Not here: training losses (warp/loss.ts, which return differentiable tensors), or the rollouts that
// produce predictions. Sequences are (N, T, …) with time on axis 1.

import { denormalize, type MinMaxStats } from "../data/normalize.js";
import type { Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";

/** Values for the regression metrics: a tensor (N, T, …) (time on axis 1), or a flat array / 1-D tensor. */
export type MetricValues = Tensor | ArrayLike<number>;

/** Options of the sequence metrics. */
export interface MetricOptions {
  /**
   * Score only steps t ≥ context (time axis 1; default 0 = every step). For the autoregressive tasks
   * pass the context length (e.g. 100 for MSD, 1 for SINE). Needs a tensor of rank ≥ 2.
   */
  context?: number;
}

/** Mean absolute values below this are skipped by `mape`. */
export const MAPE_EPSILON = 1e-8;

const isTensor = (v: MetricValues): v is Tensor => "shape" in v && "data" in v;
const valuesOf = (v: MetricValues): ArrayLike<number> => (isTensor(v) ? v.data : v);
const shapeOf = (v: MetricValues): readonly number[] => (isTensor(v) ? v.shape : [v.length]);

/**
 * Calls fn(i) for every flat index i of `shape` whose step (axis 1) is ≥ context; returns the count.
 * Shapes of rank < 2 have no time axis and need context 0.
 */
function forEachScored(
  what: string,
  shape: readonly number[],
  context: number,
  fn: (i: number) => void,
): number {
  const size = shape.reduce((a, b) => a * b, 1);
  if (context === 0 || shape.length < 2) {
    assert(
      context === 0,
      () =>
        `${what}: context ${context} needs values with a time axis (N, T, …), got shape ${fmtShape(shape)}`,
    );
    for (let i = 0; i < size; i++) fn(i);
    return size;
  }
  const [N, T] = shape as [number, number];
  assert(
    Number.isInteger(context) && context >= 0 && context < T,
    () => `${what}: context must be an integer in [0, ${T}) for shape ${fmtShape(shape)}, got ${context}`,
  );
  const inner = size / (N * T);
  for (let n = 0; n < N; n++) {
    for (let i = (n * T + context) * inner, end = (n + 1) * T * inner; i < end; i++) fn(i);
  }
  return N * (T - context) * inner;
}

/** Checks that all arrays share one shape; returns it. */
function sameShapes(what: string, names: string[], vs: MetricValues[]): readonly number[] {
  const s0 = shapeOf(vs[0]!);
  vs.forEach((v, k) => {
    const s = shapeOf(v);
    assert(
      s.length === s0.length && s.every((d, a) => d === s0[a]),
      () => `${what}: ${names[k]} ${fmtShape(s)} and ${names[0]} ${fmtShape(s0)} differ in shape`,
    );
  });
  assert(s0.reduce((a, b) => a * b, 1) > 0, () => `${what}: no values to score (shape ${fmtShape(s0)})`);
  return s0;
}

/** mean over scored elements of f(ŷ_i, y_i). */
function meanOf(
  what: string,
  pred: MetricValues,
  target: MetricValues,
  context: number,
  f: (p: number, y: number) => number,
): number {
  const shape = sameShapes(what, ["prediction", "target"], [pred, target]);
  const p = valuesOf(pred);
  const y = valuesOf(target);
  let s = 0;
  const count = forEachScored(what, shape, context, (i) => {
    s += f(p[i]!, y[i]!);
  });
  return s / count;
}

/** Mean squared error: mean over (N, t ≥ context, D) of (ŷ − y)². Shapes must match. */
export function mse(pred: MetricValues, target: MetricValues, { context = 0 }: MetricOptions = {}): number {
  return meanOf("mse", pred, target, context, (p, y) => (p - y) ** 2);
}

/** Root mean squared error: √mse (the root of the mean over all scored elements, not a mean of roots). */
export function rmse(pred: MetricValues, target: MetricValues, options: MetricOptions = {}): number {
  return Math.sqrt(mse(pred, target, options));
}

/** Mean absolute error: mean over (N, t ≥ context, D) of |ŷ − y|. */
export function mae(pred: MetricValues, target: MetricValues, { context = 0 }: MetricOptions = {}): number {
  return meanOf("mae", pred, target, context, (p, y) => Math.abs(p - y));
}

/**
 * Mean absolute percentage error as a fraction (×100 for percent): mean of |ŷ − y| / |y| over the
 * scored elements (t ≥ context) with |y| ≥ 1e−8 (MAPE_EPSILON); elements with |y| < 1e−8 are skipped,
 * not clamped, so zeros in the target do not blow it up. NaN when every element is skipped.
 */
export function mape(pred: MetricValues, target: MetricValues, { context = 0 }: MetricOptions = {}): number {
  const shape = sameShapes("mape", ["prediction", "target"], [pred, target]);
  const p = valuesOf(pred);
  const y = valuesOf(target);
  let s = 0;
  let kept = 0;
  forEachScored("mape", shape, context, (i) => {
    const yi = y[i]!;
    if (Math.abs(yi) < MAPE_EPSILON) return;
    s += Math.abs(p[i]! - yi) / Math.abs(yi);
    kept++;
  });
  return kept === 0 ? Number.NaN : s / kept;
}

/**
 * Gaussian negative log-likelihood without the ½·log 2π constant, as the training loss:
 * mean over (N, t ≥ context, D) of log σ + ½((y − μ)/σ)². mean, std and target share one shape; σ > 0.
 */
export function nll(
  mean: MetricValues,
  std: MetricValues,
  target: MetricValues,
  { context = 0 }: MetricOptions = {},
): number {
  const shape = sameShapes("nll", ["mean", "std", "target"], [mean, std, target]);
  const mu = valuesOf(mean);
  const sd = valuesOf(std);
  const y = valuesOf(target);
  let s = 0;
  const count = forEachScored("nll", shape, context, (i) => {
    const sigma = sd[i]!;
    s += Math.log(sigma) + 0.5 * ((y[i]! - mu[i]!) / sigma) ** 2;
  });
  return s / count;
}

/** Image metrics as the paper reports them. */
export interface ImageBpdResult {
  /** Bits per dimension: nll·log2(e). */
  bpd: number;
  /** Gaussian NLL in nats, with the ½·log 2π constant, on the [0, 1] scale (σ unscaled). */
  nll: number;
  /** mean((y01 − μ01)²) on the [0, 1] scale. */
  mse: number;
}

/**
 * The paper's image recipe for pixels in [−1, 1]: y01 = (y + 1)/2, μ01 = (μ + 1)/2, σ left unscaled
 * (as the reference does: not halved) and floored at 1e−8;
 * nll = mean over the scored pixels and steps of ½·log(2πσ²) + ½(y01 − μ01)²/σ²; BPD = nll·log2(e);
 * MSE = mean((y01 − μ01)²). mean, std, target: same shape, e.g. (N, 784, 1); `context` skips the
 * given pixels (default: every step scored).
 */
export function imageBpd(
  mean: MetricValues,
  std: MetricValues,
  target: MetricValues,
  { context = 0 }: MetricOptions = {},
): ImageBpdResult {
  const shape = sameShapes("imageBpd", ["mean", "std", "target"], [mean, std, target]);
  const mu = valuesOf(mean);
  const sd = valuesOf(std);
  const y = valuesOf(target);
  let sNll = 0;
  let sMse = 0;
  const count = forEachScored("imageBpd", shape, context, (i) => {
    const sigma = Math.max(sd[i]!, 1e-8);
    const d = (y[i]! + 1) / 2 - (mu[i]! + 1) / 2;
    sNll += 0.5 * Math.log(2 * Math.PI * sigma * sigma) + (0.5 * d * d) / (sigma * sigma);
    sMse += d * d;
  });
  const nllValue = sNll / count;
  return { bpd: nllValue * Math.LOG2E, nll: nllValue, mse: sMse / count };
}

// ---------------------------------------------------------------------------------------------
// Classification.

/**
 * Class predictions: logits (N, C) → argmax over C; logits (N, T, C) → argmax at the last step (as the
 * model predicts); or predicted classes as an int32 (N) tensor or an array of integers.
 */
export type ClassPredictions = Tensor | ArrayLike<number>;

/** Integer class labels: an int32 (N) tensor or an array of non-negative integers. */
export type ClassLabels = Tensor | ArrayLike<number>;

function argmaxRows(
  data: ArrayLike<number>,
  N: number,
  C: number,
  stride: number,
  offset: number,
): Int32Array {
  const out = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    const base = n * stride + offset;
    let best = 0;
    for (let c = 1; c < C; c++) if (data[base + c]! > data[base + best]!) best = c;
    out[n] = best;
  }
  return out;
}

function classesOf(what: string, v: ClassPredictions, role: string): Int32Array {
  if (isTensor(v) && v.ndim >= 2) {
    assert(
      v.dtype !== "int32" && v.ndim <= 3 && v.shape[v.ndim - 1]! >= 1,
      () =>
        `${what}: ${role} must be logits (N, C) or (N, T, C), or classes (N), got ${v.dtype} ${fmtShape(v.shape)}`,
    );
    const N = v.shape[0]!;
    const C = v.shape[v.ndim - 1]!;
    if (v.ndim === 2) return argmaxRows(v.data, N, C, C, 0);
    const T = v.shape[1]!;
    return argmaxRows(v.data, N, C, T * C, (T - 1) * C);
  }
  const d = valuesOf(v);
  const out = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const c = d[i]!;
    assert(
      Number.isInteger(c) && c >= 0,
      () => `${what}: ${role}: ${c} at index [${i}] is not a class index`,
    );
    out[i] = c;
  }
  return out;
}

function predsAndLabels(what: string, pred: ClassPredictions, labels: ClassLabels): [Int32Array, Int32Array] {
  const p = classesOf(what, pred, "predictions");
  assert(
    !isTensor(labels) || labels.ndim === 1,
    () => `${what}: labels must be (N) class indices, got shape ${fmtShape(shapeOf(labels))}`,
  );
  const y = classesOf(what, labels, "labels");
  assert(p.length === y.length, () => `${what}: ${p.length} predictions for ${y.length} labels`);
  assert(p.length > 0, () => `${what}: no predictions to score`);
  return [p, y];
}

/** Fraction of correct predictions: mean over N of [ŷ_n = y_n]. */
export function accuracy(pred: ClassPredictions, labels: ClassLabels): number {
  const [p, y] = predsAndLabels("accuracy", pred, labels);
  let hits = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === y[i]) hits++;
  return hits / p.length;
}

/** 1 − accuracy. */
export function errorRate(pred: ClassPredictions, labels: ClassLabels): number {
  return 1 - accuracy(pred, labels);
}

/**
 * Confusion matrix M (C × C) with M[true][predicted] = count; C = max(nbClasses, largest class seen + 1).
 */
export function confusionMatrix(pred: ClassPredictions, labels: ClassLabels, nbClasses = 0): number[][] {
  const [p, y] = predsAndLabels("confusionMatrix", pred, labels);
  let C = nbClasses;
  for (let i = 0; i < p.length; i++) C = Math.max(C, p[i]! + 1, y[i]! + 1);
  const m = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  for (let i = 0; i < p.length; i++) m[y[i]!]![p[i]!]!++;
  return m;
}

/**
 * Macro-averaged F1: per class c, F1_c = 2·TP / (2·TP + FP + FN) (= the harmonic mean of precision and
 * recall, 0 when TP = 0), averaged with equal weight over the classes that occur in the labels or in
 * the predictions. Convention: a class absent from both is left out of the average, as scikit-learn's
 * f1_score(average="macro") does with its default labels = the union of y_true and y_pred (and a
 * class never predicted, or never present, counts as F1 = 0, as sklearn's zero_division default).
 */
export function macroF1(pred: ClassPredictions, labels: ClassLabels): number {
  const m = confusionMatrix(pred, labels);
  const C = m.length;
  let sum = 0;
  let classes = 0;
  for (let c = 0; c < C; c++) {
    const tp = m[c]![c]!;
    let fn = 0;
    let fp = 0;
    for (let k = 0; k < C; k++) {
      if (k === c) continue;
      fn += m[c]![k]!;
      fp += m[k]![c]!;
    }
    if (tp + fn + fp === 0) continue; // absent from labels and predictions
    sum += (2 * tp) / (2 * tp + fp + fn);
    classes++;
  }
  return sum / classes;
}

// ---------------------------------------------------------------------------------------------
// Original units.

/** Regression metrics in the data's original units. */
export interface RegressionMetrics {
  mse: number;
  rmse: number;
  mae: number;
  mape: number;
}

/**
 * MSE, RMSE, MAE and MAPE after mapping both the prediction (means) and the target, given in
 * normalised units, back through `denormalize(·, stats)`; same shapes and `context` as `mse`.
 */
export function metricsInOriginalUnits(
  pred: Tensor,
  target: Tensor,
  stats: MinMaxStats,
  options: MetricOptions = {},
): RegressionMetrics {
  const p = denormalize(pred, stats);
  const y = denormalize(target, stats);
  try {
    return {
      mse: mse(p, y, options),
      rmse: rmse(p, y, options),
      mae: mae(p, y, options),
      mape: mape(p, y, options),
    };
  } finally {
    p.dispose();
    y.dispose();
  }
}
