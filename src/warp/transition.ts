// WARP's transition A in its four structures (model.transition): its parameters, initialisation
// (A = I at the start, as the paper), checkpoint names, and the recurrence θ_t = clip(A θ_{t−1} + u_t)
// over a whole sequence (non-autoregressive modes) or one step at a time (autoregressive modes).
//   dense     A (P, P)                      checkpoint "A"                 the paper; fused GEMM recurrence
//   diagonal  A = diag(a), a (P)            "A.diag" (or "A.nu")           fused element-wise scan
//   lowrank   A = diag(a) + U Vᵀ, U, V (P, r) "A.diag"/"A.nu", "A.U", "A.V" two thin GEMMs per step (one
//                                                                          fused op over a known sequence)
//   block     k×k blocks (⌈P/k⌉, k, k)      "A.blocks"                      one batched GEMM per step (one
//                                                                          fused op over a known sequence)
// With transition_stable the diagonal is stored as ν and a = exp(−softplus(ν)) ∈ (0, 1). With
// transition_dtype bf16 a dense A is used as I + A′ with A′θ in bfloat16 products (ops/linear-step.ts),
// step by step in every mode (A′ rounded and packed once per rollout).
// N sequences, T steps, P = Dθ. Not here: B, θ_0 and the decoding (model.ts).

import { KeyPaths } from "../config/validate.js";
import * as ops from "../ops/elementwise.js";
import { bf16Transition, linearStep, stepTape } from "../ops/linear-step.js";
import { matmul } from "../ops/matmul.js";
import { linearRecurrence } from "../ops/recurrence.js";
import { blockScan, diagonalScan, diagonalStep, type LowRank, lowRankScan } from "../ops/scan.js";
import { concat, reshape, slice, stack, transpose } from "../ops/shape.js";
import { eye, type FloatDType, type Tensor, tensor, zeros } from "../tensor/tensor.js";
import { assert } from "../util/assert.js";
import { type Key, uniform } from "../util/random.js";
import { type ModelConfig, modelKeyPath } from "./config.js";

/** The transition's trainable tensors: A (its main tensor, shape per structure) and U, V for lowrank. */
export interface TransitionParams {
  A: Tensor;
  AU?: Tensor;
  AV?: Tensor;
}

/** softplus(ν) at initialisation with transition_stable: a = exp(−1e−3) ≈ 0.999, as close to I as allowed. */
const STABLE_INIT_RATE = 1e-3;

/** The checkpoint name of the main tensor A under this configuration. */
export function transitionName(c: ModelConfig): string {
  switch (c.transition) {
    case "dense":
      return "A";
    case "block":
      return "A.blocks";
    default:
      return c.transition_stable ? "A.nu" : "A.diag";
  }
}

/** Checks the structure's sizes against Dθ = P; errors name the key. */
export function checkTransitionSizes(c: ModelConfig, P: number): void {
  const k = new KeyPaths(modelKeyPath);
  if (c.transition === "lowrank" && c.transition_rank! > P)
    k.fail("transition_rank", c.transition_rank, `at most Dθ = ${P}`);
  if (c.transition === "block" && c.transition_block! > P)
    k.fail("transition_block", c.transition_block, `at most Dθ = ${P}`);
}

/** Fresh transition parameters: A = I (a ≈ 1 with transition_stable); lowrank U = 0 and V random. */
export function initTransition(c: ModelConfig, P: number, key: Key, dtype: FloatDType): TransitionParams {
  const diag = () =>
    c.transition_stable
      ? tensor(new Array<number>(P).fill(Math.log(Math.expm1(STABLE_INIT_RATE))), [P], dtype)
      : tensor(new Array<number>(P).fill(1), [P], dtype);
  switch (c.transition) {
    case "dense":
      return { A: eye(P, dtype) };
    case "diagonal":
      return { A: diag() };
    case "lowrank": {
      // U = 0 keeps A = diag(a) at the start; a random V lets U receive gradients (as LoRA).
      const r = c.transition_rank!;
      const lim = 1 / Math.sqrt(P);
      return { A: diag(), AU: zeros([P, r], dtype), AV: uniform(key, [P, r], -lim, lim, dtype) };
    }
    case "block": {
      const k = c.transition_block!;
      const nb = Math.ceil(P / k);
      const v = new Array<number>(nb * k * k).fill(0);
      for (let b = 0; b < nb; b++) for (let i = 0; i < k; i++) v[(b * k + i) * k + i] = 1;
      return { A: tensor(v, [nb, k, k], dtype) };
    }
  }
}

/** The diagonal a (P) of a diagonal or lowrank transition: A itself, or exp(−softplus(ν)). */
export function diagonalOf(c: ModelConfig, A: Tensor): Tensor {
  return c.transition_stable ? ops.exp(ops.neg(ops.softplus(A))) : A;
}

/**
 * θ Aᵀ for states θ (N, P) of a block transition: pad θ to ⌈P/k⌉·k, view as (nb, N, k), multiply every
 * block by its A_bᵀ (one batched GEMM), and back.
 */
function blockApply(p: TransitionParams, theta: Tensor): Tensor {
  const [N, P] = theta.shape as [number, number];
  const [nb, k] = p.A.shape as [number, number];
  const padded = nb * k === P ? theta : concat([theta, zeros([N, nb * k - P], theta.dtype)], 1);
  const blocks = transpose(reshape(padded, [N, nb, k]), [1, 0, 2]);
  const out = reshape(transpose(matmul(blocks, p.A, { transB: true }), [1, 0, 2]), [N, nb * k]);
  return nb * k === P ? out : slice(out, [0, 0], [N, P]);
}

/** Options of `transitionStates`. */
export interface TransitionStatesOptions {
  /** Clip every θ_t to [−clip, clip] (0: none). */
  clip: number;
  /** The chunked associative scan over time (diagonal only, no clipping). */
  parallel: boolean;
}

/**
 * All states θ_1..θ_T (N, T, P) of θ_t = clip(A θ_{t−1} + B Δx_t) for inputs Δx (N, T, Din) known in
 * advance (the non-autoregressive modes); B (P, Din).
 */
export function transitionStates(
  c: ModelConfig,
  p: TransitionParams,
  B: Tensor,
  dx: Tensor,
  theta0: Tensor,
  { clip, parallel }: TransitionStatesOptions,
): Tensor {
  const T = dx.shape[1]!;
  assert(
    !parallel || c.transition === "diagonal",
    () => `WarpModel: the parallel scan needs transition "diagonal" or "dense", not "${c.transition}"`,
  );
  const U = matmul(dx, B, { transB: true });
  switch (c.transition) {
    case "dense":
      if (c.transition_dtype === "bf16") {
        // bf16 runs step by step (its product is not in the fused recurrence).
        const step = transitionStepper(c, p, T, dx.shape[0]!, clip);
        const states: Tensor[] = [];
        let theta = theta0;
        for (let t = 0; t < T; t++) {
          theta = step(
            theta,
            reshape(slice(U, [0, t, 0], [U.shape[0]!, 1, U.shape[2]!]), [U.shape[0]!, U.shape[2]!]),
            t,
          );
          states.push(theta);
        }
        return stack(states, 1);
      }
      return linearRecurrence(p.A, U, theta0, { clip });
    case "lowrank":
      return lowRankScan(diagonalOf(c, p.A), { U: p.AU!, V: p.AV! }, U, theta0, { clip });
    case "block":
      return blockScan(p.A, U, theta0, { clip });
    case "diagonal":
      return diagonalScan(diagonalOf(c, p.A), U, theta0, {
        clip,
        chunk: parallel ? Math.ceil(Math.sqrt(T)) : 0,
      });
  }
}

/** One step θ_t = clip(A θ_{t−1} + u_t) of a loop over t = 0..T−1 (the autoregressive modes). */
export type TransitionStep = (thetaPrev: Tensor, u: Tensor, t: number) => Tensor;

/**
 * The step function of a T-step loop over N sequences: the fused `linearStep` with a deferred dA for a
 * dense A (with A′ = bf16(A − I) made here once for every step when transition_dtype is bf16); the fused `diagonalStep` (element-wise, plus two thin GEMMs for lowrank); a batched GEMM over
 * the blocks.
 */
export function transitionStepper(
  c: ModelConfig,
  p: TransitionParams,
  T: number,
  N: number,
  clip: number,
): TransitionStep {
  if (c.transition === "dense") {
    const tape = stepTape(p.A, T, N);
    const bf16 = c.transition_dtype === "bf16" ? bf16Transition(p.A) : null;
    return (theta, u, t) => linearStep(theta, p.A, u, { clip, tape, t, bf16 });
  }
  if (c.transition === "block") {
    return (theta, u) => {
      const next = ops.add(blockApply(p, theta), u);
      return clip > 0 ? ops.clip(next, -clip, clip) : next;
    };
  }
  const a = diagonalOf(c, p.A);
  const lowRank: LowRank | null = c.transition === "lowrank" ? { U: p.AU!, V: p.AV! } : null;
  return (theta, u) => diagonalStep(theta, a, u, lowRank, { clip });
}

/** One step θ' = A θ + u (clipped to ±clip when clip > 0) without a tape, for inference (streaming). */
export function transitionApply(
  c: ModelConfig,
  p: TransitionParams,
  theta: Tensor,
  u: Tensor,
  clip: number,
): Tensor {
  if (c.transition === "dense" && c.transition_dtype !== "bf16") return linearStep(theta, p.A, u, { clip });
  return transitionStepper(c, p, 1, theta.shape[0]!, clip)(theta, u, 0);
}

/**
 * The dense (P, P) matrix of a transition, built from its parameters directly (not through the step
 * functions above, which tests check against it): diag(a) (+ U Vᵀ), or the blocks along the diagonal.
 */
export function denseTransition(c: ModelConfig, p: TransitionParams, P: number): Tensor {
  if (c.transition === "dense") return p.A;
  const dt = p.A.dtype;
  if (c.transition === "block") {
    const [nb, k] = p.A.shape as [number, number];
    const rows = Array.from({ length: nb }, (_, b) => {
      const size = Math.min(k, P - b * k);
      const block = reshape(slice(p.A, [b, 0, 0], [1, size, size]), [size, size]);
      const left = b * k;
      const right = P - left - size;
      const parts = [
        left > 0 ? zeros([size, left], dt) : null,
        block,
        right > 0 ? zeros([size, right], dt) : null,
      ];
      return concat(
        parts.filter((t): t is Tensor => t !== null),
        1,
      );
    });
    return concat(rows, 0);
  }
  const D = ops.mul(eye(P, dt), diagonalOf(c, p.A));
  return c.transition === "lowrank" ? ops.add(D, matmul(p.AU!, p.AV!, { transB: true })) : D;
}
