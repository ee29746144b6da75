// The vocabulary every sequence model shares (WARP in warp/model.ts, the GRU/LSTM baselines in
// baselines/rnn.ts): the SequenceModel interface the trainer, evaluation, checkpoints and CLI work with,
// a training Batch, the per-call ForwardOptions, and the observation times of a batch. It imports no
// model, so the models, their losses and the model factory (models.ts) depend on it without a cycle.

import * as ops from "./ops/elementwise.js";
import { broadcastTo } from "./ops/reduce.js";
import { reshape } from "./ops/shape.js";
import { type FloatDType, type Tensor, tensor } from "./tensor/tensor.js";
import { assert, fmtShape } from "./util/assert.js";
import { bernoulli, type Key } from "./util/random.js";
import type { ModelConfig } from "./warp/config.js";

/** What the trainer needs from a model with parameters P (a tree of tensors). */
export interface SequenceModel<P extends object = object> {
  readonly config: ModelConfig;
  /** Width of the output per step: D (2D with the uncertainty head), or nb_classes. */
  readonly outDim: number;
  /** One line for logs, e.g. "WARP, root mlp, Dθ = 1298". */
  readonly description: string;
  /** Fresh parameters. */
  init(key: Key, dtype?: FloatDType): P;
  /** Outputs (N, T, outDim) for inputs x (N, T, D): the rollout from `o.context` when given. */
  forward(p: P, x: Tensor, o?: ForwardOptions): Tensor;
  /** The training loss of a batch (a scalar). */
  loss(p: P, batch: Batch, key?: Key): Tensor;
  /** The forward pass without gradients. */
  predict(p: P, x: Tensor, o?: ForwardOptions): Tensor;
  /** The parameters under their checkpoint names. */
  namedParams(p: P): Record<string, Tensor>;
  /** The parameter tree from checkpoint names (names and shapes checked against `template`). */
  paramsFromNamed(named: Record<string, Tensor>, template: P): P;
}

/** Observation times as (N, T) for x (N, T, …): `t` given as (T) or (N, T), else linspace(0, 1, T). */
export function sequenceTimes(x: Tensor, t: Tensor | undefined, who: string): Tensor {
  const [N, T] = x.shape as [number, number];
  if (!t) {
    const v = Array.from({ length: T }, (_, i) => (T > 1 ? i / (T - 1) : 0));
    return broadcastTo(tensor(v, [1, T], x.dtype), [N, T]);
  }
  assert(
    (t.ndim === 1 && t.shape[0] === T) || (t.ndim === 2 && t.shape[0] === N && t.shape[1] === T),
    () => `${who}: times must be (T) or (N, T) = (${T}) or (${N},${T}), got ${fmtShape(t.shape)}`,
  );
  const tt = t.dtype === x.dtype ? t : ops.cast(t, x.dtype as FloatDType);
  return t.ndim === 1 ? broadcastTo(reshape(tt, [1, T]), [N, T]) : tt;
}

/** A training batch: inputs x (N, T, D), optional target (default x), labels, times and forcing. */
export interface Batch {
  x: Tensor;
  target?: Tensor;
  /** int32 (N) class labels for classification. */
  labels?: Tensor;
  times?: Tensor;
  forceMask?: Tensor;
  /**
   * Train as a forecast runs from a context of this many steps: the true x_t is fed while t < context
   * (then with probability forcing_prob, else the model's own prediction), and the loss counts the steps
   * t ≥ context only (what a forecast is scored on). Autoregressive models only.
   */
  context?: number;
}

/** Per-call options of the forward pass. */
export interface ForwardOptions {
  /** Observation times, (T) or (N, T); default linspace(0, 1, T). */
  times?: Tensor;
  /** Randomness for teacher forcing, θ_0 noise and stochastic sampling (required when they are used). */
  key?: Key;
  /**
   * Inference from a context length: the autoregressive rollout uses the true x_t while t < context,
   * then its own predictions (as the reference's `inference_start`).
   */
  context?: number;
  /** Explicit teacher-forcing decisions (N, T): 1 = feed the true x_t (overrides forcing_prob). */
  forceMask?: Tensor;
  /** Non-autoregressive mode only: compute θ_t with the parallel form (default: model.parallel_scan). */
  parallel?: boolean;
  /** Explicit standard-normal draws (N, T, D) of the stochastic rollout (instead of drawing from `key`). */
  noise?: Tensor;
  /**
   * WARP's autoregressive modes: run the rollout as one fused op (`arRollout`, the default where it
   * applies: an MLP root and a dense, diagonal or low-rank A), or with `false` op by op (its reference).
   */
  fused?: boolean;
  /**
   * The fused rollout with a diagonal or low-rank A, training: keep θ_t only every `segment` steps and
   * recompute the others in the backward (less memory, one more pass of the step; default 1, or what
   * bounds the states to 1 GiB of float32). The same numbers for any value.
   */
  segment?: number;
}

/**
 * The teacher-forcing decisions (N, T) of a training batch: its own forceMask, or when it is trained from
 * a context (Batch.context) 1 while t < context, then one Bernoulli(forcing_prob) draw per sequence and
 * step (1 = feed the true x_t); undefined otherwise (the model draws its own).
 */
export function batchForceMask(
  batch: Batch,
  config: ModelConfig,
  key: Key | undefined,
  who: string,
): Tensor | undefined {
  if (batch.forceMask || batch.context === undefined) return batch.forceMask;
  const { context } = batch;
  const [N, T] = batch.x.shape as [number, number];
  assert(config.autoregressive, () => `${who}: training from a context needs an autoregressive model`);
  assert(
    Number.isInteger(context) && context >= 1 && context < T,
    () => `${who}: a training context must be in 1..${T - 1} (the sequences have ${T} steps), got ${context}`,
  );
  const dtype = batch.x.dtype as FloatDType;
  const ctx = broadcastTo(
    tensor(
      Array.from({ length: T }, (_, t) => (t < context ? 1 : 0)),
      [1, T],
      dtype,
    ),
    [N, T],
  );
  if (config.forcing_prob <= 0) return ctx;
  assert(key, () => `${who}: teacher forcing with forcing_prob > 0 needs a random key`);
  return ops.where(ctx, 1, bernoulli(key, config.forcing_prob, [N, T], dtype));
}
