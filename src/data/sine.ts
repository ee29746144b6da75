// The SINE task of docs/model.md §5: x(t) = sin(2π·t + φ) on t = linspace(0, 1, T) (T = 16), D = 1, one phase
// φ ~ U(−π/6, π/6) per sequence, drawn from an explicit key. Only x_0 is given at inference (context 1).
// Not here: the model, the context length, or the reference's exact random stream (JAX keys differ):
// same distribution, not the same numbers.

import { Tensor } from "../tensor/tensor.js";
import { assert } from "../util/assert.js";
import { type Key, splitKey, uniform } from "../util/random.js";
import { arrayDataset, type Dataset } from "./dataset.js";

/** A SINE dataset: x (n, T, 1) float32, times (T), and the phases that generated it. */
export interface SineDataset extends Dataset {
  /** φ_i for each sequence, in [−π/6, π/6), float64 (n). */
  readonly phases: Float64Array;
}

/** Options of `sineDataset`. */
export interface SineOptions {
  /** Steps per sequence (default 16). */
  T?: number;
}

/** Options of `sineSplits`. */
export interface SineSplitsOptions extends SineOptions {
  /** Training sequences (default 10; the paper uses 1, 10, 100, 1000, 10000). */
  train?: number;
  /** Validation sequences (default 1000). */
  val?: number;
  /** Test sequences (default 1000). */
  test?: number;
}

/**
 * n sequences x[i, k, 0] = sin(2π·t_k + φ_i), t_k = k/(T − 1) (t_0 = 0 when T = 1), with
 * φ = uniform(key, [n], −π/6, π/6) in float64; x is float32 (n, T, 1) and the batches carry
 * times = t (T). So x[i, 0, 0] = sin φ_i ∈ [−½, ½]. The draw is counter-based: with the same key,
 * the first m sequences of a dataset of n ≥ m are exactly the dataset of m.
 */
export function sineDataset(key: Key, n: number, { T = 16 }: SineOptions = {}): SineDataset {
  assert(Number.isInteger(n) && n >= 0, () => `sineDataset: n must be a non-negative integer, got ${n}`);
  assert(Number.isInteger(T) && T >= 1, () => `sineDataset: T must be a positive integer, got ${T}`);
  const phaseTensor = uniform(key, [n], -Math.PI / 6, Math.PI / 6, "float64");
  const phases = Float64Array.from(phaseTensor.data);
  phaseTensor.dispose();
  const t = Float64Array.from({ length: T }, (_, k) => (T === 1 ? 0 : k / (T - 1)));
  const x = new Float32Array(n * T);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < T; k++) x[i * T + k] = Math.sin(2 * Math.PI * t[k]! + phases[i]!);
  }
  // Owned by the dataset: kept out of any enclosing tidy() so they outlive it.
  const ds = arrayDataset({
    x: new Tensor(x, [n, T, 1]).keep(),
    times: new Tensor(Float32Array.from(t), [T]).keep(),
  });
  return Object.assign(ds, { phases });
}

/**
 * Train / validation / test SINE splits from one key: splitKey(key, 3) gives one key per split, each
 * passed to `sineDataset`. The paper's training subsets of 1, 10, 100, 1k and 10k samples come from
 * this same generator with a different `train`: with the same key, every smaller training set is the
 * first sequences of the larger one, and val/test (1000 each by default) are the same for every size.
 */
export function sineSplits(
  key: Key,
  { train = 10, val = 1000, test = 1000, T = 16 }: SineSplitsOptions = {},
): { train: SineDataset; val: SineDataset; test: SineDataset } {
  const [kTrain, kVal, kTest] = splitKey(key, 3) as [Key, Key, Key];
  return {
    train: sineDataset(kTrain, train, { T }),
    val: sineDataset(kVal, val, { T }),
    test: sineDataset(kTest, test, { T }),
  };
}
