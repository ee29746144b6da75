// Deterministic benchmark inputs.

import { randomKey, type Tensor, uniform } from "../src/index.js";

let n = 0;
/** A uniform(−1, 1) float32 tensor from a fresh seeded key. */
export function rand(shape: number[], scale = 1): Tensor {
  return uniform(randomKey(1234 + n++), shape, -scale, scale);
}
