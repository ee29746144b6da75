// The closed set of differentiable ops: their names and the static attributes each records on the tape.
// `vjpRules` (vjp-table.ts) is typed over OpName, so adding an op here without a rule does not compile.

import type { FloatArray, RootActivation, UnaryOp } from "../backends/kernels.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * The buffers of linearStep's deferred dA over up to T steps of an (N, P) recurrence (ops/linear-step.ts
 * implements them as StepTape): θ_{t−1} and g_t of every step as (T·N, P) rows.
 */
export interface StepTapeBuffers {
  readonly A: Tensor;
  readonly T: number;
  readonly N: number;
  readonly written: boolean[];
  /** Whether the steps are bf16 ones (dA as bf16(G)ᵀ·bf16(Θ)); null until the first step is recorded. */
  bf16: boolean | null;
  readonly thetas: FloatArray;
  readonly grads: FloatArray;
}

/**
 * A dense transition used as I + A′ with bfloat16 products (`model.transition_dtype: bf16`): A′ = A − I
 * packed for the backend's matmulBf16 (the step's θ A′ᵀ), and A′ᵀ packed (the backward's g A′)
 * (ops/linear-step.ts `bf16Transition`).
 */
export interface Bf16Transition {
  readonly packed: Tensor;
  readonly packedT: Tensor;
}

/** The final activation of the rollout's head on the mean: none, a clip bound, dtanh, or a named function. */
export type RolloutFinal =
  | null
  | number
  | "dtanh"
  | Extract<UnaryOp, "relu" | "tanh" | "softplus" | "swish" | "sin" | "cos" | "sigmoid">;

/** The static description of a fused autoregressive rollout (ops/ar-rollout.ts), from the model's config. */
export interface ArRolloutConfig {
  /** The MLP root's layer widths [d_0 = F (+ D), hidden…, W]. */
  dims: readonly number[];
  act: RootActivation;
  final: RolloutFinal;
  /** W = 2D: mean then std = max(softplus(raw), stdLowerBound); else W = D. */
  uncertainty: boolean;
  stdLowerBound: number | null;
  /** Clip θ_t to ±clip (0: none). */
  clip: number;
  transition: "dense" | "diagonal" | "lowrank" | "block";
  /** Dense A used as I + A′ with bfloat16 products (ops/linear-step.ts). */
  bf16: boolean;
  /** The root also takes the fed-back previous value (input_prev_data). */
  prevInput: boolean;
  /** Where Δτ sits in B's input: none, before Δx (da7a0af) or after it (bde9a5d). */
  timeColumn: "none" | "first" | "last";
  /**
   * Diagonal and low-rank: keep θ_t only every `segment` steps for the backward, which recomputes the
   * others (1: keep every state). Default: 1 while θ_0..θ_T fit ROLLOUT_STATES_MAX_FLOATS
   * (ops/ar-rollout.ts), else the fewest steps per kept state that make them fit.
   */
  segment?: number;
}

/** What a rollout keeps for its backward pass (time-major buffers, one slot per step). */
export interface ArRolloutSaved {
  /** θ_t for t = 0, s, 2s, … and θ_T (⌈T/s⌉ + 1, N, P), s = `segment` (1: every state). */
  states: Tensor;
  segment: number;
  /** The root's hidden pre-activations (T, N, H), raw outputs (T, N, W) and inputs (T, N, d_0). */
  hidden: Tensor;
  raw: Tensor;
  rootIn: Tensor;
  /** B's inputs (T, N, Din). */
  inc: Tensor;
  /** z_t = θ_{t−1} V (T, N, r) of a low-rank transition. */
  z: Tensor | null;
  bf16: Bf16Transition | null;
  /** A dense A packed once for the backend's GEMM: Aᵀ for the forward's θ Aᵀ, A (or A′) for the backward's g A. */
  packedForward: Tensor | null;
  packedBackward: Tensor | null;
}

type None = Record<string, never>;

export interface OpAttrs {
  neg: None;
  exp: None;
  log: None;
  sqrt: None;
  abs: None;
  relu: None;
  tanh: None;
  sigmoid: None;
  softplus: None;
  swish: None;
  sin: None;
  cos: None;
  square: None;
  add: None;
  sub: None;
  mul: None;
  div: None;
  pow: None;
  maximum: None;
  minimum: None;
  greater: None;
  less: None;
  equal: None;
  clip: { lo: number; hi: number };
  where: None;
  matmul: { transA: boolean; transB: boolean };
  sum: { axes: number[]; keepDims: boolean };
  broadcastTo: { shape: number[] };
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  slice: { begin: number[]; size: number[] };
  concat: { axis: number };
  gather: { axis: number; indices: Tensor; perOuter: boolean };
  stopGradient: None;
  cast: { dtype: "float32" | "float64" };
  softmaxCrossEntropy: { labels: Tensor; probs: Tensor };
  linearRecurrence: { clip: number };
  diagonalScan: { clip: number; chunk: number };
  diagonalStep: { clip: number; z: Tensor | null };
  lowRankScan: { clip: number; states: Tensor; z: Tensor };
  blockScan: { clip: number; states: Tensor };
  rootMlp: { dims: number[]; act: RootActivation; hidden: Tensor | null };
  linearStep: { clip: number; tape: StepTapeBuffers | null; t: number; bf16: Bf16Transition | null };
  stepTapeTick: { tape: StepTapeBuffers };
  arRollout: {
    cfg: ArRolloutConfig;
    /** The known sequences: x (N, T, D), force (N, T), noise (N, T, D) or null, query (N, T, F), Δτ (N, T). */
    consts: { x: Tensor; force: Tensor; noise: Tensor | null; query: Tensor; dTime: Tensor };
    saved: ArRolloutSaved;
  };
}

export type OpName = keyof OpAttrs;

/** What a VJP sees: the op's inputs, its attributes and its output. */
export interface OpNode<K extends OpName> {
  readonly op: K;
  readonly inputs: readonly Tensor[];
  readonly attrs: OpAttrs[K];
}

/** A vector-Jacobian product: cotangent of the output → cotangent of each input (null = no gradient). */
export type Vjp<K extends OpName> = (dOut: Tensor, node: OpNode<K>, out: Tensor) => (Tensor | null)[];
