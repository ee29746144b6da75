// Optimisers with optax semantics: adam, adamw, adabelief and sgd, each one transformation whose updates
// already carry the −lr sign (optax's alias = chain(scale_by_…, scale(−lr)) folded into one update).
// Moments live in the state as parameter-shaped trees of fresh tensors plus a step count. Adam's step is
// one fused kernel per leaf (Kernels.adamStep); `adamDirectionRef` is its op-by-op twin, tested against it.
// Not here: clipping (clip.ts), the plateau schedule (plateau.ts), the tree machinery (transform.ts).

import { noGrad } from "../autograd/tape.js";
import type { FloatArray } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import * as ops from "../ops/elementwise.js";
import { empty, Tensor, zeros } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import type { GradientTransformation, Tree } from "./transform.js";
import { treeMap } from "./transform.js";

/** Step count and first/second moment trees of adam, adamw and adabelief. */
export interface AdamState {
  count: number;
  mu: Tree;
  nu: Tree;
}

/** Momentum trace of sgd (absent when momentum is 0). */
export interface SgdState {
  trace?: Tree;
}

/** Which leaves adamw decays: a boolean per leaf, or a boolean standing for a whole subtree (optax mask). */
export type DecayMask = boolean | readonly DecayMask[] | { readonly [key: string]: DecayMask };

export interface AdamOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  epsRoot?: number;
}

export interface AdamwOptions extends AdamOptions {
  weightDecay?: number;
  /** A mask tree, or a function of the params returning one; default: decay every leaf. */
  mask?: DecayMask | ((params: Tree) => DecayMask);
}

const zerosLike = (params: Tree): Tree => treeMap((p) => zeros(p.shape, p.dtype), params);
const scaleTree = (tree: Tree, s: number): Tree => treeMap((x) => ops.mul(x, s), tree);

/**
 * optax scale_by_adam then scale(`scale`): the new moments and scale·μ̂/(√(ν̂ + epsRoot) + eps), one fused
 * kernel call per leaf (three fresh buffers per leaf, no intermediates).
 */
function adamDirection(grads: Tree, s: AdamState, options: AdamOptions, scale: number): [Tree, AdamState] {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = options;
  const count = s.count + 1;
  const args = { b1, b2, eps, epsRoot, c1: 1 - b1 ** count, c2: 1 - b2 ** count, scale };
  const fresh = (g: Tensor) => empty(g.shape, g.dtype);
  const [mu, nu] = [treeMap(fresh, grads), treeMap(fresh, grads)];
  const dir = treeMap(
    (g, m, v, mOut, vOut) => {
      assert(
        m !== undefined && v !== undefined && m.size === g.size && v.size === g.size && m.dtype === g.dtype,
        () => `adam: the state does not match the gradient of shape ${fmtShape(g.shape)}`,
      );
      const u = fresh(g);
      kernelsFor(g.dtype).adamStep(
        g.data as FloatArray,
        m.data as FloatArray,
        v.data as FloatArray,
        mOut.data as FloatArray,
        vOut.data as FloatArray,
        u.data as FloatArray,
        args,
      );
      return u;
    },
    grads,
    s.mu,
    s.nu,
    mu,
    nu,
  );
  return [dir, { count, mu, nu }];
}

/** The op-by-op twin of `adamDirection` (the reference its fused kernel is tested against). */
export function adamDirectionRef(
  grads: Tree,
  s: AdamState,
  { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 }: AdamOptions,
  scale: number,
): [Tree, AdamState] {
  const count = s.count + 1;
  const c1 = 1 - b1 ** count;
  const c2 = 1 - b2 ** count;
  const mu = treeMap((m, g) => ops.add(ops.mul(m, b1), ops.mul(g, 1 - b1)), s.mu, grads);
  const nu = treeMap((v, g) => ops.add(ops.mul(v, b2), ops.mul(ops.square(g), 1 - b2)), s.nu, grads);
  const dir = treeMap(
    (m, v) =>
      ops.mul(ops.div(ops.div(m, c1), ops.add(ops.sqrt(ops.add(ops.div(v, c2), epsRoot)), eps)), scale),
    mu,
    nu,
  );
  return [dir, { count, mu, nu }];
}

/**
 * Adam (optax.adam): μ ← b1·μ + (1−b1)·g, ν ← b2·ν + (1−b2)·g², μ̂ = μ/(1−b1ᵗ), ν̂ = ν/(1−b2ᵗ);
 * update = −lr·μ̂ / (√(ν̂ + epsRoot) + eps).
 */
export function adam(lr: number, options: AdamOptions = {}): GradientTransformation<AdamState> {
  return {
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update: (grads, s) =>
      noGrad(() => {
        return adamDirection(grads, s, options, -lr);
      }),
  };
}

/** d + wd·p on the leaves the mask selects (optax add_decayed_weights under optax.masked). */
function addDecayedWeights(d: Tree, p: Tree, mask: DecayMask, wd: number, path: string): Tree {
  if (mask === false) return d;
  if (mask === true) return treeMap((di, pi) => ops.add(di, ops.mul(pi, wd)), d, p);
  const where = path || "the root";
  assert(
    !(d instanceof Tensor) && mask !== null && typeof mask === "object",
    () => `adamw: mask at ${where} must be a boolean or a tree matching the params`,
  );
  if (Array.isArray(d)) {
    const m = mask as readonly DecayMask[];
    assert(
      Array.isArray(m) && m.length === d.length,
      () => `adamw: mask at ${where} must be an array of ${d.length}`,
    );
    return d.map((di, i) => addDecayedWeights(di, (p as Tree[])[i], m[i]!, wd, `${path}[${i}]`));
  }
  const m = mask as { readonly [key: string]: DecayMask };
  const out: Record<string, Tree> = {};
  for (const [k, v] of Object.entries(d as Record<string, Tree>)) {
    if (v === undefined) continue;
    assert(m[k] !== undefined, () => `adamw: mask has no entry for ${path}.${k}`);
    out[k] = addDecayedWeights(v, (p as Record<string, Tree>)[k], m[k]!, wd, `${path}.${k}`);
  }
  return out;
}

/**
 * AdamW (optax.adamw): Adam's moments with decoupled weight decay added before the −lr scaling,
 * update = −lr·(μ̂/(√(ν̂ + epsRoot) + eps) + wd·param) on masked-in leaves (−lr·μ̂/(…) elsewhere).
 */
export function adamw(
  lr: number,
  { weightDecay = 1e-4, mask, ...moments }: AdamwOptions = {},
): GradientTransformation<AdamState> {
  return {
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update: (grads, s, params) =>
      noGrad(() => {
        assert(params !== undefined && params !== null, () => "adamw: update needs the params");
        const [dir, next] = adamDirection(grads, s, moments, 1);
        const m = typeof mask === "function" ? mask(params) : (mask ?? true);
        return [scaleTree(addDecayedWeights(dir, params, m, weightDecay, ""), -lr), next];
      }),
  };
}

/** The two optax versions of AdaBelief's belief term (see `adabelief`). */
export const ADABELIEF_RULES = ["optax-0.2.3", "optax-0.2.4"] as const;
export type AdaBeliefRule = (typeof ADABELIEF_RULES)[number];

export interface AdaBeliefOptions extends AdamOptions {
  /** Default "optax-0.2.3", the version the authors pin (their requirements.txt at bde9a5d). */
  rule?: AdaBeliefRule;
}

/**
 * AdaBelief (optax.adabelief): μ ← b1·μ + (1−b1)·g, s ← b2·s + (1−b2)·(g − m)² + epsRoot (epsRoot kept
 * in the state), μ̂ = μ/(1−b1ᵗ), ŝ = s/(1−b2ᵗ); update = −lr·μ̂ / (√ŝ + eps). The prediction error is
 * taken against the previous first moment m = μ_{t−1} with rule "optax-0.2.3", against the updated one
 * m = μ_t with "optax-0.2.4" (and later). State nu holds s.
 */
export function adabelief(
  lr: number,
  { b1 = 0.9, b2 = 0.999, eps = 1e-16, epsRoot = 1e-16, rule = "optax-0.2.3" }: AdaBeliefOptions = {},
): GradientTransformation<AdamState> {
  return {
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update: (grads, s) =>
      noGrad(() => {
        const count = s.count + 1;
        const c1 = 1 - b1 ** count;
        const c2 = 1 - b2 ** count;
        const mu = treeMap((m, g) => ops.add(ops.mul(m, b1), ops.mul(g, 1 - b1)), s.mu, grads);
        const nu = treeMap(
          (v, g, m) => ops.add(ops.add(ops.mul(v, b2), ops.mul(ops.square(ops.sub(g, m)), 1 - b2)), epsRoot),
          s.nu,
          grads,
          rule === "optax-0.2.3" ? s.mu : mu,
        );
        const updates = treeMap(
          (m, v) => ops.mul(ops.div(ops.div(m, c1), ops.add(ops.sqrt(ops.div(v, c2)), eps)), -lr),
          mu,
          nu,
        );
        return [updates, { count, mu, nu }];
      }),
  };
}

/**
 * SGD (optax.sgd): with momentum β, trace ← g + β·trace and update = −lr·trace, or −lr·(g + β·trace)
 * with nesterov; without momentum update = −lr·g.
 */
export function sgd(lr: number, { momentum = 0, nesterov = false } = {}): GradientTransformation<SgdState> {
  assert(momentum >= 0, () => `sgd: momentum must be ≥ 0, got ${momentum}`);
  const step = (g: Tensor, t: Tensor): Tensor => ops.add(g, ops.mul(t, momentum));
  return {
    init: (params) => (momentum === 0 ? {} : { trace: zerosLike(params) }),
    update: (grads, s) =>
      noGrad(() => {
        if (momentum === 0) return [scaleTree(grads, -lr), {}];
        assert(s.trace !== undefined, () => "sgd: state has no momentum trace (was it made by this sgd?)");
        const trace = treeMap(step, grads, s.trace);
        const dir = nesterov ? treeMap(step, grads, trace) : trace;
        return [scaleTree(dir, -lr), { trace }];
      }),
  };
}
