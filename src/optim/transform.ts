// Optimisers as composable gradient transformations (optax style): a transformation turns gradients into
// updates with its own state; `chain` composes them; `applyUpdates` adds updates to parameters.
// State and updates are parameter-shaped trees of tensors. Not here: learning-rate schedules driven by
// the trainer (reduce-on-plateau arrives with the trainer).

import { noGrad } from "../autograd/tape.js";
import * as ops from "../ops/elementwise.js";
import { Tensor, zeros } from "../tensor/tensor.js";

/** A parameter-shaped tree: tensors in nested arrays / plain objects. */
export type Tree = unknown;

/** Maps matching leaves of one or more trees with the same structure. */
export function treeMap(fn: (...leaves: Tensor[]) => Tensor, tree: Tree, ...rest: Tree[]): Tree {
  if (tree instanceof Tensor) return fn(tree, ...(rest as Tensor[]));
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

/** A gradient transformation: init(params) → state; update(grads, state, params) → [updates, state]. */
export interface GradientTransformation<S = unknown> {
  init(params: Tree): S;
  update(grads: Tree, state: S, params: Tree): [Tree, S];
}

/** Composes transformations left to right (the output updates of one are the input grads of the next). */
export function chain(...ts: GradientTransformation[]): GradientTransformation<unknown[]> {
  return {
    init: (params) => ts.map((t) => t.init(params)),
    update: (grads, states, params) => {
      let u = grads;
      const next = ts.map((t, i) => {
        const [nu, ns] = t.update(u, states[i], params);
        u = nu;
        return ns;
      });
      return [u, next];
    },
  };
}

export interface AdamState {
  count: number;
  mu: Tree;
  nu: Tree;
}

/**
 * Adam (optax semantics): μ ← b1·μ + (1−b1)·g, ν ← b2·ν + (1−b2)·g², with bias corrections
 * μ̂ = μ/(1−b1ᵗ), ν̂ = ν/(1−b2ᵗ); update = −lr·μ̂ / (√(ν̂ + epsRoot) + eps).
 */
export function adam(
  lr: number,
  { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = {},
): GradientTransformation<AdamState> {
  return {
    init: (params) => ({
      count: 0,
      mu: treeMap((p) => zeros(p.shape, p.dtype), params),
      nu: treeMap((p) => zeros(p.shape, p.dtype), params),
    }),
    update: (grads, s) =>
      noGrad(() => {
        const count = s.count + 1;
        const c1 = 1 - b1 ** count;
        const c2 = 1 - b2 ** count;
        const mu = treeMap((m, g) => ops.add(ops.mul(m, b1), ops.mul(g, 1 - b1)), s.mu, grads);
        const nu = treeMap((v, g) => ops.add(ops.mul(v, b2), ops.mul(ops.square(g), 1 - b2)), s.nu, grads);
        const updates = treeMap(
          (m, v) =>
            ops.mul(ops.div(ops.div(m, c1), ops.add(ops.sqrt(ops.add(ops.div(v, c2), epsRoot)), eps)), -lr),
          mu,
          nu,
        );
        return [updates, { count, mu, nu }];
      }),
  };
}

/** params + updates, leaf by leaf (new tensors). */
export function applyUpdates<T extends Tree>(params: T, updates: Tree): T {
  return noGrad(() => treeMap((p, u) => ops.add(p, u), params, updates)) as T;
}
