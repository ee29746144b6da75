// The closed set of differentiable ops: their names and the static attributes each records on the tape.
// `vjpRules` (vjp-table.ts) is typed over OpName, so adding an op here without a rule does not compile.

import type { FloatArray, RootActivation } from "../backends/kernels.js";
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
 * rounded to bfloat16 (float32 values), the same packed for the backend's matmulBf16 (the step's
 * θ A′ᵀ), and A′ᵀ packed (the backward's g A′) (ops/linear-step.ts `bf16Transition`).
 */
export interface Bf16Transition {
  readonly residual: Tensor;
  readonly packed: Tensor;
  readonly packedT: Tensor;
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
