// The fused Adam step on the cpu backend (Kernels.adamStep): one loop over the elements, float64
// arithmetic rounded once on store. Not here: the tree handling and the unfused reference twin
// (src/optim/optimizers.ts, adamDirectionRef).

import type { AdamStepArgs, FloatArray } from "../kernels.js";

export function adamStepCpu(
  g: FloatArray,
  mu: FloatArray,
  nu: FloatArray,
  muOut: FloatArray,
  nuOut: FloatArray,
  update: FloatArray,
  { b1, b2, eps, epsRoot, c1, c2, scale }: AdamStepArgs,
): void {
  for (let i = 0; i < g.length; i++) {
    const gi = g[i]!;
    const m = b1 * mu[i]! + (1 - b1) * gi;
    const v = b2 * nu[i]! + (1 - b2) * gi * gi;
    muOut[i] = m;
    nuOut[i] = v;
    update[i] = (scale * (m / c1)) / (Math.sqrt(v / c2 + epsRoot) + eps);
  }
}
