// WARP's losses (docs/model.md §3): Gaussian NLL without the constant, the reference's ½MSE (optax l2_loss),
// plain MSE, cross-entropy on the last step's logits, and the loss on N time steps sampled with
// replacement per sequence. N sequences, T steps, D data dims.

import * as ops from "../ops/elementwise.js";
import { softmaxCrossEntropy } from "../ops/loss.js";
import { mean } from "../ops/reduce.js";
import { gather, reshape, slice } from "../ops/shape.js";
import type { Batch } from "../sequence-model.js";
import type { Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { type Key, randint } from "../util/random.js";
import type { ModelConfig } from "./config.js";

/** mean over (N, T, D) of log σ + ½((y − μ)/σ)²; out (N, T, 2D) = [μ, σ], y (N, T, D). */
export function gaussianNll(out: Tensor, y: Tensor): Tensor {
  const [N, T, D] = y.shape as [number, number, number];
  assert(
    out.ndim === 3 && out.shape[0] === N && out.shape[1] === T && out.shape[2] === 2 * D,
    () =>
      `gaussianNll: expected out (${N},${T},${2 * D}) for y ${fmtShape(y.shape)}, got ${fmtShape(out.shape)}`,
  );
  const mu = slice(out, [0, 0, 0], [N, T, D]);
  const sigma = slice(out, [0, 0, D], [N, T, D]);
  return mean(ops.add(ops.log(sigma), ops.mul(ops.square(ops.div(ops.sub(y, mu), sigma)), 0.5)));
}

/** The reference's l2 loss: mean of ½(ŷ − y)². */
export function halfMse(pred: Tensor, y: Tensor): Tensor {
  return ops.mul(mse(pred, y), 0.5);
}

/** mean((ŷ − y)²). */
export function mse(pred: Tensor, y: Tensor): Tensor {
  assert(
    pred.ndim === y.ndim && pred.shape.every((d, i) => d === y.shape[i]),
    () => `mse: prediction ${fmtShape(pred.shape)} and target ${fmtShape(y.shape)} differ`,
  );
  return mean(ops.square(ops.sub(pred, y)));
}

/** Softmax cross-entropy of the last step's logits: logits (N, T, C), labels int32 (N). */
export function lastStepCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  const [N, T, C] = logits.shape as [number, number, number];
  return softmaxCrossEntropy(reshape(slice(logits, [0, T - 1, 0], [N, 1, C]), [N, C]), labels);
}

/**
 * The same `count` time indices per sequence, drawn uniformly with replacement, taken from every
 * tensor (all (N, T, ·)); returns the gathered tensors (N, count, ·).
 */
export function sampleSteps(key: Key, count: number, ...xs: Tensor[]): Tensor[] {
  const [N, T] = xs[0]!.shape as [number, number];
  const idx = randint(key, [N, count], 0, T);
  return xs.map((x) => gather(x, idx, 1));
}

/**
 * The training loss of a model's output `out` for a batch (docs/model.md §3), shared by every model:
 * cross-entropy of the last step's logits for classification; otherwise NLL (uncertainty head) or ½MSE
 * against the target (x itself unless given), on `nb_recons_loss_steps` steps drawn with `stepsKey`.
 */
export function taskLoss(
  c: ModelConfig,
  out: Tensor,
  batch: Batch,
  stepsKey: Key | undefined,
  who: string,
): Tensor {
  if (c.nb_classes !== null) {
    assert(batch.labels, () => `${who}.loss: classification needs batch.labels`);
    return lastStepCrossEntropy(out, batch.labels);
  }
  let target = batch.target ?? batch.x;
  let pred = out;
  if (batch.context !== undefined) {
    // Trained from a context: the loss counts the steps a forecast is scored on.
    const [N, T] = out.shape as [number, number, number];
    pred = slice(pred, [0, batch.context, 0], [N, T - batch.context, pred.shape[2]!]);
    target = slice(target, [0, batch.context, 0], [N, T - batch.context, target.shape[2]!]);
  }
  if (c.nb_recons_loss_steps !== null) {
    assert(stepsKey, () => `${who}.loss: nb_recons_loss_steps needs a random key`);
    [pred, target] = sampleSteps(stepsKey, c.nb_recons_loss_steps, pred, target) as [Tensor, Tensor];
  }
  return c.use_nll_loss ? gaussianNll(pred, target) : halfMse(pred, target);
}
