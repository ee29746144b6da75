// The gradient-transformation machinery (optax style): parameter-shaped trees, the transformation
// interface, `chain`, `applyUpdates` and per-entry update scaling. A transformation turns gradients into updates with its own state;
// state holds tensors and numbers only, so a trainer can checkpoint it. Not here: the optimisers
// themselves (optimizers.ts, clip.ts, plateau.ts, reference.ts).

import { noGrad } from "../autograd/tape.js";
import * as ops from "../ops/elementwise.js";
import { convert, Tensor, tidy } from "../tensor/tensor.js";
import { assert } from "../util/assert.js";

/** A parameter-shaped tree: tensors in nested arrays / plain objects. */
export type Tree = unknown;

/**
 * Maps matching leaves of one or more trees with the same structure. Each leaf's computation runs in its
 * own `tidy`, so its temporaries (an optimiser's chain of element-wise ops over a P×P matrix) go back to
 * the buffer pool at once instead of piling up until the end of the training step.
 */
export function treeMap(fn: (...leaves: Tensor[]) => Tensor, tree: Tree, ...rest: Tree[]): Tree {
  if (tree instanceof Tensor) return tidy(() => fn(tree, ...(rest as Tensor[])));
  if (Array.isArray(tree)) return tree.map((t, i) => treeMap(fn, t, ...rest.map((r) => (r as Tree[])[i])));
  const out: Record<string, Tree> = {};
  for (const [k, v] of Object.entries(tree as Record<string, Tree>)) {
    if (v !== undefined) out[k] = treeMap(fn, v, ...rest.map((r) => (r as Record<string, Tree>)[k]));
  }
  return out;
}

/** The leaves of a tree in a fixed order. */
export function treeLeaves(tree: Tree): Tensor[] {
  const out: Tensor[] = [];
  const walk = (t: Tree): void => {
    if (t instanceof Tensor) out.push(t);
    else if (Array.isArray(t)) t.forEach(walk);
    else if (t && typeof t === "object") Object.values(t).forEach((v) => v !== undefined && walk(v));
  };
  walk(tree);
  return out;
}

/** Extra per-step inputs some transformations read (optax's extra args), e.g. reduceOnPlateau's loss. */
export interface UpdateExtra {
  /** The loss (or metric) of this step. */
  value?: number;
}

/** The state of a stateless transformation. */
export type EmptyState = Record<string, never>;

/**
 * A gradient transformation: init(params) → state; update(grads, state, params, extra) → [updates, state].
 * update is pure: it neither mutates nor disposes its inputs and returns fresh update tensors.
 */
export interface GradientTransformation<S = unknown> {
  init(params: Tree): S;
  update(grads: Tree, state: S, params: Tree, extra?: UpdateExtra): [Tree, S];
}

/** Composes transformations left to right (each one's updates feed the next); `extra` reaches every one. */
export function chain<S extends unknown[]>(
  ...ts: { [K in keyof S]: GradientTransformation<S[K]> }
): GradientTransformation<S> {
  const list = ts as readonly GradientTransformation[];
  return {
    init: (params) => list.map((t) => t.init(params)) as S,
    update: (grads, states, params, extra) => {
      let u = grads;
      const next = list.map((t, i) => {
        const [nu, ns] = t.update(u, states[i], params, extra);
        u = nu;
        return ns;
      });
      return [u, next as S];
    },
  };
}

/** params + updates, leaf by leaf (new tensors). */
export function applyUpdates<T extends Tree>(params: T, updates: Tree): T {
  return noGrad(() => treeMap((p, u) => ops.add(p, u), params, updates)) as T;
}

/**
 * Multiplies the updates of the named top-level entries of the parameter tree (e.g. {A: 0.01} for WARP's
 * transition matrix); other entries pass through as copies (the caller may dispose its inputs), and
 * names the tree does not have are ignored.
 */
export function scaleEntries(scales: Readonly<Record<string, number>>): GradientTransformation<EmptyState> {
  for (const [k, v] of Object.entries(scales))
    assert(Number.isFinite(v) && v >= 0, () => `scaleEntries: scale of "${k}" must be ≥ 0, got ${v}`);
  return {
    init: () => ({}),
    update: (updates, s) =>
      noGrad(() => {
        const out: Record<string, Tree> = {};
        for (const [k, u] of Object.entries(updates as Record<string, Tree>)) {
          const v = scales[k];
          out[k] = treeMap((x) => (v === undefined ? convert(x, x.dtype) : ops.mul(x, v)), u);
        }
        return [out, s];
      }),
  };
}
