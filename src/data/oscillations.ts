// A generated multivariate classification task in the UEA style, for tests and the CPU-scale
// classification experiment (the real archive is downloaded by users). Class c of C: D channels of a
// linear trend of slope (c − (C − 1)/2)·trend plus damped oscillations of (1 + c)·f₀ cycles over the
// sequence, with a random amplitude, phase and decay per channel and Gaussian noise.
// Not here: the archive's .ts/.npz readers (uea.ts).

import { Tensor } from "../tensor/tensor.js";
import { assert } from "../util/assert.js";
import { type Key, normal, randint, splitKey, uniform } from "../util/random.js";

export interface OscillationOptions {
  /** Steps per sequence (default 64). */
  T?: number;
  /** Channels (default 3). */
  D?: number;
  /** Classes (default 3). */
  classes?: number;
  /** Base frequency f₀ in cycles per sequence (default 2). */
  baseCycles?: number;
  /** Standard deviation of the additive noise (default 0.2). */
  noise?: number;
  /** Trend step between neighbouring classes, over the whole sequence (default 0.8). */
  trend?: number;
}

/** n labelled sequences: x (n, T, D) float32, labels int32 (n) uniform over the classes. */
export function oscillationClasses(
  key: Key,
  n: number,
  { T = 64, D = 3, classes = 3, baseCycles = 2, noise = 0.2, trend = 0.8 }: OscillationOptions = {},
): { x: Tensor; labels: Tensor } {
  assert(Number.isInteger(n) && n >= 1, () => `oscillationClasses: n must be a positive integer, got ${n}`);
  assert(Number.isInteger(T) && T >= 2, () => `oscillationClasses: T must be an integer ≥ 2, got ${T}`);
  assert(
    Number.isInteger(classes) && classes >= 2,
    () => `oscillationClasses: need ≥ 2 classes, got ${classes}`,
  );
  const [kLabel, kAmp, kPhase, kDecay, kNoise] = splitKey(key, 5) as [Key, Key, Key, Key, Key];
  const labels = randint(kLabel, [n], 0, classes);
  const amp = uniform(kAmp, [n, D], 0.5, 1.5, "float64");
  const phase = uniform(kPhase, [n, D], 0, 2 * Math.PI, "float64");
  const decay = uniform(kDecay, [n, D], 0, 1.5, "float64");
  const eps = normal(kNoise, [n, T, D], 0, noise, "float64");
  const x = new Float32Array(n * T * D);
  for (let i = 0; i < n; i++) {
    const cycles = (1 + labels.data[i]!) * baseCycles;
    const slope = (labels.data[i]! - (classes - 1) / 2) * trend;
    for (let t = 0; t < T; t++) {
      const s = t / (T - 1);
      for (let d = 0; d < D; d++) {
        const j = i * D + d;
        x[(i * T + t) * D + d] =
          slope * s +
          amp.data[j]! * Math.exp(-decay.data[j]! * s) * Math.sin(2 * Math.PI * cycles * s + phase.data[j]!) +
          eps.data[(i * T + t) * D + d]!;
      }
    }
  }
  for (const t of [amp, phase, decay, eps]) t.dispose();
  return { x: new Tensor(x, [n, T, D]), labels };
}
