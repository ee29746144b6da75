// Gradient clipping with optax semantics: element-wise (optax.clip) and by global norm
// (optax.clip_by_global_norm). Stateless; every call returns fresh tensors, even when nothing is clipped.
// Not here: per-block or adaptive clipping.

import { noGrad } from "../autograd/tape.js";
import * as ops from "../ops/elementwise.js";
import { sum } from "../ops/reduce.js";
import { convert } from "../tensor/tensor.js";
import { assert } from "../util/assert.js";
import type { EmptyState, GradientTransformation, Tree } from "./transform.js";
import { treeLeaves, treeMap } from "./transform.js";

/** ‖tree‖₂ = √(Σ over all leaves and elements of x²). */
export function globalNorm(tree: Tree): number {
  return noGrad(() => {
    let s = 0;
    for (const leaf of treeLeaves(tree)) {
      const sq = ops.square(leaf);
      const total = sum(sq);
      s += total.item();
      sq.dispose();
      total.dispose();
    }
    return Math.sqrt(s);
  });
}

/** Element-wise clipping (optax.clip): g ← min(max(g, −maxDelta), maxDelta). */
export function clipElementwise(maxDelta: number): GradientTransformation<EmptyState> {
  assert(maxDelta >= 0, () => `clipElementwise: maxDelta must be ≥ 0, got ${maxDelta}`);
  return {
    init: () => ({}),
    update: (grads, s) => noGrad(() => [treeMap((g) => ops.clip(g, -maxDelta, maxDelta), grads), s]),
  };
}

/** Global-norm clipping (optax.clip_by_global_norm): g ← g if ‖g‖₂ < maxNorm, else (g/‖g‖₂)·maxNorm. */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  assert(maxNorm > 0, () => `clipByGlobalNorm: maxNorm must be > 0, got ${maxNorm}`);
  return {
    init: () => ({}),
    update: (grads, s) =>
      noGrad(() => {
        const norm = globalNorm(grads);
        if (norm < maxNorm) return [treeMap((g) => convert(g, g.dtype), grads), s];
        return [treeMap((g) => ops.mul(ops.div(g, norm), maxNorm), grads), s];
      }),
  };
}
