// Shared fixtures for the optimiser tests: a two-leaf parameter tree, a scripted gradient sequence, and
// plain-number views of trees. Not here: any optimiser arithmetic (each test spells its own out).

import { type DType, type Tensor, type Tree, tensor, treeLeaves } from "../../src/index.js";

/** Parameters {a: (2,), b: (2,2)}, flattened a then b. */
export const PARAMS = [1, -2, 0.5, -1, 2, 3];

/** Three steps of gradients for {a, b}, flattened a then b (varied so moments differ step to step). */
export const GRADS: number[][] = [
  [0.1, -0.3, 1, -2, 0.5, 0],
  [0.2, 0.1, -1, -1.5, 0.25, 0.4],
  [-0.05, -0.3, 0.5, 2, -0.75, 0.1],
];

/** A {a: (2,), b: (2,2)} tree from six numbers. */
export function tree(flat: readonly number[], dtype: DType = "float64"): { a: Tensor; b: Tensor } {
  return { a: tensor(flat.slice(0, 2), [2], dtype), b: tensor(flat.slice(2, 6), [2, 2], dtype) };
}

/** The values of a tree's leaves, in leaf order, as plain numbers. */
export function flat(t: Tree): number[] {
  return treeLeaves(t).flatMap((x) => x.toArray());
}
