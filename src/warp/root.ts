// Root networks: the function y = root_θ(input) whose parameters θ are WARP's hidden state. The plain MLP
// root runs the fused per-sample kernel; WARP-Phys roots compute a physical formula from θ with library
// ops, so their gradients come from the autodiff. A user's own root implements the same interface.
// M samples (sequence × step), P = Dθ. Not here: the output head (head.ts), the recurrence (model.ts).

import type { RootActivation } from "../backends/kernels.js";
import * as ops from "../ops/elementwise.js";
import { type RootMlpOptions, rootMlp, rootParamCount } from "../ops/root-mlp.js";
import { concat, slice } from "../ops/shape.js";
import { type FloatDType, type Tensor, tensor } from "../tensor/tensor.js";
import { assert } from "../util/assert.js";
import { type Key, splitKey, uniform } from "../util/random.js";

/** A root network: θ (M, P) and inputs (M, inDim) → raw outputs (M, outDim). */
export interface Root {
  /** A short description, e.g. "mlp 1-24-24-24-2 relu". */
  readonly name: string;
  /** Dθ: the length of θ. */
  readonly paramCount: number;
  readonly inDim: number;
  readonly outDim: number;
  /** An initial θ (P) — the reference initialisation for the MLP root. */
  init(key: Key, dtype: FloatDType): Tensor;
  /** Evaluates the root for every row: theta (M, P), input (M, inDim) → (M, outDim). */
  apply(theta: Tensor, input: Tensor): Tensor;
  /** Set when the root is the plain MLP `rootMlp(θ, input, mlp)`: the fused autoregressive rollout runs it. */
  readonly mlp?: RootMlpOptions;
}

/** Layer widths of an Equinox MLP of `depth` hidden layers: [in, width × depth, out]. */
export function mlpDims(inDim: number, width: number, depth: number, outDim: number): number[] {
  return [inDim, ...new Array<number>(depth).fill(width), outDim];
}

/**
 * The reference's (Equinox) initialisation of a flat MLP θ: per layer W then b, each ~ U(±1/√fan_in).
 */
export function initMlpTheta(dims: readonly number[], key: Key, dtype: FloatDType): Tensor {
  const P = rootParamCount(dims);
  const data = dtype === "float32" ? new Float32Array(P) : new Float64Array(P);
  const keys = splitKey(key, 2 * (dims.length - 1));
  let off = 0;
  for (let l = 0; l + 1 < dims.length; l++) {
    const nIn = dims[l]!;
    const nOut = dims[l + 1]!;
    const lim = 1 / Math.sqrt(nIn);
    data.set(uniform(keys[2 * l]!, [nOut * nIn], -lim, lim, dtype).data, off);
    off += nOut * nIn;
    data.set(uniform(keys[2 * l + 1]!, [nOut], -lim, lim, dtype).data, off);
    off += nOut;
  }
  return tensor(data, [P]);
}

/** The plain WARP root: an MLP whose weights are θ, evaluated by the fused kernel. */
export function mlpRoot(dims: readonly number[], activation: RootActivation): Root {
  return {
    name: `mlp ${dims.join("-")} ${activation}`,
    paramCount: rootParamCount(dims),
    inDim: dims[0]!,
    outDim: dims[dims.length - 1]!,
    init: (key, dtype) => initMlpTheta(dims, key, dtype),
    apply: (theta, input) => rootMlp(theta, input, { dims, activation }),
    mlp: { dims, activation },
  };
}

const col = (x: Tensor, j: number, n = 1): Tensor => slice(x, [0, j], [x.shape[0]!, n]);

/**
 * WARP-Phys SINE root: θ holds an MLP τ ↦ φ̂ and y = sin(2π·f·τ + φ̂) (f = 1 on normalised time).
 * `inDim` inputs are fed to the MLP (τ first); the formula uses τ = input[:, 0].
 */
export function sineRoot(
  inDim: number,
  width: number,
  depth: number,
  activation: RootActivation,
  f = 1,
): Root {
  const dims = mlpDims(inDim, width, depth, 1);
  return {
    name: `sine: y = sin(2π·${f}·τ + φ̂(τ)), φ̂ = mlp ${dims.join("-")} ${activation}`,
    paramCount: rootParamCount(dims),
    inDim,
    outDim: 1,
    init: (key, dtype) => initMlpTheta(dims, key, dtype),
    apply: (theta, input) => {
      const phase = rootMlp(theta, input, { dims, activation });
      return ops.sin(ops.add(ops.mul(col(input, 0), 2 * Math.PI * f), phase));
    },
  };
}

/** WARP-Phys direct-phase root: θ is the phase itself (Dθ = 1), y = sin(2π·f·τ + θ). */
export function sinePhaseRoot(inDim: number, f = 1): Root {
  return {
    name: `sine_phase: y = sin(2π·${f}·τ + θ)`,
    paramCount: 1,
    inDim,
    outDim: 1,
    init: (key, dtype) => uniform(key, [1], -Math.PI / 6, Math.PI / 6, dtype),
    apply: (theta, input) => ops.sin(ops.add(ops.mul(col(input, 0), 2 * Math.PI * f), theta)),
  };
}

/**
 * WARP-Phys mass–spring–damper root: θ holds an MLP [τ, pos, vel] ↦ (m, k, c), rescaled
 * (m += 1e−6, k ×= 1000, c ×= 10), followed by one explicit Euler step of m·x'' + c·x' + k·x = 0:
 * acc = −(k/m)·pos − (c/m)·vel; vel' = vel + acc·Δt; pos' = pos + vel·Δt, Δt = 1/256.
 * The input must end with the previous state (pos, vel): input_prev_data.
 */
export function msdRoot(
  inDim: number,
  width: number,
  depth: number,
  activation: RootActivation,
  { dt = 1 / 256, positive = false }: { dt?: number; positive?: boolean } = {},
): Root {
  assert(inDim >= 3, () => `msd root: needs the input [τ, …, pos, vel], got ${inDim} columns`);
  const dims = mlpDims(inDim, width, depth, 3);
  const net = positive
    ? `softplus(mlp ${dims.join("-")} ${activation})`
    : `mlp ${dims.join("-")} ${activation}`;
  return {
    name: `msd: Euler step of m·x'' + c·x' + k·x = 0, (m, k, c) = ${net}`,
    paramCount: rootParamCount(dims),
    inDim,
    outDim: 2,
    init: (key, dtype) => initMlpTheta(dims, key, dtype),
    apply: (theta, input) => {
      const raw = rootMlp(theta, input, { dims, activation });
      const mkc = positive ? ops.softplus(raw) : raw;
      const m = ops.add(col(mkc, 0), 1e-6);
      const k = ops.mul(col(mkc, 1), 1000);
      const c = ops.mul(col(mkc, 2), 10);
      const pos = col(input, inDim - 2);
      const vel = col(input, inDim - 1);
      const acc = ops.neg(ops.div(ops.add(ops.mul(k, pos), ops.mul(c, vel)), m));
      return concat([ops.add(pos, ops.mul(vel, dt)), ops.add(vel, ops.mul(acc, dt))], 1);
    },
  };
}
